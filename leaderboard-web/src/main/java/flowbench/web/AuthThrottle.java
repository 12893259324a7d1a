package flowbench.web;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Wrong-token attempts per client address: {@link #MAX_FAILURES} failures within {@link #WINDOW_MILLIS} lock the
 * address out for {@link #LOCKOUT_MILLIS}, during which every submission from it is refused (429) before its token
 * is even compared, so a token cannot be guessed at network speed. A correct token does not clear earlier failures:
 * one valid token must not give cover to guessing others. The address is the connection's peer (behind a reverse
 * proxy that is the proxy, which then shares one budget: put the limit in the proxy there).
 */
public final class AuthThrottle {
    public static final int MAX_FAILURES = 10;
    public static final long WINDOW_MILLIS = 60_000;
    public static final long LOCKOUT_MILLIS = 5 * 60_000;
    /** Addresses tracked at most; beyond it the oldest entries are dropped (bounded memory under many addresses). */
    static final int MAX_ADDRESSES = 10_000;

    private static final class Client {
        final Deque<Long> failures = new ArrayDeque<>();
        long lockedUntil;
    }

    private final LongSupplier clock;
    private final Map<String, Client> clients = new HashMap<>();

    public AuthThrottle() {
        this(System::currentTimeMillis);
    }

    /** With a clock in milliseconds (tests move it by hand). */
    AuthThrottle(LongSupplier clock) {
        this.clock = clock;
    }

    /** Milliseconds until {@code address} may try again; 0 when it is not locked out. */
    public synchronized long lockedFor(String address) {
        Client c = clients.get(address);
        if (c == null) return 0;
        return Math.max(0, c.lockedUntil - clock.getAsLong());
    }

    /**
     * Records a wrong (or missing) token from {@code address}.
     *
     * @return the failures in the current window, counting this one; the address is locked out when it reaches
     *         {@link #MAX_FAILURES}
     */
    public synchronized int failed(String address) {
        long now = clock.getAsLong();
        if (clients.size() >= MAX_ADDRESSES && !clients.containsKey(address)) evict(now);
        Client c = clients.computeIfAbsent(address, k -> new Client());
        while (!c.failures.isEmpty() && c.failures.peekFirst() <= now - WINDOW_MILLIS) c.failures.removeFirst();
        c.failures.addLast(now);
        int n = c.failures.size();
        if (n >= MAX_FAILURES) {
            c.lockedUntil = now + LOCKOUT_MILLIS;
            c.failures.clear();
        }
        return n;
    }

    /** Drops addresses neither locked out nor with a failure in the window; if none is, the first one. */
    private void evict(long now) {
        clients.values().removeIf(c -> c.lockedUntil <= now
                && (c.failures.isEmpty() || c.failures.peekLast() <= now - WINDOW_MILLIS));
        if (clients.size() >= MAX_ADDRESSES) {
            Iterator<String> it = clients.keySet().iterator();
            it.next();
            it.remove();
        }
    }
}

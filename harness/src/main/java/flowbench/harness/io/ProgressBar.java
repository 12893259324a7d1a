package flowbench.harness.io;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A {@link ProgressListener} that draws {@code label [#####.....] 45.0% 4500/10000 120/s ETA 1m23s} on a stream
 * (normally stderr, so stdout stays clean for results).
 *
 * <p>On a terminal the line is redrawn in place (at most 10 times a second); elsewhere (logs, CI, Slurm) a plain line
 * is printed every {@code plainIntervalMillis} and when a piece of work completes, so log files stay short. The rate
 * and ETA are measured from the first report of the current label, so a resumed run shows its real speed.
 */
public final class ProgressBar implements ProgressListener {
    private static final int WIDTH = 28;
    private static final long TTY_REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean tty;
    private final long plainIntervalNanos;
    private final LongSupplier clock;

    private String label;
    private long startNanos;
    private long startDone;
    private long lastDrawNanos;
    private int lastWidth;
    private boolean lineOpen;

    public ProgressBar(PrintStream out, boolean tty, long plainIntervalMillis, LongSupplier nanoClock) {
        this.out = out;
        this.tty = tty;
        this.plainIntervalNanos = plainIntervalMillis * 1_000_000L;
        this.clock = nanoClock;
    }

    /**
     * A bar on stderr. Redraws in place when a console is attached; {@code FLOWBENCH_PROGRESS=plain|tty|off}
     * overrides the detection.
     */
    public static ProgressListener forStderr() {
        String mode = System.getenv().getOrDefault("FLOWBENCH_PROGRESS", "auto").toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "off", "none" -> ProgressListener.NONE;
            case "plain" -> new ProgressBar(System.err, false, 15_000, System::nanoTime);
            case "tty" -> new ProgressBar(System.err, true, 15_000, System::nanoTime);
            default -> new ProgressBar(System.err, System.console() != null, 15_000, System::nanoTime);
        };
    }

    @Override
    public synchronized void progress(long done, long total, String label) {
        long now = clock.getAsLong();
        if (!label.equals(this.label) || done < startDone) {
            finishLine();
            this.label = label;
            this.startNanos = now;
            this.startDone = done;
            this.lastDrawNanos = Long.MIN_VALUE;
        }
        boolean complete = total > 0 && done >= total;
        long interval = tty ? TTY_REDRAW_NANOS : plainIntervalNanos;
        if (!complete && lastDrawNanos != Long.MIN_VALUE && now - lastDrawNanos < interval) return;
        lastDrawNanos = now;
        String line = render(done, total, now);
        if (tty) {
            String pad = line.length() < lastWidth ? " ".repeat(lastWidth - line.length()) : "";
            out.print("\r" + line + pad);
            lastWidth = line.length();
            lineOpen = true;
            if (complete) finishLine();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends an in-place line so the next output starts on a fresh line. */
    public synchronized void finishLine() {
        if (tty && lineOpen) {
            out.println();
            out.flush();
        }
        lineOpen = false;
        lastWidth = 0;
    }

    String render(long done, long total, long now) {
        StringBuilder sb = new StringBuilder(label).append(' ');
        double seconds = (now - startNanos) / 1e9;
        double rate = seconds > 0 ? (done - startDone) / seconds : 0;
        if (total > 0) {
            double frac = Math.min(1.0, Math.max(0.0, (double) done / total));
            int filled = (int) Math.round(frac * WIDTH);
            sb.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
            sb.append(String.format(Locale.ROOT, "%5.1f%% %d/%d", 100 * frac, done, total));
        } else {
            sb.append(done);
        }
        if (rate > 0) sb.append(String.format(Locale.ROOT, " %s/s", compact(rate)));
        if (total > 0 && done >= total) {
            sb.append(" done in ").append(duration(seconds));
        } else if (total > 0 && rate > 0) {
            sb.append(" ETA ").append(duration((total - done) / rate));
        }
        return sb.toString();
    }

    private static String compact(double rate) {
        if (rate >= 100) return String.format(Locale.ROOT, "%.0f", rate);
        if (rate >= 1) return String.format(Locale.ROOT, "%.1f", rate);
        return String.format(Locale.ROOT, "%.3f", rate);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}

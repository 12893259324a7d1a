package flowbench.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bearer tokens allowed to submit. A token file holds one token per line, either {@code TOKEN} or
 * {@code NAME TOKEN} (the name is recorded as "submitted by"); blank lines and lines starting with {@code #} are
 * ignored. Tokens are compared by their SHA-256 digests with {@link MessageDigest#isEqual} (constant time, and equal
 * length whatever the candidate's length), against every token, so the time taken does not tell which or how much
 * of a token matched.
 */
public final class SubmitTokens {
    /**
     * Tokens shorter than this are refused at start-up: a guessable token is worse than none (32 characters: 128 bits
     * as hex; wrong guesses are also rate-limited per address, {@link AuthThrottle}).
     */
    public static final int MIN_LENGTH = 32;
    /** How to make a good one, said with every refusal. */
    static final String HOW = "generate one with: openssl rand -hex 32";

    private record Token(String name, byte[] digest) {}

    private final List<Token> tokens;

    private SubmitTokens(List<Token> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    public static SubmitTokens none() {
        return new SubmitTokens(List.of());
    }

    public boolean enabled() {
        return !tokens.isEmpty();
    }

    public int count() {
        return tokens.size();
    }

    /** One token from the environment (FLOWBENCH_SUBMIT_TOKEN), recorded as submitted by "token". */
    public static SubmitTokens single(String token, String source) {
        String t = token.strip();
        if (t.length() < MIN_LENGTH) {
            throw new IllegalArgumentException(source + ": the submission token has " + t.length()
                    + " characters; expected at least " + MIN_LENGTH + " (" + HOW + ")");
        }
        return new SubmitTokens(List.of(new Token("token", digest(t))));
    }

    public static SubmitTokens load(Path file) throws IOException {
        List<Token> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] parts = l.split("\\s+");
            String name;
            String token;
            if (parts.length == 1) {
                name = "token-" + (out.size() + 1);
                token = parts[0];
            } else if (parts.length == 2) {
                name = parts[0];
                token = parts[1];
            } else {
                throw new IOException(file + " line " + (i + 1) + ": expected 'TOKEN' or 'NAME TOKEN', found "
                        + parts.length + " words");
            }
            if (token.length() < MIN_LENGTH) {
                throw new IOException(file + " line " + (i + 1) + ": token has " + token.length()
                        + " characters; expected at least " + MIN_LENGTH + " (" + HOW + ")");
            }
            out.add(new Token(name, digest(token)));
        }
        if (out.isEmpty()) throw new IOException(file + ": no token found; expected one 'TOKEN' or 'NAME TOKEN' per line");
        return new SubmitTokens(out);
    }

    /** The name of the token that equals {@code candidate}, if any. */
    public Optional<String> check(String candidate) {
        if (candidate == null) return Optional.empty();
        byte[] d = digest(candidate.strip());
        String found = null;
        for (Token t : tokens) {
            // no early exit: every token is compared
            if (MessageDigest.isEqual(t.digest(), d) && found == null) found = t.name();
        }
        return Optional.ofNullable(found);
    }

    /** The token of an {@code Authorization: Bearer <token>} header, or null. */
    public static String bearer(String header) {
        if (header == null) return null;
        String h = header.strip();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        return h.substring(7).strip();
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}

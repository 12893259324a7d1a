package flowbench.harness.rng;

import java.nio.charset.StandardCharsets;

/**
 * Derivation of independent seeds from a root seed and a path of labels, e.g.
 * {@code derive(runSeed, "train", step)} or {@code derive(suiteSeed, "eval", taskId, episode)}.
 *
 * <p>Every random source in flowbench gets its generator this way, so that (1) a resumed run continues exactly the
 * stream an uninterrupted run would have used (the training step index is part of the path, no generator state has
 * to be checkpointed), and (2) evaluation episode i of task k gets the same seed for a given suite seed whatever
 * algorithm is evaluated.
 */
public final class Seeds {
    private Seeds() {}

    public static long derive(long root, Object... path) {
        long h = Rng.mix(root ^ 0x6A09E667F3BCC909L);
        for (Object p : path) {
            h = Rng.mix(h ^ hashLabel(p));
        }
        return h;
    }

    public static Rng rng(long root, Object... path) {
        return new Rng(derive(root, path));
    }

    private static long hashLabel(Object p) {
        if (p instanceof Number n && !(p instanceof Double) && !(p instanceof Float)) {
            return Rng.mix(n.longValue() + 0x3C6EF372FE94F82BL);
        }
        // FNV-1a over UTF-8 bytes: stable across JVMs, unlike String.hashCode's spec-free use for longs
        long h = 0xCBF29CE484222325L;
        for (byte b : String.valueOf(p).getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xFF);
            h *= 0x100000001B3L;
        }
        return Rng.mix(h);
    }
}

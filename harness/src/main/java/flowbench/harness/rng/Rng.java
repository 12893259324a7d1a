package flowbench.harness.rng;

/**
 * A small, fully specified pseudo-random generator (SplitMix64 stream, Box-Muller normals).
 *
 * <p>Written out rather than taken from {@code java.util} so that the exact stream is fixed by this file and not by the
 * JDK build: the same seed gives the same numbers on every JVM. Generators are never shared between random sources;
 * each source gets its own generator from {@link Seeds#derive(long, Object...)}.
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;
    private double spareNormal;
    private boolean hasSpare;

    public Rng(long seed) {
        this.state = seed;
    }

    /** SplitMix64 finaliser (Steele, Lea, Flood 2014). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform integer in [0, bound). Lemire's unbiased bounded draw. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long m = (nextLong() >>> 32) * bound;
        long l = m & 0xFFFFFFFFL;
        if (l < bound) {
            long t = (0x100000000L - bound) % bound;
            while (l < t) {
                m = (nextLong() >>> 32) * bound;
                l = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareNormal;
        }
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 <= 0.0);
        double u2 = nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double theta = 2.0 * Math.PI * u2;
        spareNormal = r * Math.sin(theta);
        hasSpare = true;
        return r * Math.cos(theta);
    }

    /** Fills {@code out} with independent standard normals. */
    public void fillGaussian(float[] out) {
        for (int i = 0; i < out.length; i++) out[i] = (float) nextGaussian();
    }

    /** A new independent generator whose seed is drawn from this one. */
    public Rng split() {
        return new Rng(mix(nextLong() ^ 0xD1B54A32D192ED03L));
    }
}

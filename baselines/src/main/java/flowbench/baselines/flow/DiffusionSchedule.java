package flowbench.baselines.flow;

/**
 * The discrete DDPM noise schedule of DCGQL (docs/qam.md §2.9; reference {@code utils/diffusion.py vp_beta_schedule} and
 * {@code DCGQLAgent.create}): the variance-preserving schedule with β_min = 0.1, β_max = 10,
 * <pre>
 *   β_t = 1 − exp(−β_min/T − ½(β_max − β_min)(2t − 1)/T²),  t = 1..T
 *   β_0 = 0 (prepended),  α_t = 1 − β_t,  ᾱ_t = Π_{s ≤ t} α_s  (so ᾱ_0 = 1)
 * </pre>
 * Index t = 0..T. The exponent is evaluated in double and rounded once; 1 − β, 1 − α and the cumulative product are
 * float32 operations, as the reference's jnp float32 arrays. T = 10 gives β_1 ≈ 0.0578 and ᾱ_10 ≈ 6.7e−3.
 */
public final class DiffusionSchedule {
    private final int steps;
    private final float[] betas;
    private final float[] alphas;
    private final float[] alphaHats;

    private DiffusionSchedule(int steps, float[] betas) {
        this.steps = steps;
        this.betas = betas;
        this.alphas = new float[steps + 1];
        this.alphaHats = new float[steps + 1];
        float prod = 1f;
        for (int t = 0; t <= steps; t++) {
            alphas[t] = 1f - betas[t];
            prod *= alphas[t];
            alphaHats[t] = prod;
        }
    }

    /** The VP schedule with T = {@code steps} (the reference's {@code beta_schedule="vp"}, its only setting used). */
    public static DiffusionSchedule vp(int steps) {
        if (steps < 1) throw new IllegalArgumentException("diffusion steps must be >= 1, got " + steps);
        double bMin = 0.1, bMax = 10.0, n = steps;
        float[] b = new float[steps + 1];
        for (int t = 1; t <= steps; t++) {
            float alpha = (float) Math.exp(-bMin / n - 0.5 * (bMax - bMin) * (2 * t - 1) / (n * n));
            b[t] = 1f - alpha;
        }
        return new DiffusionSchedule(steps, b);
    }

    /** T. */
    public int steps() {
        return steps;
    }

    public float beta(int t) {
        return betas[check(t)];
    }

    public float alpha(int t) {
        return alphas[check(t)];
    }

    public float alphaHat(int t) {
        return alphaHats[check(t)];
    }

    private int check(int t) {
        if (t < 0 || t > steps) throw new IllegalArgumentException("diffusion step must be in [0, " + steps + "], got " + t);
        return t;
    }
}

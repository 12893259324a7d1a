package flowbench.tasks.bandit;

import flowbench.harness.rng.Rng;

/**
 * The one-step bandit family: continuous actions a in [-1, 1]^d, a constant observation (one column, always 0), a
 * behaviour policy that is a mixture of isotropic Gaussians with centres at +-0.3 per coordinate (std
 * {@link #MODE_STD} = 0.2 per dimension, samples clipped to [-1, 1]) and the closed-form reward
 * <pre>
 *   r(a) = -||a - a*||^2 / d,   a* = (0.5, ..., 0.5)     (in [-2.25, 0]; -0.04 at the rarest centre, -0.64 at -0.3·1)
 * </pre>
 * Episodes last one step; success = r(a) &gt;= {@link #SUCCESS_THRESHOLD} (within an RMS distance of ~0.32 of a* per
 * dimension). a* lies just beyond the behaviour's RAREST mode, so that a reward-maximising policy must move mass away
 * from what behaviour cloning reproduces.
 *
 * <p>The modes overlap in 1-D and 2-D (centres 3 standard deviations apart) on purpose: QAM's reference
 * discretisation (N = 10 flow steps) reproduces the tilted distribution below within a few percent on such mixtures,
 * but stays far from it when the modes are separated by an almost empty valley (with centres +-0.5 and std 0.1 it
 * moves ~0.5-0.6 of the mass where the tilt predicts 0.88; see baselines/scripts/qam_fixed_point.py). In 8-D the two
 * centres are 8.5 standard deviations apart, the separated case.
 *
 * <p>Because the reward is quadratic and the modes Gaussian, the KL-regularised optimum π*(a) ∝ π_β(a)·exp(λ r(a))
 * (QAM's target at inverse temperature λ) is again a Gaussian mixture in closed form ({@link #tiltedModeMasses},
 * {@link #tiltedMeanReward}), with c = λ/d and s² = MODE_STD²: mode m keeps a Gaussian with variance s²/(1 + 2cs²),
 * mean (μ_m + 2cs²·a*)/(1 + 2cs²) per dimension, and weight ∝ w_m·Π_i (1 + 2cs²)^(-1/2)·exp(-c(μ_mi - a*_i)²/(1 + 2cs²)).
 * The clip of behaviour samples to [-1, 1] is ignored there (centres are 3.5 standard deviations inside the box, so it
 * moves 2.3e-4 of each coordinate's mass onto the faces). "Mode masses" here are the mixture components' weights; the
 * masses of the nearest-centre regions differ when modes overlap.
 */
public enum BanditSpec {
    /** d = 1: modes -0.3 (mass 0.7) and +0.3 (0.3, next to a* = 0.5). */
    D1_BIMODAL("bandit-1d-bimodal", 1, new double[][] {{-0.3}, {0.3}}, new double[] {0.7, 0.3}, new double[] {0.5}),
    /** d = 2: modes (-0.3, -0.3) (0.7) and (+0.3, +0.3) (0.3, next to a* = (0.5, 0.5)). */
    D2_BIMODAL("bandit-2d-bimodal", 2, new double[][] {{-0.3, -0.3}, {0.3, 0.3}}, new double[] {0.7, 0.3},
            new double[] {0.5, 0.5}),
    /** d = 8: modes -0.3·1 (0.7) and +0.3·1 (0.3, next to a* = 0.5·1). */
    D8_BIMODAL("bandit-8d-bimodal", 8, new double[][] {fill(8, -0.3), fill(8, 0.3)}, new double[] {0.7, 0.3}, fill(8, 0.5)),
    /**
     * d = 2: four corners at +-0.3, (-,-) 0.4, (+,-) 0.3, (-,+) 0.2, (+,+) 0.1 (next to a* = (0.5, 0.5)); centre
     * rewards -0.64, -0.34, -0.34, -0.04.
     */
    D2_QUADMODAL("bandit-2d-quadmodal", 2, new double[][] {{-0.3, -0.3}, {0.3, -0.3}, {-0.3, 0.3}, {0.3, 0.3}},
            new double[] {0.4, 0.3, 0.2, 0.1}, new double[] {0.5, 0.5});

    /** Standard deviation of every mixture component, per dimension. */
    public static final double MODE_STD = 0.2;
    /** An episode succeeds when r(a) is at least this. */
    public static final double SUCCESS_THRESHOLD = -0.1;
    /** Width of the (constant, all-zero) observation. */
    public static final int OBS_DIM = 1;

    private final String base;
    private final int dim;
    private final double[][] modes;
    private final double[] masses;
    private final double[] target;

    BanditSpec(String base, int dim, double[][] modes, double[] masses, double[] target) {
        this.base = base;
        this.dim = dim;
        this.modes = modes;
        this.masses = masses;
        this.target = target;
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** Name stem, e.g. {@code bandit-2d-bimodal}. */
    public String baseName() {
        return base;
    }

    /** {@code <stem>-v0}. */
    public String datasetName() {
        return base + "-v0";
    }

    /** {@code <stem>-singletask-v0}. */
    public String taskName() {
        return base + "-singletask-v0";
    }

    public int actionDim() {
        return dim;
    }

    public int modeCount() {
        return modes.length;
    }

    /** Centre of mode m (a copy). */
    public double[] mode(int m) {
        return modes[m].clone();
    }

    /** Behaviour mass of mode m. */
    public double mass(int m) {
        return masses[m];
    }

    /** a* (a copy). */
    public double[] target() {
        return target.clone();
    }

    /** r(a) = -||a - a*||² / d for the action at {@code a[off .. off + d)}. */
    public double reward(float[] a, int off) {
        double s = 0;
        for (int i = 0; i < dim; i++) {
            double v = a[off + i] - target[i];
            s += v * v;
        }
        return -s / dim;
    }

    public boolean success(double reward) {
        return reward >= SUCCESS_THRESHOLD;
    }

    /** One behaviour action into {@code out[off .. off + d)}: a mode by mass, N(centre, MODE_STD²), clipped to [-1, 1]. */
    public void sampleBehaviour(Rng rng, float[] out, int off) {
        double u = rng.nextDouble();
        int m = 0;
        double acc = masses[0];
        while (u >= acc && m < masses.length - 1) acc += masses[++m];
        for (int i = 0; i < dim; i++) {
            double v = modes[m][i] + MODE_STD * rng.nextGaussian();
            out[off + i] = (float) Math.max(-1, Math.min(1, v));
        }
    }

    /** The nearest mode centre to {@code a[off .. off + d)} (for mode-mass statistics). */
    public int nearestMode(float[] a, int off) {
        int best = 0;
        double bestD = Double.POSITIVE_INFINITY;
        for (int m = 0; m < modes.length; m++) {
            double s = 0;
            for (int i = 0; i < dim; i++) {
                double v = a[off + i] - modes[m][i];
                s += v * v;
            }
            if (s < bestD) {
                bestD = s;
                best = m;
            }
        }
        return best;
    }

    /** Mode masses of π_β·exp(λ r) (closed form, see the class comment); λ = 0 gives the behaviour masses. */
    public double[] tiltedModeMasses(double lambda) {
        if (!(lambda >= 0)) throw new IllegalArgumentException(base + ": lambda must be >= 0, got " + lambda);
        double c = lambda / dim, s2 = MODE_STD * MODE_STD, k = 1 + 2 * c * s2;
        double[] logw = new double[modes.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < modes.length; m++) {
            double lw = Math.log(masses[m]) - 0.5 * dim * Math.log(k);
            for (int i = 0; i < dim; i++) lw -= c * Math.pow(modes[m][i] - target[i], 2) / k;
            logw[m] = lw;
            max = Math.max(max, lw);
        }
        double z = 0;
        double[] w = new double[modes.length];
        for (int m = 0; m < modes.length; m++) z += (w[m] = Math.exp(logw[m] - max));
        for (int m = 0; m < modes.length; m++) w[m] /= z;
        return w;
    }

    /** E[r(a)] under π_β·exp(λ r) (closed form; λ = 0 gives the behaviour's mean reward). */
    public double tiltedMeanReward(double lambda) {
        double[] w = tiltedModeMasses(lambda);
        double c = lambda / dim, s2 = MODE_STD * MODE_STD, k = 1 + 2 * c * s2;
        double var = s2 / k;
        double mean = 0;
        for (int m = 0; m < modes.length; m++) {
            double e = 0;
            for (int i = 0; i < dim; i++) {
                double mu = (modes[m][i] + 2 * c * s2 * target[i]) / k;
                e += Math.pow(mu - target[i], 2) + var;
            }
            mean += w[m] * (-e / dim);
        }
        return mean;
    }

    /** The spec whose dataset or task name is {@code name}, or null. */
    public static BanditSpec byName(String name) {
        for (BanditSpec s : values()) if (s.datasetName().equals(name) || s.taskName().equals(name)) return s;
        return null;
    }
}

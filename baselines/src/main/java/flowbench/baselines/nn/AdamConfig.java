package flowbench.baselines.nn;

/**
 * Adam hyperparameters (Kingma & Ba 2015, optax/torch defaults).
 *
 * @param learningRate   step size (constant)
 * @param beta1          first-moment decay
 * @param beta2          second-moment decay
 * @param eps            added to √v̂ (outside the root, as optax eps and torch eps)
 * @param clipGlobalNorm if > 0, gradients of ALL modules of the optimiser are first rescaled together so that their
 *                       joint L2 norm is at most this (optax.clip_by_global_norm before adam); 0 = no clipping
 */
public record AdamConfig(double learningRate, double beta1, double beta2, double eps, double clipGlobalNorm) {
    public AdamConfig {
        if (!(learningRate > 0)) throw new IllegalArgumentException("Adam learningRate must be > 0, got " + learningRate);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("Adam beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Adam beta2 must be in [0, 1), got " + beta2);
        if (!(eps >= 0)) throw new IllegalArgumentException("Adam eps must be >= 0, got " + eps);
        if (!(clipGlobalNorm >= 0)) {
            throw new IllegalArgumentException("Adam clipGlobalNorm must be >= 0 (0 = off), got " + clipGlobalNorm);
        }
    }

    /** β = (0.9, 0.999), eps 1e−8, no clipping. */
    public static AdamConfig of(double learningRate) {
        return new AdamConfig(learningRate, 0.9, 0.999, 1e-8, 0);
    }

    public AdamConfig withClipGlobalNorm(double maxNorm) {
        return new AdamConfig(learningRate, beta1, beta2, eps, maxNorm);
    }
}

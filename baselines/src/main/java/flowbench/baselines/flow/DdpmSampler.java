package flowbench.baselines.flow;

import flowbench.harness.rng.Rng;

/**
 * DCGQL's ancestral DDPM sampler ({@code ddpm_sampler}, docs/qam.md §2.9), from x_T ~ N(0, I) down to t = 1:
 * <pre>
 *   x̂0 = (1/√ᾱ_t)·(x − √(1−ᾱ_t)·ε_θ(c, x, t))
 *   CLIPPED_POSTERIOR (DAC, clip_sampler_before=True):  x̂0 ← clip(x̂0, −1, 1);
 *                      x ← (1/(1−ᾱ_t))·(√ᾱ_{t−1}·(1−α_t)·x̂0 + √α_t·(1−ᾱ_{t−1})·x)    (the DDPM posterior mean)
 *   JUMP_TO_X0 (QSM, clip_sampler_before=False; QUIRK docs/qam.md §8.10): x ← x̂0
 *   POSTERIOR (textbook DDPM, not in the reference): the posterior mean with the unclipped x̂0
 *   if t > 1: x ← x + √(1−α_t)·z, z ~ N(0, I)
 *   if clipAfter (QSM, clip_sampler_after=True): x ← clip(x, −1, 1)
 * </pre>
 * Nothing else clips: DAC's final x_0 is its clipped x̂0 mapped through the t = 1 posterior mean (ᾱ_0 = 1, so it
 * equals x̂0 up to rounding), and the reference feeds it to the critic without a further clip. Coefficients are
 * float32 expressions of the schedule's float32 arrays, in the reference's order.
 *
 * <p>Random numbers: x_T is drawn first (batch × D), then one z per step t = T..2 (none at t = 1, where the reference
 * multiplies its draw by 0).
 */
public final class DdpmSampler {

    /** What a denoising step does with the x0 prediction. */
    public enum X0Step {
        /** DAC reference ({@code clip_sampler_before=True}): clip x̂0, then the DDPM posterior mean. */
        CLIPPED_POSTERIOR,
        /** QSM reference QUIRK ({@code clip_sampler_before=False}): jump to x̂0, then add √β_t noise. */
        JUMP_TO_X0,
        /** The textbook DDPM step: posterior mean with the unclipped x̂0 (the corrected QSM sampler). */
        POSTERIOR
    }

    /** The noise prediction ε(c, x, t) for a batch sharing one step t (e.g. {@link NoiseNetwork#predictor}). */
    public interface Predictor {
        /** @return batch × D; may be a buffer the predictor reuses */
        float[] predict(float[] cond, float[] x, int t, int batch);
    }

    private final DiffusionSchedule schedule;
    private final X0Step x0Step;
    private final boolean clipAfter;
    private final float[] invSqrtAhat, sqrtOneMinusAhat, postScale, postX0, postX, sigma;

    public DdpmSampler(DiffusionSchedule schedule, X0Step x0Step, boolean clipAfter) {
        if (x0Step == null) throw new IllegalArgumentException("sampler x0Step must be set");
        this.schedule = schedule;
        this.x0Step = x0Step;
        this.clipAfter = clipAfter;
        int n = schedule.steps();
        invSqrtAhat = new float[n + 1];
        sqrtOneMinusAhat = new float[n + 1];
        postScale = new float[n + 1];
        postX0 = new float[n + 1];
        postX = new float[n + 1];
        sigma = new float[n + 1];
        for (int t = 1; t <= n; t++) {
            float ah = schedule.alphaHat(t), ahPrev = schedule.alphaHat(t - 1), a = schedule.alpha(t);
            invSqrtAhat[t] = 1f / sqrt(ah);
            sqrtOneMinusAhat[t] = sqrt(1f - ah);
            postScale[t] = 1f / (1f - ah);
            postX0[t] = sqrt(ahPrev) * (1f - a);
            postX[t] = sqrt(a) * (1f - ahPrev);
            sigma[t] = sqrt(1f - a);
        }
    }

    private static float sqrt(float v) {
        return (float) Math.sqrt(v);
    }

    public X0Step x0Step() {
        return x0Step;
    }

    public boolean clipAfter() {
        return clipAfter;
    }

    public DiffusionSchedule schedule() {
        return schedule;
    }

    /**
     * Draws x_T and the step noises from {@code rng} and denoises.
     *
     * @param out receives the actions (batch × D); returned
     */
    public float[] sample(Predictor eps, float[] cond, int batch, int actionDim, Rng rng, float[] out) {
        int bd = batch * actionDim;
        if (out.length < bd) throw new IllegalArgumentException("sampler out has " + out.length + " values, expected " + bd);
        float[] x = new float[bd];
        rng.fillGaussian(x);
        float[] z = new float[bd];
        int n = schedule.steps();
        for (int t = n; t >= 1; t--) {
            if (t > 1) rng.fillGaussian(z);
            step(eps, cond, x, t, batch, actionDim, t > 1 ? z : null);
        }
        System.arraycopy(x, 0, out, 0, bd);
        return out;
    }

    /**
     * One denoising step at t, in place on x (batch × D).
     *
     * @param z the noise for this step (batch × D), or null at t = 1
     */
    public void step(Predictor predictor, float[] cond, float[] x, int t, int batch, int actionDim, float[] z) {
        if (t < 1 || t > schedule.steps()) {
            throw new IllegalArgumentException("diffusion step must be in [1, " + schedule.steps() + "], got " + t);
        }
        int bd = batch * actionDim;
        float[] eps = predictor.predict(cond, x, t, batch);
        float c0 = invSqrtAhat[t], c1 = sqrtOneMinusAhat[t];
        float ps = postScale[t], p0 = postX0[t], px = postX[t], s = sigma[t];
        for (int i = 0; i < bd; i++) {
            float xi = x[i];
            float x0 = c0 * (xi - c1 * eps[i]);
            float next = switch (x0Step) {
                case JUMP_TO_X0 -> x0;
                case CLIPPED_POSTERIOR -> ps * (p0 * Math.max(-1f, Math.min(1f, x0)) + px * xi);
                case POSTERIOR -> ps * (p0 * x0 + px * xi);
            };
            if (t > 1) next = next + s * z[i];
            if (clipAfter) next = Math.max(-1f, Math.min(1f, next));
            x[i] = next;
        }
    }
}

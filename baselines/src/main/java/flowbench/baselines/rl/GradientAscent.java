package flowbench.baselines.rl;

/**
 * GradStep (after PA-RL, Mark et al. 2024; QGF's test-time baseline, docs/qgf.md section 6.1): starting from a finished
 * action, L steps of {@code a ← clip(a + α·∇_a Q(c, a), −1, 1)}.
 */
public final class GradientAscent {
    private GradientAscent() {}

    /**
     * @param actions batch x actionDim, refined in place and returned
     * @param alpha   step size α (0.01 in the reference launch scripts)
     * @param steps   L (3 or 5 in the reference)
     */
    public static float[] refine(ActionCritic critic, float[] cond, float[] actions, int batch, float alpha, int steps) {
        int n = batch * critic.actionDim();
        float[] g = new float[n];
        for (int l = 0; l < steps; l++) {
            critic.evaluate(cond, actions, batch, null, g);
            for (int i = 0; i < n; i++) actions[i] = Math.max(-1f, Math.min(1f, actions[i] + alpha * g[i]));
        }
        return actions;
    }
}

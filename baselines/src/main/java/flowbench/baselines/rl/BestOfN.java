package flowbench.baselines.rl;

import flowbench.baselines.flow.OdeSampler;
import flowbench.harness.rng.Rng;

/**
 * Best-of-N re-ranking: of N candidate actions per row, keep the one the critic scores highest (QGF's
 * {@code --bfn_values N}, IFQL's argmax over flow samples, V-GPS; docs/qgf.md sections 4.1 and 6.3). Ties go to the first
 * candidate, as {@code jnp.argmax} does.
 */
public final class BestOfN {
    private BestOfN() {}

    /**
     * @param cond       batch x condDim
     * @param candidates (batch·n) x actionDim, row b's candidates at rows b·n .. b·n + n − 1
     * @param out        receives the chosen action per row, batch x actionDim (may not alias candidates)
     * @param scratch    optional buffer for the repeated conditioning, at least batch·n·condDim (null to allocate)
     * @return the chosen candidate index per row
     */
    public static int[] select(ActionCritic critic, float[] cond, float[] candidates, int batch, int n, float[] out,
                               float[] scratch) {
        if (n < 1) throw new IllegalArgumentException("best-of-N needs N >= 1, got " + n);
        int cd = critic.condDim();
        int d = critic.actionDim();
        float[] rep = repeatRows(cond, batch, n, cd, scratch);
        float[] values = new float[batch * n];
        critic.evaluate(rep, candidates, batch * n, values, null);
        int[] chosen = new int[batch];
        for (int b = 0; b < batch; b++) {
            int best = 0;
            for (int j = 1; j < n; j++) if (values[b * n + j] > values[b * n + best]) best = j;
            chosen[b] = best;
            System.arraycopy(candidates, (b * n + best) * d, out, b * d, d);
        }
        return chosen;
    }

    /**
     * N candidates per row from the clipped ODE of a flow ({@code n} fresh noise draws per row, one batch of
     * batch·n), then the critic's best per row: IFQL's acting rule and QGF's best-of-N policy.
     *
     * @return batch x actionDim
     */
    public static float[] ofFlowSamples(OdeSampler ode, ActionCritic critic, float[] cond, int batch, int n, Rng rng) {
        float[] rep = repeatRows(cond, batch, n, critic.condDim(), null);
        float[] candidates = ode.sample(rep, batch * n, rng);
        float[] out = new float[batch * critic.actionDim()];
        select(critic, cond, candidates, batch, n, out, rep);
        return out;
    }

    /** Each row of cond repeated n times, (batch·n) x condDim, into scratch when it is large enough. */
    private static float[] repeatRows(float[] cond, int batch, int n, int cd, float[] scratch) {
        float[] rep = scratch != null && scratch.length >= batch * n * cd ? scratch : new float[batch * n * cd];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < n; j++) System.arraycopy(cond, b * cd, rep, (b * n + j) * cd, cd);
        }
        return rep;
    }
}

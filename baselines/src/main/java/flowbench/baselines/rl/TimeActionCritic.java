package flowbench.baselines.rl;

/**
 * A critic of NOISY actions at flow time t, Q(c, a_t, t) (RobustQ's noise-conditioned critic, docs/qgf.md section 6.1),
 * differentiable in a_t. One instance serves one thread.
 */
public interface TimeActionCritic {
    int condDim();

    int actionDim();

    /**
     * @param cond    batch x condDim
     * @param actions noisy actions a_t, batch x actionDim
     * @param t       flow time shared by every row (0 = noise, 1 = data)
     * @param values  receives Q(c_b, a_b, t), or null
     * @param grad    receives dQ/da_t (batch x actionDim, overwritten), or null
     */
    void evaluate(float[] cond, float[] actions, float t, int batch, float[] values, float[] grad);
}

package flowbench.baselines.rl;

/**
 * A scalar score Q(c, a) of conditioning rows c (observation, or observation and goal) and flattened action chunks a,
 * differentiable in a. It is what test-time guidance, gradient ascent and best-of-N re-ranking need from a critic;
 * {@link EnsembleCritic} is the learned one, tests plug in exact closed forms.
 *
 * <p>Implementations may keep scratch buffers: one instance serves one thread.
 */
public interface ActionCritic {
    /** Columns of a conditioning row. */
    int condDim();

    /** Columns of an action row (H x per-step action dimension for chunks). */
    int actionDim();

    /**
     * Values and, optionally, action gradients of a batch. Rows are independent: the gradient is that of
     * sum_b Q(c_b, a_b), i.e. per-row gradients.
     *
     * @param cond    batch x condDim
     * @param actions batch x actionDim
     * @param values  receives Q(c_b, a_b) (length >= batch), or null
     * @param grad    receives dQ/da (batch x actionDim, overwritten), or null to skip the backward pass
     */
    void evaluate(float[] cond, float[] actions, int batch, float[] values, float[] grad);
}

package flowbench.baselines.rl;

/**
 * Closed-form critics for known-answer tests: Q(c, a) = Σ_j slope_j·a_j − curvature·Σ_j (a_j − centre_j)², independent
 * of c, with its exact gradient.
 */
public final class ExactCritic implements ActionCritic {
    private final int condDim;
    private final int actionDim;
    private final float slope;
    private final float curvature;
    private final float centre;

    private ExactCritic(int condDim, int actionDim, float slope, float curvature, float centre) {
        this.condDim = condDim;
        this.actionDim = actionDim;
        this.slope = slope;
        this.curvature = curvature;
        this.centre = centre;
    }

    /** Q = slope · Σ a_j. */
    public static ExactCritic linear(int condDim, int actionDim, float slope) {
        return new ExactCritic(condDim, actionDim, slope, 0f, 0f);
    }

    /** Q = −curvature · Σ (a_j − centre)². */
    public static ExactCritic quadratic(int condDim, int actionDim, float curvature, float centre) {
        return new ExactCritic(condDim, actionDim, 0f, curvature, centre);
    }

    @Override
    public int condDim() {
        return condDim;
    }

    @Override
    public int actionDim() {
        return actionDim;
    }

    /** The value of one action row (double precision). */
    public double value(float[] a, int row) {
        double s = 0;
        for (int j = 0; j < actionDim; j++) {
            double x = a[row * actionDim + j];
            s += slope * x - curvature * (x - centre) * (x - centre);
        }
        return s;
    }

    @Override
    public void evaluate(float[] cond, float[] actions, int batch, float[] values, float[] grad) {
        for (int b = 0; b < batch; b++) {
            if (values != null) values[b] = (float) value(actions, b);
            if (grad != null) {
                for (int j = 0; j < actionDim; j++) {
                    int i = b * actionDim + j;
                    grad[i] = slope - 2f * curvature * (actions[i] - centre);
                }
            }
        }
    }
}

package flowbench.tasks.bandit;

import flowbench.harness.env.Relabeler;

import java.util.Map;

/**
 * Single-task labels of a bandit dataset from its {@code actions}: reward = r(a) ({@link BanditSpec#reward}) and every
 * row marked done, i.e. mask = 0. The episode ends after its one action whatever the reward (an absorbing terminal),
 * so no TD target may bootstrap from s' and Q(s, a) = r(a) exactly. The environment's success flag (reward above the
 * threshold) is an evaluation statistic; it is not what cuts the bootstrap here.
 */
public final class BanditRelabeler implements Relabeler {
    private final BanditSpec spec;

    public BanditRelabeler(BanditSpec spec) {
        this.spec = spec;
    }

    @Override
    public void relabel(Map<String, float[]> fields, int rows, float[] rewards, boolean[] success) {
        float[] a = fields.get("actions");
        int d = spec.actionDim();
        if (a == null) {
            throw new IllegalArgumentException(spec.datasetName() + ": relabelling needs the field 'actions' (N x " + d
                    + "), which is missing; fields present: " + fields.keySet());
        }
        if (a.length != (long) rows * d) {
            throw new IllegalArgumentException(spec.datasetName() + ": field 'actions' has " + a.length + " values, expected "
                    + rows + " rows x " + d + " columns = " + (long) rows * d);
        }
        for (int t = 0; t < rows; t++) {
            rewards[t] = (float) spec.reward(a, t * d);
            success[t] = true;
        }
    }
}

package flowbench.harness.data;

/**
 * Maps a dataset row to its goal representation, e.g. the full observation (default), the agent's x-y only, or an
 * oracle representation computed from {@link Dataset#extras()} ({@code qpos}). The goal width is given to
 * {@link GoalSampler} alongside.
 */
@FunctionalInterface
public interface GoalProjection {
    /** Writes the goal of dataset row {@code row} into {@code out[offset .. offset + goalDim)}. */
    void project(int row, float[] out, int offset);

    /** The whole observation of the row (goal dim = obs dim). */
    static GoalProjection observations(Dataset d) {
        float[] obs = d.observations();
        int od = d.obsDim();
        return (row, out, offset) -> System.arraycopy(obs, row * od, out, offset, od);
    }

    /** Observation columns {@code [from, to)} of the row, e.g. {@code (0, 2)} for a maze agent's x-y. */
    static GoalProjection observationSlice(Dataset d, int from, int to) {
        if (from < 0 || to > d.obsDim() || from >= to) {
            throw new IllegalArgumentException("observation slice [" + from + ", " + to + ") outside 0.." + d.obsDim());
        }
        float[] obs = d.observations();
        int od = d.obsDim();
        int w = to - from;
        return (row, out, offset) -> System.arraycopy(obs, row * od + from, out, offset, w);
    }
}

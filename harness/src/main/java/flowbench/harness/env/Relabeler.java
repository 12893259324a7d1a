package flowbench.harness.env;

import java.util.Map;

/** Computes single-task rewards and success flags for every row of a dataset from its raw fields (qpos, ...). */
public interface Relabeler {
    /**
     * @param fields raw dataset arrays by key (e.g. "observations", "qpos"), row-major
     * @param rows   number of rows
     * @param rewards output reward per row
     * @param success output success per row (masks = 1 - success)
     */
    void relabel(Map<String, float[]> fields, int rows, float[] rewards, boolean[] success);
}

package flowbench.harness.domain;

import java.util.List;

/**
 * The reference column whose per-domain hyperparameters a task follows. Columns are named as in the QAM paper's
 * reproduction script (e.g. {@code puzzle-3x3-play-sparse}, {@code antmaze-large-navigate}); {@link Domains#of}
 * says which task follows which, and why.
 *
 * @param column       reference column, or {@link Domains#NONE} for tasks no reference tuned anything for
 * @param why          why the task follows this column (recorded, printed by {@code flowbench algorithms --task})
 * @param sparseColumn the reference tuned this column with the sparse reward r ← −[r ≠ 0]
 * @param sparseTask   the task's own reward is success-based (0 on success, −1 otherwise, or success in {0, 1}),
 *                     not a dense count of subgoals
 * @param shared       values every algorithm that has the key takes (chunk length, discount, pessimism ρ, mask
 *                     source), applied before the algorithm's own column values
 */
public record Domain(String column, String why, boolean sparseColumn, boolean sparseTask, List<DomainSetting> shared) {
    public Domain {
        shared = List.copyOf(shared);
    }

    /** A warning when the column was tuned with another reward kind than the task has, else null. */
    public String rewardMismatch() {
        if (sparseColumn && !sparseTask) {
            return "the reference tuned column " + column + " with the sparse reward r = -[r != 0]; this task's reward "
                    + "is dense (use its -sparse- name to match the reference)";
        }
        return null;
    }
}

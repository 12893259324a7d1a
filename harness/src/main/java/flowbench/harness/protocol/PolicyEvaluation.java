package flowbench.harness.protocol;

import java.util.List;

/**
 * One named policy at one evaluation step.
 *
 * @param policy         policy name as exposed by the learner
 * @param chunkLength    chunk length H: the policy was queried every H environment steps, chunks run open-loop
 * @param overallSuccess mean over evaluation tasks of the per-task success (OGBench's {@code overall_success})
 * @param meanReturn     mean over evaluation tasks of the per-task mean return
 * @param tasks          per-task results in the task's evaluation order
 */
public record PolicyEvaluation(String policy, int chunkLength, double overallSuccess, double meanReturn,
                               List<TaskEvaluation> tasks) {
    public PolicyEvaluation {
        tasks = List.copyOf(tasks);
    }
}

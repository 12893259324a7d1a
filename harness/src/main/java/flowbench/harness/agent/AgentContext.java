package flowbench.harness.agent;

import flowbench.harness.data.Dataset;
import flowbench.harness.env.Task;

/**
 * What an algorithm gets to build a learner.
 *
 * @param task       the task (mode, specs)
 * @param train      training split (already relabelled for single-task names)
 * @param validation validation split, or null when none exists
 * @param seed       run seed; the learner derives its initialisation generator from it
 * @param profile    configuration profile name ("paper" or "cpu")
 */
public record AgentContext(Task task, Dataset train, Dataset validation, long seed, String profile) {}

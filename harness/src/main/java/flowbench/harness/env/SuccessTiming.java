package flowbench.harness.env;

/**
 * Whether reward, success and termination of a step are computed on the state before the step ({@code PRE}, s) or
 * after it ({@code POST}, s'). OGBench single-task uses PRE since 1.2.0; goal-conditioned uses POST. Recorded in every
 * run record because it changes scores.
 */
public enum SuccessTiming {
    PRE,
    POST
}

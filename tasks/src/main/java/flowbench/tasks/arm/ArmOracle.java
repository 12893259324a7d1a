package flowbench.tasks.arm;

import flowbench.harness.agent.Policy;
import flowbench.harness.rng.Rng;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The noiseless scripted reaching controller ({@link ArmController}) as a {@link Policy} with chunk length 1. It reads
 * the joint angles from the first N observation columns and the goal from the goal input (goal-conditioned) or from
 * the evaluation task's target (single-task). Plans (goal cells and, with obstacles, breadth-first distances) are
 * cached per goal, so a batch of 50 episodes costs one plan per distinct goal.
 */
public final class ArmOracle implements Policy {
    /**
     * Plans kept (least recently used dropped): more than the 50 distinct goals of one goal-conditioned evaluation
     * task; a plan with obstacles holds about 0.4 MB.
     */
    private static final int CACHE = 128;

    private final ArmLayout layout;
    private final ArmController controller;
    private final double fixedX;
    private final double fixedY;
    private final Map<Long, ArmController.Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ArmController.Plan> eldest) {
            return size() > CACHE;
        }
    };

    private ArmOracle(ArmLayout layout, double gx, double gy) {
        this.layout = layout;
        this.controller = new ArmController(layout.planner());
        this.fixedX = gx;
        this.fixedY = gy;
    }

    /** Reads each episode's goal (x, y) from the goal input. */
    public static ArmOracle goalConditioned(ArmLayout layout) {
        return new ArmOracle(layout, Double.NaN, Double.NaN);
    }

    /** Heads for the target of evaluation task {@code taskId} (single-task mode has no goal input). */
    public static ArmOracle singleTask(ArmLayout layout, int taskId) {
        ArmLayout.EvalTask t = layout.task(taskId);
        return new ArmOracle(layout, t.targetX(), t.targetY());
    }

    @Override
    public int chunkLength() {
        return 1;
    }

    /** Noiseless: {@code rng} is not used. */
    @Override
    public float[] act(float[] observations, float[] goals, int batch, Rng rng) {
        int nj = layout.joints(), od = nj + 2;
        boolean fixed = !Double.isNaN(fixedX);
        if (observations.length != batch * od) {
            throw new IllegalArgumentException(layout.name() + " oracle: observations has " + observations.length
                    + " values, expected batch " + batch + " x " + od);
        }
        if (!fixed && goals.length != 2 * batch) {
            throw new IllegalArgumentException(layout.name() + " oracle: goals has " + goals.length + " values, expected batch "
                    + batch + " x 2 (the goal-conditioned oracle needs goal inputs)");
        }
        float[] actions = new float[batch * nj];
        double[] q = new double[nj];
        double[] cmd = new double[nj];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < nj; j++) q[j] = observations[b * od + j];
            ArmController.Plan plan = fixed ? plan(fixedX, fixedY) : plan(goals[2 * b], goals[2 * b + 1]);
            controller.command(q, 0, plan, cmd, 0);
            for (int j = 0; j < nj; j++) actions[b * nj + j] = (float) cmd[j];
        }
        return actions;
    }

    private synchronized ArmController.Plan plan(double gx, double gy) {
        long key = ((long) Float.floatToIntBits((float) gx) << 32) | (Float.floatToIntBits((float) gy) & 0xFFFFFFFFL);
        ArmController.Plan p = plans.get(key);
        if (p == null) {
            p = controller.plan(gx, gy);
            plans.put(key, p);
        }
        return p;
    }
}

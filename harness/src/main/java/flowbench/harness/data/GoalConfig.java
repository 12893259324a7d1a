package flowbench.harness.data;

/**
 * Hindsight goal relabelling settings, OGBench {@code GCDataset} conventions (docs/qgf.md section 5).
 *
 * <p>For each of the value (critic) goal and the actor goal, a goal row is the current row with probability
 * {@code pCurGoal}, a future row of the same trajectory with {@code pTrajGoal} (geometric offset ~ Geom(1 - discount)
 * when {@code geomSample}, else uniform over the rest of the trajectory) and a random dataset row with
 * {@code pRandomGoal}.
 *
 * @param discount         gamma; sets the geometric offset's p = 1 - gamma and discounts chunked goal returns
 * @param negativeReward   OGBench {@code gc_negative}: reward success - 1 in {-1, 0} instead of success in {0, 1}
 */
public record GoalConfig(double discount,
                         double valuePCurGoal, double valuePTrajGoal, double valuePRandomGoal, boolean valueGeomSample,
                         double actorPCurGoal, double actorPTrajGoal, double actorPRandomGoal, boolean actorGeomSample,
                         boolean negativeReward) {
    public GoalConfig {
        if (!(discount >= 0 && discount < 1)) throw new IllegalArgumentException("discount must be in [0, 1), got " + discount);
        checkMix("value", valuePCurGoal, valuePTrajGoal, valuePRandomGoal);
        checkMix("actor", actorPCurGoal, actorPTrajGoal, actorPRandomGoal);
    }

    private static void checkMix(String which, double cur, double traj, double random) {
        for (double p : new double[]{cur, traj, random}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(which + " goal probabilities must be in [0, 1], got cur=" + cur
                        + " traj=" + traj + " random=" + random);
            }
        }
        // np.isclose(sum, 1.0) as OGBench asserts
        if (Math.abs(cur + traj + random - 1.0) > 1e-8 + 1e-5) {
            throw new IllegalArgumentException(which + " goal probabilities must sum to 1, got cur=" + cur + " traj="
                    + traj + " random=" + random);
        }
    }

    /**
     * The specification's defaults (docs/qgf.md section 5, horizon-reduction conventions): gamma 0.99; value goals current
     * 0.2 / future 0.5 (uniform offset) / random 0.3; actor goals future 1.0 with geometric offset; reward = success.
     */
    public static GoalConfig defaults() {
        return new GoalConfig(0.99, 0.2, 0.5, 0.3, false, 0.0, 1.0, 0.0, true, false);
    }

    public GoalConfig withDiscount(double d) {
        return new GoalConfig(d, valuePCurGoal, valuePTrajGoal, valuePRandomGoal, valueGeomSample,
                actorPCurGoal, actorPTrajGoal, actorPRandomGoal, actorGeomSample, negativeReward);
    }

    public GoalConfig withValueGoals(double pCur, double pTraj, double pRandom, boolean geom) {
        return new GoalConfig(discount, pCur, pTraj, pRandom, geom,
                actorPCurGoal, actorPTrajGoal, actorPRandomGoal, actorGeomSample, negativeReward);
    }

    /** e.g. {@code withActorGoals(0, 0.5, 0.5, true)} for the puzzle tasks' 0.5 future + 0.5 random. */
    public GoalConfig withActorGoals(double pCur, double pTraj, double pRandom, boolean geom) {
        return new GoalConfig(discount, valuePCurGoal, valuePTrajGoal, valuePRandomGoal, valueGeomSample,
                pCur, pTraj, pRandom, geom, negativeReward);
    }

    public GoalConfig withNegativeReward(boolean negative) {
        return new GoalConfig(discount, valuePCurGoal, valuePTrajGoal, valuePRandomGoal, valueGeomSample,
                actorPCurGoal, actorPTrajGoal, actorPRandomGoal, actorGeomSample, negative);
    }

    /** Added to the 0/1 success to make the reward: -1 with {@link #negativeReward()}, else 0. */
    public float rewardOffset() { return negativeReward ? -1f : 0f; }
}

package flowbench.harness.data;

/**
 * The settable part of hindsight goal relabelling (OGBench {@code GCDataset} conventions, docs/qgf.md section 5):
 * where value and actor goals come from and the reward convention. The discount that shapes the geometric offsets is
 * not here: it is the algorithm's one {@code discount}, joined in by {@link #at(double)}, so that a config has a
 * single key for γ and that key changes both the TD targets and the goal offsets.
 *
 * @param negativeReward OGBench {@code gc_negative}: reward success - 1 in {-1, 0} instead of success in {0, 1}
 */
public record GoalSampling(double valuePCurGoal, double valuePTrajGoal, double valuePRandomGoal, boolean valueGeomSample,
                           double actorPCurGoal, double actorPTrajGoal, double actorPRandomGoal, boolean actorGeomSample,
                           boolean negativeReward) {
    public GoalSampling {
        // GoalConfig's mixture checks, with any valid discount (the fields are not assigned yet: pass the parameters)
        new GoalConfig(0.99, valuePCurGoal, valuePTrajGoal, valuePRandomGoal, valueGeomSample, actorPCurGoal,
                actorPTrajGoal, actorPRandomGoal, actorGeomSample, negativeReward);
    }

    /** The specification's defaults: value goals current 0.2 / future 0.5 (uniform) / random 0.3; actor goals future. */
    public static GoalSampling defaults() {
        GoalConfig d = GoalConfig.defaults();
        return new GoalSampling(d.valuePCurGoal(), d.valuePTrajGoal(), d.valuePRandomGoal(), d.valueGeomSample(),
                d.actorPCurGoal(), d.actorPTrajGoal(), d.actorPRandomGoal(), d.actorGeomSample(), d.negativeReward());
    }

    /** The full sampler settings with discount γ. */
    public GoalConfig at(double discount) {
        return new GoalConfig(discount, valuePCurGoal, valuePTrajGoal, valuePRandomGoal, valueGeomSample,
                actorPCurGoal, actorPTrajGoal, actorPRandomGoal, actorGeomSample, negativeReward);
    }

    public GoalSampling withActorGoals(double pCur, double pTraj, double pRandom, boolean geom) {
        return new GoalSampling(valuePCurGoal, valuePTrajGoal, valuePRandomGoal, valueGeomSample, pCur, pTraj, pRandom,
                geom, negativeReward);
    }

    public GoalSampling withNegativeReward(boolean negative) {
        return new GoalSampling(valuePCurGoal, valuePTrajGoal, valuePRandomGoal, valueGeomSample, actorPCurGoal,
                actorPTrajGoal, actorPRandomGoal, actorGeomSample, negative);
    }
}

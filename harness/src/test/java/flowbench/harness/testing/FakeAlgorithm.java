package flowbench.harness.testing;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;

import java.util.List;

public final class FakeAlgorithm implements Algorithm<FakeConfig> {
    public static final String NAME = "fake-bc";

    @Override public String name() { return NAME; }
    @Override public String paper() { return "Nobody, Test Venue 2026"; }
    @Override public String family() { return "training-time"; }
    @Override public String description() { return "Linear regression onto dataset actions plus a goal-seeking controller (tests only)."; }
    @Override public Class<FakeConfig> configType() { return FakeConfig.class; }

    @Override
    public FakeConfig defaultConfig(String profile) {
        return switch (profile) {
            case "paper" -> new FakeConfig(0.05, 8, "paper", List.of(256, 256), new FakeConfig.Noise(0.1, true), FakeConfig.Mode.SLOW, 3);
            case "cpu" -> new FakeConfig(0.1, 4, "cpu", List.of(64), new FakeConfig.Noise(0.1, true), FakeConfig.Mode.FAST, 3);
            default -> throw new IllegalArgumentException("profiles are paper and cpu");
        };
    }

    @Override
    public Learner create(FakeConfig config, AgentContext context) {
        return new FakeLearner(config, context);
    }
}

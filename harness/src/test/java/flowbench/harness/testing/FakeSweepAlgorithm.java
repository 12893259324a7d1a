package flowbench.harness.testing;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.rng.Rng;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A test-time learner with a swept family (tests only): {@link FakeLearner}'s greedy policy as "flow-bc", and
 * "sweep(w=X)" for X in {@link #WEIGHTS}, the same actions plus X times Gaussian noise, all from one checkpoint, the
 * way QGF exposes its guidance weights. Not registered through META-INF/services: tests pass it to a Registry.
 */
public final class FakeSweepAlgorithm implements Algorithm<FakeConfig> {
    public static final String NAME = "fake-sweep";
    public static final List<Double> WEIGHTS = List.of(0.0, 0.5, 2.0);

    private final FakeAlgorithm base = new FakeAlgorithm();

    @Override public String name() { return NAME; }
    @Override public String paper() { return "Nobody, Test Venue 2026"; }
    @Override public String family() { return "test-time"; }
    @Override public String description() { return "fake-bc's greedy policy plus a noise sweep sweep(w=...) (tests only)."; }
    @Override public Class<FakeConfig> configType() { return FakeConfig.class; }
    @Override public FakeConfig defaultConfig(String profile) { return base.defaultConfig(profile); }

    /** "sweep(w=0.5)"; whole weights without a fraction, as QGF names them. */
    public static String policyName(double w) {
        return "sweep(w=" + (w == Math.rint(w) ? Long.toString((long) w) : Double.toString(w)) + ")";
    }

    @Override
    public Learner create(FakeConfig config, AgentContext context) {
        FakeLearner inner = new FakeLearner(config, context);
        return new Learner() {
            @Override
            public Map<String, Double> update(long step, Rng rng) {
                return inner.update(step, rng);
            }

            @Override
            public Map<String, Double> validate(Rng rng) {
                return inner.validate(rng);
            }

            @Override
            public Map<String, Policy> policies() {
                Policy greedy = inner.policies().get("greedy");
                Map<String, Policy> p = new LinkedHashMap<>();
                p.put("flow-bc", greedy);
                for (double w : WEIGHTS) {
                    p.put(policyName(w), new Policy() {
                        @Override
                        public int chunkLength() {
                            return greedy.chunkLength();
                        }

                        @Override
                        public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                            float[] a = greedy.act(obs, goals, batch, rng);
                            for (int i = 0; i < a.length; i++) a[i] += (float) (w * rng.nextGaussian());
                            return a;
                        }
                    });
                }
                return p;
            }

            @Override
            public void save(Path dir) throws IOException {
                inner.save(dir);
            }

            @Override
            public void load(Path dir) throws IOException {
                inner.load(dir);
            }

            @Override
            public long parameterCount() {
                return inner.parameterCount();
            }
        };
    }
}

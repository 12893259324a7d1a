package flowbench.baselines.algorithms;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.ComputeThreads;
import flowbench.harness.agent.Learner;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.TaskMode;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Several learners training at once in one process ({@code run --seeds}, {@code suite run --jobs}) compute exactly
 * what each computes alone: no shared state between learners, and OpenBLAS called concurrently from several threads
 * (held to one thread each by {@link ComputeThreads}) gives the same bits as one caller.
 */
class ConcurrentRunsTest {
    static Stream<Algorithm<?>> algorithms() {
        return new BaselinesAlgorithms().algorithms().stream();
    }

    private static final int STEPS = 6;

    /** The update metrics of {@code STEPS} updates: every loss is a function of every parameter, so equal metrics at
     * every step mean equal training. */
    private static List<Map<String, Double>> train(Algorithm<?> a, Map<String, String> overrides, AgentContext ctx) {
        Learner l = create(a, overrides, ctx);
        List<Map<String, Double>> out = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) out.add(l.update(s, Seeds.rng(ctx.seed(), "train", s)));
        return out;
    }

    private static <C extends Record> Learner create(Algorithm<C> a, Map<String, String> overrides, AgentContext ctx) {
        return a.create(Configs.merge(a, "cpu", overrides), ctx);
    }

    private static List<List<Map<String, Double>>> concurrently(Algorithm<?> a, Map<String, String> overrides,
                                                               List<AgentContext> contexts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(contexts.size());
        try {
            List<Future<List<Map<String, Double>>>> futures = new ArrayList<>();
            for (AgentContext c : contexts) futures.add(pool.submit(() -> train(a, overrides, c)));
            List<List<Map<String, Double>>> out = new ArrayList<>();
            for (Future<List<Map<String, Double>>> f : futures) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<AgentContext> contexts(int n) {
        Dataset data = ToyTasks.bimodal(8, 40, 0.5, 5);
        List<AgentContext> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), data, 10 + i));
        return out;
    }

    /** Every algorithm: three learners at once under the one-thread cap train exactly as each alone under it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void threeLearnersAtOnceTrainAsEachAlone(Algorithm<?> a) throws Exception {
        Map<String, String> cfg = Map.of("horizon", "1");
        List<AgentContext> ctx = contexts(3);
        List<List<Map<String, Double>>> alone = new ArrayList<>();
        List<List<Map<String, Double>>> together;
        try (ComputeThreads.Session ignored = ComputeThreads.limit(1)) {
            for (AgentContext c : ctx) alone.add(train(a, cfg, c));
            together = concurrently(a, cfg, ctx);
        }
        assertEquals(alone, together, a.name());
    }

    /**
     * FQL and ReBRAC at the cpu profile (2x128 networks, batch 64): every product is below the two-thread
     * threshold, so learners at once under the cap also match a learner alone with no cap at all.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fql", "rebrac"})
    void smallNetworksMatchALearnerAloneWithoutTheCap(String name) throws Exception {
        Algorithm<?> a = new BaselinesAlgorithms().algorithms().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        Map<String, String> cfg = Map.of("horizon", "1");
        List<AgentContext> ctx = contexts(2);
        List<List<Map<String, Double>>> alone = new ArrayList<>();
        for (AgentContext c : ctx) alone.add(train(a, cfg, c));
        List<List<Map<String, Double>>> together;
        try (ComputeThreads.Session ignored = ComputeThreads.limit(1)) {
            together = concurrently(a, cfg, ctx);
        }
        assertEquals(alone, together, name);
    }

    /**
     * Products big enough for two BLAS threads alone (256-wide layers, batch 256): concurrent learners match a learner
     * alone under the same one-thread cap, which is what their records say ({@code machine.threadsPerRun = 1}).
     */
    @Test
    void largeProductsMatchALearnerAloneUnderTheSameCap() throws Exception {
        Algorithm<?> fql = new BaselinesAlgorithms().algorithms().stream().filter(x -> x.name().equals("fql")).findFirst().orElseThrow();
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("horizon", "1");
        cfg.put("batchSize", "256");
        cfg.put("actorHidden", "[256,256]");
        cfg.put("criticHidden", "[256,256]");
        List<AgentContext> ctx = contexts(2);
        List<List<Map<String, Double>>> alone = new ArrayList<>();
        List<List<Map<String, Double>>> together;
        try (ComputeThreads.Session ignored = ComputeThreads.limit(1)) {
            for (AgentContext c : ctx) alone.add(train(fql, cfg, c));
            together = concurrently(fql, cfg, ctx);
        }
        assertEquals(alone, together);
    }
}

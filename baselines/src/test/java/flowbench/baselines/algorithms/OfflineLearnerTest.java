package flowbench.baselines.algorithms;

import flowbench.baselines.common.OfflineLearner;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The machinery every {@link OfflineLearner} shares, checked on each registered algorithm built on it (cpu profile). */
class OfflineLearnerTest {

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void checkpointsRoundTripAndPoliciesCheckTheirConditioning(@TempDir Path tmp) throws IOException {
        Task task = ToyTasks.task(TaskMode.GOAL_CONDITIONED, 1, 1);
        Dataset data = ToyTasks.bimodal(4, 20, 0.5, 1);
        int checked = 0;
        for (Algorithm<?> alg : new BaselinesAlgorithms().algorithms()) {
            AgentContext ctx = ToyTasks.context(task, data, 3);
            Learner a = create(alg, ctx);
            if (!(a instanceof OfflineLearner)) continue;
            a.update(0, Seeds.rng(3, "train", 0));
            Path first = tmp.resolve(alg.name() + "-a");
            Path second = tmp.resolve(alg.name() + "-b");
            a.save(first);
            Learner b = create(alg, ctx);
            b.load(first);
            b.save(second);
            List<Path> fa = files(first), fb = files(second);
            assertEquals(1, fa.size(), alg.name() + ": one checkpoint file");
            assertEquals(fa.get(0).getFileName(), fb.get(0).getFileName());
            assertArrayEquals(Files.readAllBytes(fa.get(0)), Files.readAllBytes(fb.get(0)), alg.name() + ": load then save is the identity");
            assertEquals(a.parameterCount(), b.parameterCount());
            assertTrue(a.parameterCount() > 0);
            for (Map.Entry<String, Policy> e : b.policies().entrySet()) {
                // goal-conditioned: [s, g] must have the trained width (1 + 1 columns here)
                float[] act = e.getValue().act(new float[] {0.5f, 0.5f}, new float[] {0.1f, 0.2f}, 2, new Rng(1));
                assertEquals(2 * e.getValue().chunkLength(), act.length, alg.name() + " " + e.getKey());
                IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                        () -> e.getValue().act(new float[] {0.5f, 0.5f}, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 2, new Rng(1)));
                assertTrue(bad.getMessage().contains("conditioning width 2"), bad.getMessage());
            }
            checked++;
        }
        assertTrue(checked >= 18, "every baseline of this module is an OfflineLearner, got " + checked);
    }

    @SuppressWarnings("unchecked")
    private static <C extends Record> Learner create(Algorithm<C> alg, AgentContext ctx) {
        return alg.create(alg.defaultConfig("cpu"), ctx);
    }
}

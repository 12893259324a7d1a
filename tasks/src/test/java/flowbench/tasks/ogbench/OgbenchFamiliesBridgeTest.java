package flowbench.tasks.ogbench;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;
import flowbench.harness.io.Json;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static flowbench.tasks.ogbench.BridgeTestSupport.action;
import static flowbench.tasks.ogbench.BridgeTestSupport.task;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The families whose datasets come from OGBench's download (antmaze, humanoidmaze, antsoccer, cube triple/quadruple,
 * puzzle 4x5/4x6) against the real bridge, per family: the env is created and its handshake
 * reports the table's dims, episode length, task id and success timing (single-task 'pre', goal-conditioned 'post');
 * the same seeds replay the same first observations, goals, rewards and flags for a fixed action sequence; and the
 * bridge's lockstep batch equals OGBench's own single-env loop bit for bit (reference_trace.py, the rule of
 * PROTOCOL.md), success flags and termination included. Few steps and at most two episodes each (the humanoid is slow
 * to step, the manipulation envs slow to build: about 10 s per manipulation env). The noisy datasets use the same envs as the play
 * ones ({@code make_env_and_datasets} drops the dataset type), so they add no env to check here;
 * OgbenchTableSlowTest builds every env of the table. Skipped when the bridge is not installed.
 */
class OgbenchFamiliesBridgeTest {
    @BeforeEach
    void needsTheBridge() {
        BridgeTestSupport.bridgePython();
    }

    @Test
    void antmaze() throws Exception {
        check("antmaze-large-navigate-v0", 29, 8, 1000, 60, 7L, Seeds.derive(3, "episode", 2, 1));
        check("antmaze-medium-stitch-singletask-task2-v0", 29, 8, 1000, 60, 11L);
        // teleport: its step() draws from the global np.random (seeded per slot by the bridge)
        check("antmaze-teleport-explore-v0", 29, 8, 1000, 30, 5L);
        check("antmaze-giant-navigate-singletask-v0", 29, 8, 1000, 10, 2L);
    }

    @Test
    void humanoidmaze() throws Exception {
        check("humanoidmaze-medium-navigate-v0", 69, 21, 2000, 25, 1L, 2L);
        check("humanoidmaze-giant-stitch-singletask-v0", 69, 21, 4000, 15, 3L);
    }

    @Test
    void antsoccer() throws Exception {
        check("antsoccer-arena-navigate-v0", 42, 8, 1000, 40, 4L, Seeds.derive(9, "episode", 1, 0));
        check("antsoccer-medium-stitch-singletask-v0", 42, 8, 1000, 40, 6L);
    }

    @Test
    void cubeTripleAndQuadruple() throws Exception {
        check("cube-triple-play-v0", 46, 5, 1000, 25, 8L);
        check("cube-quadruple-play-singletask-task3-v0", 55, 5, 1000, 20, 9L);
    }

    @Test
    void puzzle4x5And4x6() throws Exception {
        check("puzzle-4x5-play-singletask-v0", 99, 5, 1000, 25, 12L);
        check("puzzle-4x6-play-v0", 115, 5, 1000, 20, 13L);
    }

    /** OGBench's own relabel_dataset through the bridge on locomotion qpos rows (xy of the agent, or of the ball). */
    @Test
    void relabelsLocomotionRowsLikeOgbench() {
        // antmaze-medium task 1: goal cell (6, 6), centre (20, 20), success radius 0.5; qpos has 15 columns (xy first)
        relabel("antmaze-medium-navigate-singletask-task1-v0", 15, 0, new float[][]{{20f, 20f}, {20.49f, 20f}, {20.51f, 20f},
                {4f, 4f}}, new boolean[]{true, true, false, false});
        // humanoidmaze-medium task 1: the same goal, qpos of 28 columns
        relabel("humanoidmaze-medium-navigate-singletask-task1-v0", 28, 0, new float[][]{{20f, 19.6f}, {19f, 20f}},
                new boolean[]{true, false});
        // antsoccer-arena default task (4): the ball (qpos 15..16 of 22) must reach (0, 20); where the ant is does not matter
        relabel("antsoccer-arena-navigate-singletask-v0", 22, 15, new float[][]{{0f, 20f}, {0.3f, 20.3f}, {0.4f, 20.4f}},
                new boolean[]{true, true, false});
    }

    /** The bridge's generator refuses the downloaded datasets with the download hint; its table equals Java's. */
    @Test
    void bridgeGeneratorRefusesDownloadedDatasets() throws Exception {
        JsonNode list = Json.mapper().readTree(OgbenchBridge.run(120, "-m", "flowbench_ogbench.generate", "--list-download-only"));
        TreeSet<String> bridge = new TreeSet<>();
        list.fieldNames().forEachRemaining(bridge::add);
        assertEquals(new TreeSet<>(OgbenchDatasets.DOWNLOAD_ONLY.keySet()), bridge, "same download-only datasets in Java and in the bridge");
        for (OgbenchDatasets.DownloadOnly d : OgbenchDatasets.DOWNLOAD_ONLY.values()) {
            assertEquals(d.source().why(), list.get(d.name()).asText(), d.name());
        }
        ProcessBuilder pb = new ProcessBuilder(BridgeTestSupport.bridgePython().toString(), "-m", "flowbench_ogbench.generate",
                "--dataset", "humanoidmaze-giant-stitch-v0", "--out", System.getProperty("java.io.tmpdir")).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.contains("cannot be generated by flowbench") && out.contains("SAC")
                && out.contains("ogbench.download_datasets(['humanoidmaze-giant-stitch-v0'])")
                && out.contains("--data ~/.ogbench/data"), out);
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    /**
     * Handshake, replay and bit-exactness of one env: {@code steps} steps of the deterministic test actions for the
     * episodes {@code seeds} (of OGBench's default task for single-task names, of task 2 otherwise).
     */
    private static void check(String name, int obsDim, int actionDim, int maxSteps, int steps, long... seeds) throws Exception {
        OgbenchTask t = task(name);
        boolean single = t.mode() == TaskMode.SINGLE_TASK;
        int taskId = single ? t.taskId() : 2;
        // the table (what the task lists without Python)
        assertEquals(obsDim, t.spec().obsDim(), name);
        assertEquals(actionDim, t.spec().actionDim(), name);
        assertEquals(single ? 0 : obsDim, t.spec().goalDim(), name);
        assertEquals(maxSteps, t.spec().maxEpisodeSteps(), name);
        assertEquals(single ? SuccessTiming.PRE : SuccessTiming.POST, t.successTiming(), name);

        int n = seeds.length;
        List<float[]> first = new ArrayList<>();
        try (OgbenchBridgeClient b = BridgeTestSupport.start(t, n)) {
            // the live env (start() has already compared every field with the table; these are OGBench's own words)
            OgbenchBridgeClient.Handshake h = b.handshake();
            assertEquals(name, h.envName());
            assertEquals(gymId(name), h.gymId(), name);
            assertEquals(single ? "single-task" : "goal-conditioned", h.mode());
            assertEquals(obsDim, h.obsDim(), name);
            assertEquals(actionDim, h.actionDim(), name);
            assertEquals(single ? 0 : obsDim, h.goalDim(), name);
            assertEquals(maxSteps, h.maxEpisodeSteps(), name);
            assertEquals(5, h.numTasks(), name);
            assertEquals(single ? "pre" : "post", h.successTiming(), name + ": OGBench's success_timing");
            assertEquals(single ? t.taskId() : 0, h.singleTaskId(), name);

            // same seeds, same actions: the same episode, bit for bit, whatever ran in between
            for (int round = 0; round < 2; round++) {
                List<float[]> got = run(b, taskId, seeds, actionDim, Math.min(steps, 10));
                if (round == 0) first = got;
                else for (int k = 0; k < got.size(); k++) assertArrayEquals(first.get(k), got.get(k), name + " replay, array " + k);
            }
            long[] other = seeds.clone();
            other[0] ^= 0x5DEECE66DL;
            float[] otherObs = b.reset(taskId, other).observations();
            assertFalse(Arrays.equals(first.get(0), otherObs), name + ": another seed gives another start");
        }
        // OGBench's own loop from the same seeds: observations, goals, rewards, success, termination
        OgbenchBridgeExactnessTest.compare(t, taskId, seeds, new int[actionDim], steps);
    }

    /** Reset, then {@code steps} steps; returns [observations, goals, then per step observations, rewards, flags]. */
    private static List<float[]> run(OgbenchBridgeClient b, int taskId, long[] seeds, int ad, int steps) {
        int n = seeds.length;
        List<float[]> out = new ArrayList<>();
        OgbenchBridgeClient.ResetReply r = b.reset(taskId, seeds);
        out.add(r.observations());
        out.add(r.goals());
        for (int s = 0; s < steps; s++) {
            float[] a = new float[n * ad];
            for (int i = 0; i < n; i++) for (int d = 0; d < ad; d++) a[i * ad + d] = action(i, s, d, new int[ad]);
            OgbenchBridgeClient.StepReply rep = b.step(a, n);
            float[] flags = new float[3 * n];
            for (int i = 0; i < n; i++) {
                flags[3 * i] = rep.success()[i] ? 1 : 0;
                flags[3 * i + 1] = rep.terminated()[i] ? 1 : 0;
                flags[3 * i + 2] = rep.truncated()[i] ? 1 : 0;
            }
            out.add(rep.observations());
            out.add(rep.rewards());
            out.add(flags);
        }
        return out;
    }

    /** OGBench's gymnasium id: the name without its dataset type ({@code make_env_and_datasets}). */
    private static String gymId(String name) {
        List<String> s = new ArrayList<>(List.of(name.split("-")));
        int st = s.indexOf("singletask");
        s.remove(st >= 0 ? st - 1 : s.size() - 2);
        return String.join("-", s);
    }

    private static void relabel(String name, int nq, int xyColumn, float[][] xy, boolean[] want) {
        Relabeler r = task(name).relabeler();
        int rows = xy.length;
        float[] qpos = new float[rows * nq];
        for (int i = 0; i < rows; i++) {
            qpos[i * nq + xyColumn] = xy[i][0];
            qpos[i * nq + xyColumn + 1] = xy[i][1];
        }
        float[] rewards = new float[rows];
        boolean[] success = new boolean[rows];
        r.relabel(Map.of("qpos", qpos), rows, rewards, success);
        assertArrayEquals(want, success, name);
        for (int i = 0; i < rows; i++) assertEquals(want[i] ? 0f : -1f, rewards[i], name + " row " + i);
    }
}

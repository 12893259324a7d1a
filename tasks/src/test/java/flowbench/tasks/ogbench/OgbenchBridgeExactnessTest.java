package flowbench.tasks.ogbench;

import flowbench.harness.rng.Seeds;
import flowbench.tasks.ogbench.BridgeTestSupport.TraceLine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static flowbench.tasks.ogbench.BridgeTestSupport.action;
import static flowbench.tasks.ogbench.BridgeTestSupport.referenceTrace;
import static flowbench.tasks.ogbench.BridgeTestSupport.row;
import static flowbench.tasks.ogbench.BridgeTestSupport.task;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same seeds give, bit for bit, the observations, goals, rewards and flags of OGBench's own evaluation loop
 * (reference_trace.py: one env, episodes one after another, with the seeding rule of PROTOCOL.md), although the bridge
 * steps the episodes as one lockstep batch. Needs the installed bridge (skipped otherwise).
 */
class OgbenchBridgeExactnessTest {

    /**
     * Cube: the goal observation is built with random "stabilising" actions from the action space, which OGBench does
     * not seed; episodes run to the time limit (truncation), then the ended slots must keep their final state.
     */
    @Test
    void cubeGoalConditionedMatchesOgbenchLoopToTruncation() throws Exception {
        OgbenchTask t = task("cube-single-play-v0");
        long[] seeds = {Seeds.derive(11, "episode", 2, 0), -1L};
        int steps = compare(t, 2, seeds, new int[]{0, 0, 0, 0, 0}, 1000);
        assertEquals(t.spec().maxEpisodeSteps(), steps, "cube episodes should run to the time limit");
    }

    /** Teleport maze: the teleport destination comes from the global np.random inside step(). */
    @Test
    void teleportMazeMatchesOgbenchLoopThroughTeleports() throws Exception {
        OgbenchTask t = task("pointmaze-teleport-navigate-v0");
        long[] seeds = {3L, Seeds.derive(5, "episode", 3, 1), 77L};
        // task 3 starts one cell below the inbound portal at cell (4,6); pushing -y walks into it
        var pending = referenceTrace(t.envName(), 3, 90, new int[]{0, -7}, seeds);
        compare(t, 3, seeds, new int[]{0, -7}, 90, pending);
        List<TraceLine> ref = pending.get();
        int teleports = 0;
        for (int k = 1; k < ref.size(); k++) {
            TraceLine a = ref.get(k - 1), b = ref.get(k);
            if (a.kind().equals("step") && b.kind().equals("step") && a.episode() == b.episode()
                    && Math.hypot(a.obs()[0] - b.obs()[0], a.obs()[1] - b.obs()[1]) > 2) teleports++;
        }
        assertTrue(teleports >= 2, "the test should exercise teleports (saw " + teleports + ")");
    }

    /** Single-task puzzle: OGBench's reward with success_timing='pre', no goal, the default task (4). */
    @Test
    void puzzleSingleTaskMatchesOgbenchLoop() throws Exception {
        OgbenchTask t = task("puzzle-3x3-play-singletask-v0");
        assertEquals(4, t.taskId());
        compare(t, 4, new long[]{Seeds.derive(1, "episode", 4, 0)}, new int[]{0, 0, 0, 0, 0}, 40);
    }

    static int compare(OgbenchTask t, int taskId, long[] seeds, int[] bias, int steps) throws Exception {
        return compare(t, taskId, seeds, bias, steps, referenceTrace(t.envName(), taskId, steps, bias, seeds));
    }

    /**
     * Runs the batch through the bridge (while the reference runs), then checks every line against the reference;
     * returns the longest episode's length.
     */
    static int compare(OgbenchTask t, int taskId, long[] seeds, int[] bias, int steps,
                       CompletableFuture<List<TraceLine>> pending) throws Exception {
        int n = seeds.length, od = t.spec().obsDim(), gd = t.spec().goalDim(), ad = t.spec().actionDim();
        List<TraceLine> ours = new ArrayList<>();
        int[] lengths = new int[n];
        try (OgbenchBridgeClient b = BridgeTestSupport.start(t, n)) {
            OgbenchBridgeClient.ResetReply r = b.reset(taskId, seeds);
            for (int i = 0; i < n; i++) {
                ours.add(new TraceLine("reset", i, -1, 0, false, false, false, row(r.observations(), i, od),
                        row(r.goals(), i, gd)));
            }
            boolean[] live = new boolean[n];
            Arrays.fill(live, true);
            float[][] finalObs = new float[n][];
            boolean[][] finalFlags = new boolean[n][];
            for (int s = 0; s < steps; s++) {
                float[] a = new float[n * ad];
                for (int i = 0; i < n; i++) for (int d = 0; d < ad; d++) a[i * ad + d] = action(i, s, d, bias);
                OgbenchBridgeClient.StepReply rep = b.step(a, n);
                int liveCount = 0;
                for (int i = 0; i < n; i++) {
                    if (!live[i]) {
                        // an ended slot: final observation again, reward 0, final flags; its action is ignored
                        assertArrayEquals(finalObs[i], row(rep.observations(), i, od), "ended slot " + i + " observation");
                        assertEquals(0f, rep.rewards()[i], "ended slot " + i + " reward");
                        assertArrayEquals(finalFlags[i], new boolean[]{rep.success()[i], rep.terminated()[i], rep.truncated()[i]});
                        continue;
                    }
                    ours.add(new TraceLine("step", i, s, rep.rewards()[i], rep.success()[i], rep.terminated()[i],
                            rep.truncated()[i], row(rep.observations(), i, od), null));
                    lengths[i] = s + 1;
                    if (rep.terminated()[i] || rep.truncated()[i]) {
                        live[i] = false;
                        finalObs[i] = row(rep.observations(), i, od);
                        finalFlags[i] = new boolean[]{rep.success()[i], rep.terminated()[i], rep.truncated()[i]};
                    } else {
                        liveCount++;
                    }
                }
                if (liveCount == 0) {
                    // one more step: every slot has ended and must answer with its final state
                    OgbenchBridgeClient.StepReply again = b.step(new float[n * ad], n);
                    for (int i = 0; i < n; i++) {
                        assertArrayEquals(finalObs[i], row(again.observations(), i, od));
                        assertEquals(0f, again.rewards()[i]);
                    }
                    break;
                }
            }
        }
        List<TraceLine> ref = pending.get();
        for (TraceLine got : ours) {
            TraceLine want = find(ref, got.kind(), got.episode(), got.step());
            String where = t.envName() + " episode " + got.episode() + (got.step() < 0 ? " reset" : " step " + got.step());
            assertArrayEquals(want.obs(), got.obs(), where + " observation");
            if (got.step() < 0) {
                assertArrayEquals(want.goal(), got.goal(), where + " goal (info['goal'])");
            } else {
                assertEquals(want.reward(), got.reward(), where + " reward");
                assertEquals(want.success(), got.success(), where + " success");
                assertEquals(want.terminated(), got.terminated(), where + " terminated");
                assertEquals(want.truncated(), got.truncated(), where + " truncated");
            }
        }
        for (int i = 0; i < n; i++) {
            int len = 0;
            for (TraceLine l : ref) if (l.kind().equals("step") && l.episode() == i) len++;
            assertEquals(len, lengths[i], "episode " + i + " length vs the reference");
        }
        return Arrays.stream(lengths).max().orElse(0);
    }

    private static TraceLine find(List<TraceLine> ref, String kind, int episode, int step) {
        for (TraceLine l : ref) if (l.kind().equals(kind) && l.episode() == episode && l.step() == step) return l;
        throw new AssertionError("reference trace has no " + kind + " line for episode " + episode + " step " + step
                + " (the bridge's episode ran longer than OGBench's)");
    }
}

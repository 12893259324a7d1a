package flowbench.tasks.arm;

import flowbench.harness.data.Dataset;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.GoalProjection;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class ArmDatasetGeneratorTest {
    @TempDir
    Path dir;

    private static String sha(Path p) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    private static float[] f(Map<String, NpyArray> d, String key) {
        return (float[]) d.get(key).data();
    }

    @Test
    void smallConfigHasTheRawSchema() throws IOException {
        for (ArmLayout l : List.of(ArmLayout.of(ArmLayout.FREE, 8), ArmLayout.of(ArmLayout.OBSTACLES, 32))) {
            int n = l.joints();
            ArmDatasetGenerator g = new ArmDatasetGenerator(l);
            Path train = dir.resolve(l.name() + ".npz"), val = dir.resolve(l.name() + "-val.npz");
            Set<Long> progress = new TreeSet<>();
            g.generate(10, 50, 7, train, val, (done, total, label) -> {
                assertEquals(11, total);
                assertTrue(label.startsWith(l.name() + "-reach-v0"));
                progress.add(done);
            });
            assertEquals(11, progress.size());
            assertEquals(11L, ((TreeSet<Long>) progress).last());
            Map<String, NpyArray> t = Npz.read(train), v = Npz.read(val);
            assertEquals(List.of("observations", "actions", "terminals", "qpos", "qvel"), new ArrayList<>(t.keySet()));
            Map<String, String> dtypes = Map.of("observations", "<f4", "actions", "<f4", "terminals", "|b1", "qpos", "<f4", "qvel", "<f4");
            Map<String, Integer> cols = Map.of("observations", n + 2, "actions", n, "qpos", n, "qvel", n);
            for (Map.Entry<String, NpyArray> e : t.entrySet()) {
                String k = e.getKey();
                assertEquals(dtypes.get(k), e.getValue().dtype(), k);
                assertArrayEquals(k.equals("terminals") ? new int[] {510} : new int[] {510, cols.get(k)}, e.getValue().shape(), k);
                assertArrayEquals(k.equals("terminals") ? new int[] {51} : new int[] {51, cols.get(k)}, v.get(k).shape(), k);
            }
            boolean[] term = (boolean[]) t.get("terminals").data();
            for (int row = 0; row < 510; row++) assertEquals(row % 51 == 50, term[row], "row " + row);
            for (float a : f(t, "actions")) assertTrue(a >= -1 && a <= 1);
        }
    }

    /** Observations = (qpos, FK(qpos)); qvel = previous joint change / 0.1 s; every state collision-free. */
    @Test
    void fieldsAgreeWithEachOther() {
        for (ArmLayout l : List.of(ArmLayout.of(ArmLayout.FREE, 2), ArmLayout.of(ArmLayout.OBSTACLES, 16))) {
            int n = l.joints(), od = n + 2;
            LinkedHashMap<String, NpyArray> d = new ArmDatasetGenerator(l).generateSplit(20, 200, 3, "train");
            float[] obs = f(d, "observations"), q = f(d, "qpos"), v = f(d, "qvel");
            double[] qq = new double[n], ee = new double[2];
            double minR = 1, maxR = 0;
            boolean[] quadrant = new boolean[4];
            for (int row = 0; row < 20 * 201; row++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(q[row * n + j], obs[row * od + j], "row " + row);
                    qq[j] = q[row * n + j];
                    float expect = row % 201 == 0 ? 0f : (float) ((qq[j] - q[(row - 1) * n + j]) / 0.1);
                    assertEquals(expect, v[row * n + j], 1e-4, "qvel row " + row);
                }
                for (int j = 0; j < n; j++) {
                    // float32 rounds pi up (3.1415927 > Math.PI): the limits hold up to that rounding
                    assertTrue(qq[j] >= l.kinematics().lower(j) - 1e-6 && qq[j] <= l.kinematics().upper(j) + 1e-6);
                }
                assertTrue(l.kinematics().clearance(qq, 0) >= -1e-5, "row " + row + " penetrates an obstacle");
                l.kinematics().endEffector(qq, 0, ee);
                assertEquals(ee[0], obs[row * od + n], 1e-5);
                assertEquals(ee[1], obs[row * od + n + 1], 1e-5);
                double r = Math.hypot(ee[0], ee[1]);
                minR = Math.min(minR, r);
                maxR = Math.max(maxR, r);
                quadrant[(ee[0] >= 0 ? 0 : 1) + (ee[1] >= 0 ? 0 : 2)] = true;
            }
            for (boolean b : quadrant) assertTrue(b, l.name() + ": the data covers every quadrant");
            assertTrue(maxR > 0.85 && minR < (n == 2 ? 0.5 : 0.2), l.name() + ": radii " + minR + " .. " + maxR);
        }
    }

    /** Replaying the recorded actions from the recorded joint angles reproduces the next row (free arm: exactly). */
    @Test
    void rowsReplayThroughTheDynamics() {
        for (ArmLayout l : List.of(ArmLayout.of(ArmLayout.FREE, 8), ArmLayout.of(ArmLayout.OBSTACLES, 8))) {
            int n = l.joints();
            LinkedHashMap<String, NpyArray> d = new ArmDatasetGenerator(l).generateSplit(20, 200, 5, "train");
            float[] q = f(d, "qpos"), a = f(d, "actions");
            boolean[] term = (boolean[]) d.get("terminals").data();
            double[] qq = new double[n];
            int mismatches = 0, transitions = 0;
            for (int row = 0; row < term.length; row++) {
                if (term[row]) continue;
                transitions++;
                for (int j = 0; j < n; j++) qq[j] = q[row * n + j];
                l.kinematics().move(qq, 0, a, row * n, "replay");
                boolean same = true;
                for (int j = 0; j < n; j++) same &= Math.abs(qq[j] - q[(row + 1) * n + j]) <= 1e-5;
                if (!same) mismatches++;
            }
            // with obstacles a float32-rounded state may stop one checkpoint earlier or later at a contact
            if (l.hasObstacles()) assertTrue(mismatches <= transitions / 200, l.name() + ": " + mismatches + " mismatches");
            else assertEquals(0, mismatches);
        }
    }

    @Test
    void deterministicGivenTheSeed() throws IOException, NoSuchAlgorithmException {
        ArmDatasetGenerator g = new ArmDatasetGenerator(ArmLayout.of(ArmLayout.OBSTACLES, 8));
        g.generate(12, 40, 99, dir.resolve("a.npz"), dir.resolve("a-val.npz"), null);
        g.generate(12, 40, 99, dir.resolve("b.npz"), dir.resolve("b-val.npz"), null);
        g.generate(12, 40, 100, dir.resolve("c.npz"), dir.resolve("c-val.npz"), null);
        assertEquals(sha(dir.resolve("a.npz")), sha(dir.resolve("b.npz")));
        assertEquals(sha(dir.resolve("a-val.npz")), sha(dir.resolve("b-val.npz")));
        assertNotEquals(sha(dir.resolve("a.npz")), sha(dir.resolve("c.npz")));
        assertNotEquals(sha(dir.resolve("a-val.npz")), sha(dir.resolve("c-val.npz")));
        float[] trainObs = f(Npz.read(dir.resolve("a.npz")), "observations");
        float[] valObs = f(Npz.read(dir.resolve("a-val.npz")), "observations");
        assertNotEquals(trainObs[0], valObs[0], "the validation episodes are not copies of training episodes");
        // a fresh generator gives the same arrays, and episode e does not depend on how many episodes are generated
        float[] prefix = f(new ArmDatasetGenerator(ArmLayout.of(ArmLayout.OBSTACLES, 8)).generateSplit(5, 40, 99, "train"), "observations");
        assertArrayEquals(java.util.Arrays.copyOf(trainObs, prefix.length), prefix);
    }

    @Test
    void singleTaskRelabellingAndHindsightGoalsThroughTheHarness() {
        ArmTask task = (ArmTask) new ArmTaskProvider().task("arm-2dof-reach-singletask-task5-v0").orElseThrow();
        LinkedHashMap<String, NpyArray> raw = task.generator().generateSplit(100, 200, 4, "train");
        Dataset d = Datasets.fromRaw(raw, LoadOptions.defaults(), task.relabeler());
        assertEquals(100 * 200, d.size());
        int successes = 0;
        for (int t = 0; t < d.size(); t++) {
            float r = d.rewards()[t];
            assertTrue(r == 0f || r == -1f);
            assertEquals(r == 0f ? 0f : 1f, d.masks()[t]);
            if (r == 0f) successes++;
        }
        assertTrue(successes > 0 && successes < d.size() / 20, "successes " + successes);
        // goal-conditioned: hindsight goals are the end-effector columns
        ArmTask gc = (ArmTask) new ArmTaskProvider().task("arm-2dof-reach-v0").orElseThrow();
        Dataset all = Datasets.fromRaw(raw, LoadOptions.defaults(), null);
        GoalProjection proj = GoalProjection.observationSlice(all, gc.goalColumnsFrom(), gc.goalColumnsTo());
        float[] goal = new float[2];
        proj.project(7, goal, 0);
        float[] q = (float[]) raw.get("qpos").data();
        double[] ee = new double[2];
        gc.layout().kinematics().endEffector(new double[] {q[14], q[15]}, 0, ee);
        assertEquals(ee[0], goal[0], 1e-5);
        assertEquals(ee[1], goal[1], 1e-5);
    }

    @Test
    void sizesAndBadInput() {
        ArmDatasetGenerator g = new ArmDatasetGenerator(ArmLayout.of(ArmLayout.FREE, 32));
        assertEquals("arm-32dof-reach-v0", g.datasetName());
        assertEquals(1000, g.defaultEpisodes());
        assertEquals(200, g.defaultSteps());
        assertEquals(100, ArmDatasetGenerator.validationEpisodes(1000));
        assertEquals(1, ArmDatasetGenerator.validationEpisodes(5));
        assertThrows(IllegalArgumentException.class, () -> g.generateSplit(0, 10, 1, "train"));
        assertThrows(IllegalArgumentException.class, () -> g.generateSplit(1, 0, 1, "train"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.generateSplit(1_000_000, 1000, 1, "train"));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }

    /** Default size (1000 x 200 + 100 x 200 validation) timing, and how often the data passes each evaluation target. */
    @Test
    @Tag("slow")
    void fullSize() throws IOException {
        for (ArmLayout l : ArmLayout.all()) {
            if (l.joints() != 8 && l.joints() != 32) continue;
            l.planner(); // built once per JVM; timed separately from the data
            ArmDatasetGenerator g = new ArmDatasetGenerator(l);
            Path train = dir.resolve(l.name() + ".npz");
            long t0 = System.nanoTime();
            g.generate(g.defaultEpisodes(), g.defaultSteps(), 0, train, dir.resolve(l.name() + "-val.npz"), null);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, NpyArray> raw = Npz.read(train);
            assertArrayEquals(new int[] {201_000, l.joints() + 2}, raw.get("observations").shape());
            StringBuilder sb = new StringBuilder();
            for (int k = 1; k <= 5; k++) {
                ArmTask t = ArmTask.singleTask(l, k);
                float[] rw = new float[201_000];
                boolean[] ok = new boolean[201_000];
                Map<String, float[]> fields = Map.of("qpos", (float[]) raw.get("qpos").data());
                t.relabeler().relabel(fields, 201_000, rw, ok);
                int c = 0;
                for (boolean b : ok) if (b) c++;
                sb.append(" task").append(k).append('=').append(c);
                assertTrue(c > 0, l.name() + " task" + k + ": the data never reaches the target");
            }
            System.out.printf("%s-reach-v0 full size: %.2f s (%d MB); rows at each target:%s%n", l.name(), seconds,
                    Files.size(train) >> 20, sb);
            assertTrue(seconds < 60, "generation takes seconds, not minutes: " + seconds);
        }
    }
}

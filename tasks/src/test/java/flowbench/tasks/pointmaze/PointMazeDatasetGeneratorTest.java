package flowbench.tasks.pointmaze;

import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.rng.Rng;
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

import static flowbench.tasks.pointmaze.PointMazeDatasetGenerator.Kind.NAVIGATE;
import static flowbench.tasks.pointmaze.PointMazeDatasetGenerator.Kind.STITCH;
import static org.junit.jupiter.api.Assertions.*;

class PointMazeDatasetGeneratorTest {
    @TempDir
    Path dir;

    private static String sha(Path p) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void smallConfigHasTheRawSchema() throws IOException {
        PointMazeDatasetGenerator g = new PointMazeDatasetGenerator(MazeLayout.MEDIUM, NAVIGATE);
        Path train = dir.resolve("t.npz"), val = dir.resolve("t-val.npz");
        List<Long> progress = new ArrayList<>();
        g.generate(10, 50, 7, train, val, (done, total, label) -> {
            assertEquals(11, total);
            progress.add(done);
        });
        assertEquals(11, progress.size());
        assertEquals(11L, progress.get(10));
        Map<String, NpyArray> t = Npz.read(train), v = Npz.read(val);
        assertEquals(List.of("observations", "actions", "terminals", "qpos", "qvel"), new ArrayList<>(t.keySet()));
        Map<String, String> dtypes = Map.of("observations", "<f4", "actions", "<f4", "terminals", "|b1", "qpos", "<f4", "qvel", "<f4");
        for (Map.Entry<String, NpyArray> e : t.entrySet()) {
            assertEquals(dtypes.get(e.getKey()), e.getValue().dtype(), e.getKey());
            int[] shape = e.getKey().equals("terminals") ? new int[] {510} : new int[] {510, 2};
            assertArrayEquals(shape, e.getValue().shape(), e.getKey());
            int[] vshape = e.getKey().equals("terminals") ? new int[] {51} : new int[] {51, 2};
            assertArrayEquals(vshape, v.get(e.getKey()).shape(), e.getKey());
        }
        boolean[] term = (boolean[]) t.get("terminals").data();
        for (int row = 0; row < 510; row++) assertEquals(row % 51 == 50, term[row], "row " + row);
        boolean[] vterm = (boolean[]) v.get("terminals").data();
        for (int row = 0; row < 51; row++) assertEquals(row == 50, vterm[row]);
        float[] obs = (float[]) t.get("observations").data(), qpos = (float[]) t.get("qpos").data();
        assertArrayEquals(obs, qpos, "no teleports: observations are the positions");
        for (float a : (float[]) t.get("actions").data()) assertTrue(a >= -1 && a <= 1);
        assertEquals(510, PointMazeDatasetGenerator.rows(10, 50));
        assertEquals(2, PointMazeDatasetGenerator.validationEpisodes(25));
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        PointMazeDatasetGenerator g = new PointMazeDatasetGenerator(MazeLayout.TELEPORT, STITCH);
        g.generate(12, 40, 99, dir.resolve("a.npz"), dir.resolve("a-val.npz"), null);
        g.generate(12, 40, 99, dir.resolve("b.npz"), dir.resolve("b-val.npz"), null);
        g.generate(12, 40, 100, dir.resolve("c.npz"), dir.resolve("c-val.npz"), null);
        assertEquals(sha(dir.resolve("a.npz")), sha(dir.resolve("b.npz")));
        assertEquals(sha(dir.resolve("a-val.npz")), sha(dir.resolve("b-val.npz")));
        assertNotEquals(sha(dir.resolve("a.npz")), sha(dir.resolve("c.npz")));
        assertNotEquals(sha(dir.resolve("a-val.npz")), sha(dir.resolve("c-val.npz")));
        // the validation episodes are not a copy of the first training episode
        float[] trainObs = (float[]) Npz.read(dir.resolve("a.npz")).get("observations").data();
        float[] valObs = (float[]) Npz.read(dir.resolve("a-val.npz")).get("observations").data();
        assertNotEquals(trainObs[0], valObs[0]);
        // a fresh generator object gives the same arrays (no hidden state)
        float[] again = (float[]) new PointMazeDatasetGenerator(MazeLayout.TELEPORT, STITCH)
                .generateSplit(12, 40, 99, "train").get("observations").data();
        assertArrayEquals(trainObs, again);
    }

    @Test
    void rowsReplayThroughTheDynamics() {
        for (MazeLayout m : List.of(MazeLayout.MEDIUM, MazeLayout.GIANT)) {
            PointMazeDatasetGenerator g = new PointMazeDatasetGenerator(m, NAVIGATE);
            LinkedHashMap<String, NpyArray> d = g.generateSplit(20, 300, 5, "train");
            float[] q = (float[]) d.get("qpos").data(), a = (float[]) d.get("actions").data(), v = (float[]) d.get("qvel").data();
            boolean[] term = (boolean[]) d.get("terminals").data();
            PointMazePhysics p = new PointMazePhysics(m);
            double[] xy = new double[2], vel = new double[2];
            int contacts = 0, zeroVel = 0;
            for (int row = 0; row < term.length; row++) {
                assertTrue(p.wallClearance(q[2 * row], q[2 * row + 1]) >= PointMazePhysics.RADIUS - 1e-5);
                if (term[row]) continue;
                xy[0] = q[2 * row];
                xy[1] = q[2 * row + 1];
                p.move(xy, 0, a[2 * row], a[2 * row + 1], vel);
                assertEquals(xy[0], q[2 * row + 2], 1e-5, "row " + row);
                assertEquals(xy[1], q[2 * row + 3], 1e-5, "row " + row);
                // qvel of the next row is the contact correction of this step
                assertEquals(vel[0], v[2 * row + 2], 1e-3);
                assertEquals(vel[1], v[2 * row + 3], 1e-3);
                if (vel[0] != 0 || vel[1] != 0) contacts++;
                else zeroVel++;
            }
            assertTrue(contacts > 0 && zeroVel > 20 * contacts, m.name() + ": contacts " + contacts + ", free " + zeroVel);
            // row 0 of every episode carries the reset velocity noise N(0, 0.1^2)
            for (int e = 0; e < 20; e++) assertTrue(v[2 * e * 301] != 0 && Math.abs(v[2 * e * 301]) < 0.6);
        }
    }

    @Test
    void teleportRowsShowThePortalButStartFromTheOutboundCentre() {
        MazeLayout m = MazeLayout.TELEPORT;
        LinkedHashMap<String, NpyArray> d = new PointMazeDatasetGenerator(m, NAVIGATE).generateSplit(10, 1000, 3, "train");
        float[] obs = (float[]) d.get("observations").data(), q = (float[]) d.get("qpos").data();
        int teleports = 0;
        for (int row = 0; row < obs.length / 2; row++) {
            if (obs[2 * row] == q[2 * row] && obs[2 * row + 1] == q[2 * row + 1]) continue;
            teleports++;
            boolean nearIn = false, atOut = false;
            for (Cell c : m.teleportIn()) nearIn |= Math.hypot(obs[2 * row] - c.x(), obs[2 * row + 1] - c.y()) <= 1.5 + 1e-5;
            for (Cell c : m.teleportOut()) atOut |= q[2 * row] == (float) c.x() && q[2 * row + 1] == (float) c.y();
            assertTrue(nearIn && atOut, "row " + row);
        }
        assertTrue(teleports > 0, "the navigate data of the teleport maze goes through portals");
    }

    @Test
    void stitchGoalsAreFourCellsAway() {
        Rng r = new Rng(8);
        for (MazeLayout m : MazeLayout.all()) {
            PointMazeDatasetGenerator g = new PointMazeDatasetGenerator(m, STITCH);
            for (Cell start : m.freeCells()) {
                Cell goal = g.stitchGoal(start, r);
                int d = m.bfsDistance(start, goal);
                boolean anyAtFour = false;
                for (Cell c : m.freeCells()) anyAtFour |= m.bfsDistance(start, c) == 4;
                if (anyAtFour) assertEquals(4, d, m.name() + " " + start);
                else assertEquals(start, goal);
            }
        }
        // the closed teleport cell has no cell at distance 4: it is its own goal
        assertEquals(new Cell(1, 7), new PointMazeDatasetGenerator(MazeLayout.TELEPORT, STITCH).stitchGoal(new Cell(1, 7), r));
    }

    @Test
    void defaultSizesFollowTheSpecTable() {
        for (MazeLayout m : MazeLayout.all()) {
            PointMazeDatasetGenerator nav = new PointMazeDatasetGenerator(m, NAVIGATE);
            PointMazeDatasetGenerator st = new PointMazeDatasetGenerator(m, STITCH);
            assertEquals("jpointmaze-" + m.name() + "-navigate-v0", nav.datasetName());
            assertEquals("jpointmaze-" + m.name() + "-stitch-v0", st.datasetName());
            assertEquals(m == MazeLayout.GIANT ? 500 : 1000, nav.defaultEpisodes());
            assertEquals(m == MazeLayout.GIANT ? 2000 : 1000, nav.defaultSteps());
            assertEquals(5000, st.defaultEpisodes());
            assertEquals(200, st.defaultSteps());
            // every default dataset holds 1M transitions (episodes x steps)
            assertEquals(1_000_000L, (long) nav.defaultEpisodes() * nav.defaultSteps());
            assertEquals(1_000_000L, (long) st.defaultEpisodes() * st.defaultSteps());
        }
        PointMazeDatasetGenerator med = new PointMazeDatasetGenerator(MazeLayout.MEDIUM, NAVIGATE);
        assertEquals(1_001_000L, PointMazeDatasetGenerator.rows(med.defaultEpisodes(), med.defaultSteps()));
        assertEquals(100_100L, PointMazeDatasetGenerator.rows(
                PointMazeDatasetGenerator.validationEpisodes(med.defaultEpisodes()), med.defaultSteps()));
        assertEquals(1_000_500L, PointMazeDatasetGenerator.rows(500, 2000));
        assertEquals(1_005_000L, PointMazeDatasetGenerator.rows(5000, 200));
    }

    @Test
    void badSizesAreRejected() {
        PointMazeDatasetGenerator g = new PointMazeDatasetGenerator(MazeLayout.MEDIUM, NAVIGATE);
        assertThrows(IllegalArgumentException.class, () -> g.generateSplit(0, 10, 1, "train"));
        assertThrows(IllegalArgumentException.class, () -> g.generateSplit(1, 0, 1, "train"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.generateSplit(2_000_000, 1000, 1, "train"));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PointMazeDatasetGenerator.Kind.of("explore"));
    }

    @Test
    @Tag("slow")
    void fullSizeMediumNavigate() throws IOException {
        PointMazeDatasetGenerator g = new PointMazeDatasetGenerator(MazeLayout.MEDIUM, NAVIGATE);
        long t0 = System.nanoTime();
        g.generate(g.defaultEpisodes(), g.defaultSteps(), 0, dir.resolve("m.npz"), dir.resolve("m-val.npz"), null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("jpointmaze-medium-navigate-v0 full size: %.2f s%n", seconds);
        assertArrayEquals(new int[] {1_001_000, 2}, Npz.readHeaders(dir.resolve("m.npz")).get("observations").shape());
        assertArrayEquals(new int[] {100_100}, Npz.readHeaders(dir.resolve("m-val.npz")).get("terminals").shape());
        assertTrue(seconds < 60, "generation takes seconds, not minutes: " + seconds);
    }
}

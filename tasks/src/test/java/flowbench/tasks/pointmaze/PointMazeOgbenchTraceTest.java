package flowbench.tasks.pointmaze;

import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compares {@link PointMazePhysics} with OGBench's MuJoCo point maze on a recorded trace
 * ({@code tasks/scripts/ogbench_pointmaze_trace.py}; needs Python with ogbench, so it runs only when the environment
 * variable FB_OGBENCH_TRACE names the trace file). Each step starts from MuJoCo's own state, so errors do not add up.
 */
class PointMazeOgbenchTraceTest {
    @Test
    void oneStepAgreementWithMujoco() throws Exception {
        String file = System.getenv("FB_OGBENCH_TRACE");
        assumeTrue(file != null && Files.isRegularFile(Path.of(file)), "FB_OGBENCH_TRACE not set: no MuJoCo trace to compare");
        Map<String, NpyArray> m = Npz.read(Path.of(file));
        for (String maze : new String[] {"medium", "giant"}) {
            double[] pos = (double[]) m.get(maze + "_pos").data(), act = (double[]) m.get(maze + "_act").data();
            double[] mjVel = (double[]) m.get(maze + "_vel").data();
            PointMazePhysics p = new PointMazePhysics(MazeLayout.named(maze));
            int steps = act.length / 2, contacts = 0;
            double[] xy = new double[2], vel = new double[2], errs = new double[steps];
            double freeMax = 0, minClearance = Double.POSITIVE_INFINITY, velJava = 0, velMujoco = 0;
            for (int t = 0; t < steps; t++) {
                xy[0] = pos[2 * t];
                xy[1] = pos[2 * t + 1];
                p.move(xy, 0, act[2 * t], act[2 * t + 1], vel);
                double e = Math.hypot(xy[0] - pos[2 * t + 2], xy[1] - pos[2 * t + 3]);
                minClearance = Math.min(minClearance, p.wallClearance(pos[2 * t + 2], pos[2 * t + 3]));
                if (vel[0] == 0 && vel[1] == 0) {
                    freeMax = Math.max(freeMax, e);
                } else {
                    errs[contacts++] = e;
                    velJava += Math.hypot(vel[0], vel[1]);
                    velMujoco += Math.hypot(mjVel[2 * t + 2], mjVel[2 * t + 3]);
                }
            }
            double[] c = Arrays.copyOf(errs, contacts);
            Arrays.sort(c);
            System.out.printf("%s: %d steps, %d with contact; free-space max error %.2e; contact error mean %.4f, "
                            + "p95 %.4f, max %.4f; MuJoCo min clearance %.4f; contact |qvel| mean Java %.3f, MuJoCo %.3f%n",
                    maze, steps, contacts, freeMax, Arrays.stream(c).average().orElse(0), c[(int) (0.95 * contacts)],
                    c[contacts - 1], minClearance, velJava / contacts, velMujoco / contacts);
            assertTrue(freeMax < 1e-12, "free space moves are exactly 0.2 a");
            assertTrue(contacts > 100, "the trace exercises walls");
            assertTrue(c[contacts - 1] < 0.1, "contact resolution within 0.1 of MuJoCo's soft contacts");
        }
    }
}

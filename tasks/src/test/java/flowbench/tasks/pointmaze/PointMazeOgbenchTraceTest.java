package flowbench.tasks.pointmaze;

import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.tasks.ogbench.OgbenchBridge;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Compares {@link PointMazePhysics} with OGBench's MuJoCo point maze on a trace recorded through the OGBench bridge
 * ({@code tasks/scripts/ogbench_pointmaze_trace.py}: the BFS oracle with N(0, 1) action noise, so the point hits walls
 * often, on medium and giant). Two comparisons, each with a stated tolerance:
 * <ul>
 *   <li>one step from MuJoCo's own state at every step (errors cannot add up): free-space moves are exact
 *       (below 1e-12); steps with a wall contact are within {@link #ONE_STEP_TOLERANCE} of MuJoCo;</li>
 *   <li>open loop, the same start and the same action sequence (the question "does the Java maze follow OGBench's
 *       for the same actions"): the largest distance between the two trajectories stays within
 *       {@link #OPEN_LOOP_TOLERANCE}. Contact differences do not accumulate without bound because the next contact with
 *       the same wall pushes both points to (nearly) the same distance from it.</li>
 * </ul>
 * Needs the bridge (ogbench-bridge/install); skipped without it (CI installs it and sets FLOWBENCH_REQUIRE=ogbench).
 */
class PointMazeOgbenchTraceTest {
    /** Java's hard push-out vs MuJoCo's soft contact, which leaves up to ~0.055 of penetration. */
    static final double ONE_STEP_TOLERANCE = 0.1;
    /**
     * Open loop: half the success radius. Measured (ogbench 1.2.2, MuJoCo 4.0.0, 20,000 steps per maze): largest
     * deviation 0.13 on medium and 0.32 on giant (a corner the two points take slightly differently), mean 0.03-0.04;
     * on the default 3,000-step trace 0.05 and 0.09.
     */
    static final double OPEN_LOOP_TOLERANCE = 0.5;

    @TempDir
    Path tmp;

    @Test
    void agreesWithMujocoOnAShortTrace() throws Exception {
        compare(3000);
    }

    /** The 20,000-step trace per maze that tasks/README.md quotes. */
    @Test
    @Tag("slow")
    void agreesWithMujocoOnTheLongTrace() throws Exception {
        compare(20000);
    }

    private void compare(int steps) throws Exception {
        Path trace = tmp.resolve("trace.npz");
        OgbenchBridge.run(900, OgbenchBridge.script("ogbench_pointmaze_trace.py").toString(), trace.toString(), "" + steps);
        Map<String, NpyArray> m = Npz.read(trace);
        for (String maze : new String[] {"medium", "giant"}) {
            double[] pos = (double[]) m.get(maze + "_pos").data(), act = (double[]) m.get(maze + "_act").data();
            double[] mjVel = (double[]) m.get(maze + "_vel").data();
            PointMazePhysics p = new PointMazePhysics(MazeLayout.named(maze));
            int n = act.length / 2, contacts = 0;
            assertEquals(steps, n);
            double[] xy = new double[2], vel = new double[2], errs = new double[n];
            double freeMax = 0, minClearance = Double.POSITIVE_INFINITY, velJava = 0, velMujoco = 0;
            for (int t = 0; t < n; t++) {
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

            // open loop: Java from MuJoCo's start, the same actions, never resynchronised
            double[] ol = {pos[0], pos[1]};
            double olMax = 0, olSum = 0;
            double[] olErr = new double[n];
            int olMaxAt = 0;
            for (int t = 0; t < n; t++) {
                p.move(ol, 0, act[2 * t], act[2 * t + 1], vel);
                double e = Math.hypot(ol[0] - pos[2 * t + 2], ol[1] - pos[2 * t + 3]);
                olSum += e;
                olErr[t] = e;
                if (e > olMax) {
                    olMax = e;
                    olMaxAt = t + 1;
                }
            }
            System.out.printf(Locale.ROOT, "%s: %d steps, %d with contact; one step: free-space max error %.2e, contact "
                            + "error mean %.4f, p95 %.4f, max %.4f; MuJoCo min clearance %.4f; contact |qvel| mean Java %.3f, "
                            + "MuJoCo %.3f; open loop (same start and actions): max deviation %.4f (step %d), p99 %.4f, mean %.4f%n",
                    maze, n, contacts, freeMax, Arrays.stream(c).average().orElse(0), c[(int) (0.95 * contacts)],
                    c[contacts - 1], minClearance, velJava / contacts, velMujoco / contacts, olMax, olMaxAt, percentile(olErr, 0.99), olSum / n);
            assertTrue(freeMax < 1e-12, maze + ": free-space moves are exactly 0.2 a (max error " + freeMax + ")");
            assertTrue(contacts > n / 500, maze + ": the trace exercises walls (" + contacts + " contact steps)");
            assertTrue(c[contacts - 1] < ONE_STEP_TOLERANCE, maze + ": one-step contact error " + c[contacts - 1]
                    + " within " + ONE_STEP_TOLERANCE + " of MuJoCo's soft contacts");
            assertTrue(olMax < OPEN_LOOP_TOLERANCE, maze + ": open-loop deviation " + olMax + " at step " + olMaxAt
                    + " within " + OPEN_LOOP_TOLERANCE);
        }
    }

    private static double percentile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.floor(q * s.length))];
    }
}

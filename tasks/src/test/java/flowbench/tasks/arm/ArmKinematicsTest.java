package flowbench.tasks.arm;

import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ArmKinematicsTest {
    private static final double PI = Math.PI;

    private static double[] ee(ArmKinematics k, double... q) {
        double[] out = new double[2];
        k.endEffector(q, 0, out);
        return out;
    }

    @Test
    void twoJointForwardKinematicsMatchesTheClosedForm() {
        ArmKinematics k = new ArmKinematics(2, List.of());
        assertEquals(0.5, k.linkLength());
        assertArrayEquals(new double[] {1, 0}, ee(k, 0, 0), 1e-12);
        assertArrayEquals(new double[] {0, 1}, ee(k, PI / 2, 0), 1e-12);
        assertArrayEquals(new double[] {0.5, 0.5}, ee(k, 0, PI / 2), 1e-12); // elbow at (0.5, 0), forearm up
        assertArrayEquals(new double[] {0.5, -0.5}, ee(k, -PI / 2, PI / 2), 1e-12); // elbow at (0, -0.5), forearm right
        assertArrayEquals(new double[] {-1, 0}, ee(k, PI, 0), 1e-12);
        // fully folded at the limit 3pi/4: |ee| = cos(3pi/8), the 2-joint arm's inner radius
        double[] folded = ee(k, 0.3, 0.75 * PI);
        assertEquals(Math.cos(3 * PI / 8), Math.hypot(folded[0], folded[1]), 1e-12);
        Rng r = new Rng(1);
        for (int i = 0; i < 100; i++) {
            double a = r.uniform(-PI, PI), b = r.uniform(-0.75 * PI, 0.75 * PI);
            double[] e = ee(k, a, b);
            assertEquals(0.5 * (Math.cos(a) + Math.cos(a + b)), e[0], 1e-12);
            assertEquals(0.5 * (Math.sin(a) + Math.sin(a + b)), e[1], 1e-12);
        }
    }

    @Test
    void manyJointForwardKinematicsByHand() {
        ArmKinematics k = new ArmKinematics(8, List.of());
        double[] xs = new double[9], ys = new double[9];
        k.jointPositions(new double[8], 0, xs, ys);
        for (int i = 0; i <= 8; i++) {
            assertEquals(i / 8.0, xs[i], 1e-12);
            assertEquals(0, ys[i], 1e-12);
        }
        // a square staircase: up, right, up, right, ... (relative turns +90, -90, +90, ...)
        double[] q = {PI / 2, -PI / 2, PI / 2, -PI / 2, PI / 2, -PI / 2, PI / 2, -PI / 2};
        assertArrayEquals(new double[] {0.5, 0.5}, ee(k, q), 1e-12);
        // a closed square: 4 links of 1/4 with +90 deg turns come back to the base
        ArmKinematics k4 = new ArmKinematics(4, List.of());
        assertArrayEquals(new double[] {0, 0}, ee(k4, 0, PI / 2, PI / 2, PI / 2), 1e-12);
        ArmKinematics k32 = new ArmKinematics(32, List.of());
        double[] c = new double[32];
        for (int i = 1; i < 32; i++) c[i] = 2 * PI / 32;
        // the links are the sides of a regular 32-gon traversed once: the end-effector returns to the base
        assertArrayEquals(new double[] {0, 0}, ee(k32, c), 1e-12);
    }

    @Test
    void jacobianMatchesFiniteDifferences() {
        ArmKinematics k = new ArmKinematics(8, List.of());
        Rng r = new Rng(3);
        double[] q = new double[8], jac = new double[16];
        for (int i = 0; i < 8; i++) q[i] = r.uniform(-1, 1);
        k.jacobian(q, 0, jac);
        double h = 1e-6;
        for (int i = 0; i < 8; i++) {
            double[] qp = q.clone(), qm = q.clone();
            qp[i] += h;
            qm[i] -= h;
            double[] ep = ee(k, qp), em = ee(k, qm);
            assertEquals((ep[0] - em[0]) / (2 * h), jac[i], 1e-6);
            assertEquals((ep[1] - em[1]) / (2 * h), jac[8 + i], 1e-6);
        }
    }

    @Test
    void actionsAreClippedScaledAndLimited() {
        for (int n : new int[] {2, 8, 32}) {
            ArmKinematics k = new ArmKinematics(n, List.of());
            assertEquals(0.05, k.maxJointStep(0));
            for (int i = 1; i < n; i++) assertEquals(0.1 / n, k.maxJointStep(i), 1e-15);
            double[] q = new double[n];
            float[] a = new float[n];
            a[0] = 1;
            a[1] = -0.5f;
            if (n > 2) a[2] = 7; // clipped to 1
            assertEquals(1.0, k.move(q, 0, a, 0, "t"));
            assertEquals(0.05, q[0], 1e-15);
            assertEquals(-0.5 * 0.1 / n, q[1], 1e-9);
            if (n > 2) assertEquals(0.1 / n, q[2], 1e-15);
            // limits: the base stops at pi, the others at +-3pi/4
            double[] atLimit = new double[n];
            atLimit[0] = PI - 0.01;
            atLimit[1] = -0.75 * PI + 0.001;
            float[] push = new float[n];
            push[0] = 1;
            push[1] = -1;
            k.move(atLimit, 0, push, 0, "t");
            assertEquals(PI, atLimit[0]);
            assertEquals(-0.75 * PI, atLimit[1]);
            assertTrue(k.withinLimits(atLimit, 0));
            atLimit[1] = -2.5;
            assertFalse(k.withinLimits(atLimit, 0));
        }
        ArmKinematics k = new ArmKinematics(2, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> k.move(new double[2], 0, new float[] {0, Float.NaN}, 0, "arm-2dof episode 3"));
        assertTrue(e.getMessage().contains("arm-2dof episode 3") && e.getMessage().contains("component 1 is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ArmKinematics(1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Disc(0, 0, 0));
    }

    @Test
    void segmentClearanceOfADisc() {
        Disc d = new Disc(0.5, 0.2, 0.1);
        assertEquals(0.1, d.clearance(0, 0, 1, 0), 1e-12); // closest point (0.5, 0)
        assertEquals(Math.hypot(0.5, 0.2) - 0.1, d.clearance(0, 0, 0, 0), 1e-12); // a point
        assertEquals(Math.hypot(0.3, 0.2) - 0.1, d.clearance(0, 0, 0.2, 0), 1e-12); // beyond the segment's end
        assertEquals(-0.1, d.clearance(0, 0.2, 1, 0.2), 1e-12); // through the centre
    }

    /** Random large actions near the obstacles: no state penetrates, no motion cuts more than 0.005 into a disc. */
    @Test
    void obstaclesAreNeverPenetrated() {
        for (int n : new int[] {2, 8, 32}) {
            ArmLayout l = ArmLayout.of(ArmLayout.OBSTACLES, n);
            ArmKinematics k = l.kinematics();
            Rng r = new Rng(n);
            int blocked = 0;
            for (int ep = 0; ep < 5; ep++) {
                double[] q = l.startConfiguration(1 + ep);
                // a persistent random direction, so the arm really runs into discs
                float[] a = new float[n];
                for (int t = 0; t < 600; t++) {
                    if (t % 40 == 0) for (int j = 0; j < n; j++) a[j] = (float) r.uniform(-1.5, 1.5);
                    double[] before = q.clone();
                    double frac = k.move(q, 0, a, 0, "t");
                    assertTrue(k.clearance(q, 0) >= 0, "n=" + n + " state penetrates");
                    if (frac < 1) blocked++;
                    // the swept motion between the two states, at 200 points
                    double[] mid = new double[n];
                    for (int s = 1; s < 200; s++) {
                        for (int j = 0; j < n; j++) mid[j] = before[j] + (q[j] - before[j]) * s / 200.0;
                        assertTrue(k.clearance(mid, 0) >= -0.005 - 1e-12, "n=" + n + " motion cuts into a disc");
                    }
                }
            }
            assertTrue(blocked > 20, "n=" + n + ": the random walk hit obstacles (" + blocked + " blocked steps)");
        }
    }

    @Test
    void aStepIntoADiscStopsAtContact() {
        // a straight 2-joint arm turning its base towards a disc that sits on the end-effector's circle
        ArmKinematics k = new ArmKinematics(2, List.of(new Disc(0, 1.05, 0.1)));
        double[] q = {PI / 2 - 0.3, 0}; // end-effector at angle 90 - 17 deg on the unit circle, clear of the disc
        float[] up = {1, 0};
        int moves = 0;
        double frac = 1;
        while (frac == 1 && moves < 100) {
            frac = k.move(q, 0, up, 0, "t");
            moves++;
        }
        assertTrue(frac < 1 && moves < 100);
        double c = k.clearance(q, 0);
        assertTrue(c >= 0 && c < 0.011, "stopped at contact, clearance " + c);
        double[] stuck = q.clone();
        k.move(q, 0, up, 0, "t");
        // pushing on: at most one more checkpoint (<= 0.01 of motion), never into the disc
        assertTrue(k.clearance(q, 0) >= 0);
        assertEquals(stuck[0], q[0], 0.011);
        // moving away is free
        assertEquals(1.0, k.move(q, 0, new float[] {-1, 0}, 0, "t"));
    }
}

package flowbench.tasks.arm;

import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ArmPlannerTest {
    @Test
    void shapeFamilyIsLinearWithAGroupSumInverse() {
        Rng r = new Rng(4);
        for (int n : ArmLayout.JOINTS) {
            ShapeFamily f = new ShapeFamily(n);
            assertEquals(n == 2 ? 2 : 3, f.dims());
            ArmKinematics k = new ArmKinematics(n, List.of());
            double[] p = new double[f.dims()], back = new double[f.dims()], q = new double[n];
            for (int rep = 0; rep < 20; rep++) {
                for (int j = 0; j < p.length; j++) p[j] = r.uniform(f.lo(j), f.hi(j));
                f.config(p, q);
                assertTrue(k.withinLimits(q, 0), "the parameter box keeps every joint in its limits");
                f.project(q, 0, back);
                assertArrayEquals(p, back, 1e-12);
            }
            // N = 2: the family is the arm itself; N >= 3: two evenly bent halves
            if (n == 2) {
                f.config(new double[] {0.3, -1.1}, q);
                assertArrayEquals(new double[] {0.3, -1.1}, q, 0);
            } else {
                f.config(new double[] {0.5, 0.9, -0.6}, q);
                int g1 = (n - 1) / 2;
                assertEquals(0.5, q[0]);
                for (int i = 1; i <= g1; i++) assertEquals(0.9 / g1, q[i], 1e-15);
                for (int i = g1 + 1; i < n; i++) assertEquals(-0.6 / (n - 1 - g1), q[i], 1e-15);
            }
        }
    }

    @Test
    void familyJacobianMatchesFiniteDifferences() {
        for (int n : new int[] {2, 16}) {
            ShapeFamily f = new ShapeFamily(n);
            ArmKinematics k = new ArmKinematics(n, List.of());
            double[] p = n == 2 ? new double[] {0.4, 1.0} : new double[] {0.4, 1.0, -0.7};
            double[] q = new double[n], jf = new double[2 * f.dims()], ep = new double[2], em = new double[2];
            f.config(p, q);
            f.jacobian(k, q, jf);
            double h = 1e-6;
            for (int j = 0; j < f.dims(); j++) {
                double[] pp = p.clone(), pm = p.clone();
                pp[j] += h;
                pm[j] -= h;
                f.config(pp, q);
                k.endEffector(q, 0, ep);
                f.config(pm, q);
                k.endEffector(q, 0, em);
                assertEquals((ep[0] - em[0]) / (2 * h), jf[j], 1e-6);
                assertEquals((ep[1] - em[1]) / (2 * h), jf[f.dims() + j], 1e-6);
            }
        }
    }

    @Test
    void cellsAndGoalCells() {
        ArmPlanner pl = ArmLayout.of(ArmLayout.OBSTACLES, 8).planner();
        double[] p = new double[3], c = new double[3], q = new double[8];
        Rng r = new Rng(5);
        for (int rep = 0; rep < 200; rep++) {
            for (int j = 0; j < 3; j++) p[j] = r.uniform(pl.family().lo(j), pl.family().hi(j));
            int cell = pl.cellOf(p);
            pl.centre(cell, c);
            for (int j = 0; j < 3; j++) assertTrue(Math.abs(c[j] - p[j]) <= pl.width(j) / 2 + 1e-12);
            pl.family().config(c, q);
            assertEquals(pl.kinematics().clearance(q, 0) >= ArmPlanner.MARGIN, pl.free(cell));
        }
        ArmPlanner.GoalCells g = pl.goalCells(0.3, 0.6);
        assertEquals(ArmPlanner.GOAL_CELL_ERROR, g.threshold());
        assertTrue(g.cells().length > 10);
        int inside = 0;
        for (int cell = 0; cell < pl.cells(); cell++) {
            if (pl.free(cell) && Math.hypot(pl.centreEeX(cell) - 0.3, pl.centreEeY(cell) - 0.6) <= 0.05) inside++;
        }
        assertEquals(inside, g.cells().length, "the bins find every goal cell");
        // inside an obstacle no shape comes within 0.05: the nearest ones are taken instead
        ArmPlanner.GoalCells far = pl.goalCells(0.7, 0.0);
        assertTrue(far.threshold() > 0.1 && far.cells().length > 0);
        // 2 joints cannot reach the base: the best cell is about 0.38 away
        ArmPlanner.GoalCells base = ArmLayout.of(ArmLayout.FREE, 2).planner().goalCells(0, 0);
        assertEquals(Math.cos(3 * Math.PI / 8) + 0.01, base.threshold(), 0.02);
    }

    /** The lazily settled distances are exact Dijkstra distances: every settled cell has a predecessor on the way. */
    @Test
    void distancesAreConsistentShortestPaths() {
        ArmPlanner pl = ArmLayout.of(ArmLayout.OBSTACLES, 2).planner();
        ArmPlanner.GoalCells g = pl.goalCells(-0.6, -0.6);
        ArmPlanner.DistanceField lazy = pl.distances(g.cells());
        ArmPlanner.DistanceField full = pl.distances(g.cells());
        int[] coords = new int[2];
        // settle a near cell first in one field, then compare everything with the other
        assertTrue(lazy.distance(g.cells()[0]) == 0);
        int reachable = 0, blocked = 0;
        for (int cell = 0; cell < pl.cells(); cell++) {
            int d = full.distance(cell);
            assertEquals(d, lazy.distance(cell));
            if (d < 0) {
                blocked++;
                continue;
            }
            reachable++;
            if (d == 0) continue;
            pl.decode(cell, coords);
            boolean tight = false;
            for (int dir = 0; dir < pl.directions(); dir++) {
                if (!pl.edge(cell, dir)) continue;
                int nb = pl.neighbour(coords, dir);
                int dn = full.distance(nb);
                assertTrue(dn >= 0, "neighbours over usable edges are reachable too");
                assertTrue(d <= dn + pl.edgeCost(dir), "triangle inequality");
                tight |= d == dn + pl.edgeCost(dir);
            }
            assertTrue(tight, "cell " + cell + " has a shortest-path predecessor");
        }
        assertTrue(reachable > 5000 && blocked > 1000, reachable + " reachable, " + blocked + " blocked");
    }
}

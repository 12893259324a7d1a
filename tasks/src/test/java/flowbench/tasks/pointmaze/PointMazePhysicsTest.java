package flowbench.tasks.pointmaze;

import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PointMazePhysicsTest {
    private static final double R = PointMazePhysics.RADIUS;

    @Test
    void freeMoveIsPointTwoTimesTheClippedAction() {
        PointMazePhysics p = new PointMazePhysics(MazeLayout.MEDIUM);
        double[] xy = {0, 0}, vel = {9, 9};
        p.move(xy, 0, 0.5, -0.25, vel);
        assertEquals(0.1, xy[0], 1e-15);
        assertEquals(-0.05, xy[1], 1e-15);
        assertEquals(0.0, vel[0]);
        assertEquals(0.0, vel[1]);
        p.move(xy, 0, 3.0, -7.0, vel);
        assertEquals(0.3, xy[0], 1e-15);
        assertEquals(-0.25, xy[1], 1e-15);
        assertThrows(IllegalArgumentException.class, () -> p.move(new double[2], 0, Double.NaN, 0, null));
    }

    @Test
    void everyWallStopsTheDiscAtExactlyItsRadius() {
        int checked = 0;
        for (MazeLayout m : MazeLayout.all()) {
            PointMazePhysics p = new PointMazePhysics(m);
            for (Cell c : m.freeCells()) {
                int[][] dirs = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
                for (int[] d : dirs) {
                    if (!m.isWall(c.i() + d[0], c.j() + d[1])) continue;
                    double[] xy = {c.x(), c.y()};
                    for (int t = 0; t < 30; t++) p.move(xy, 0, d[1], d[0], null);
                    // wall face at 2 from the centre: the disc centre stops 0.7 before it, the other axis is unchanged
                    double ex = c.x() + d[1] * (2 - R), ey = c.y() + d[0] * (2 - R);
                    assertEquals(ex, xy[0], 1e-12, m.name() + " " + c);
                    assertEquals(ey, xy[1], 1e-12, m.name() + " " + c);
                    checked++;
                }
            }
        }
        assertTrue(checked > 300);
    }

    @Test
    void concaveCornerAndSlidingAlongAWall() {
        PointMazePhysics p = new PointMazePhysics(MazeLayout.MEDIUM);
        double[] xy = {0, 0}; // cell (1,1): walls above (y < -2) and left (x < -2)
        for (int t = 0; t < 30; t++) p.move(xy, 0, -1, -1, null);
        assertEquals(-2 + R, xy[0], 1e-12);
        assertEquals(-2 + R, xy[1], 1e-12);
        // now push into the top wall while moving right: y pinned, x advances the full 0.2 per step
        double[] vel = new double[2];
        for (int t = 1; t <= 20; t++) {
            p.move(xy, 0, 1, -1, vel);
            assertEquals(-2 + R + 0.2 * t, xy[0], 1e-9);
            assertEquals(-2 + R, xy[1], 1e-12);
            assertEquals(0.0, vel[0], 1e-9);
            assertEquals(0.2 / PointMazePhysics.STEP_SECONDS, vel[1], 1e-9); // the wall took back 0.2 in y
        }
    }

    @Test
    void slidesAroundAConvexCorner() {
        // medium: wall block (2,3) spans x in [6, 10], y in [2, 6]; its corner (6, 6) is convex towards cell (3,2)
        PointMazePhysics p = new PointMazePhysics(MazeLayout.MEDIUM);
        double cx = 6, cy = 6;
        double[] xy = {cx - R * Math.cos(Math.PI / 4) - 1e-3, cy + R * Math.sin(Math.PI / 4) + 1e-3};
        boolean roundedTheCorner = false;
        for (int t = 0; t < 20; t++) {
            p.move(xy, 0, 1, -0.3, null); // right and slightly into the block
            assertTrue(p.wallClearance(xy[0], xy[1]) >= R - 1e-9);
            if (xy[0] > cx) roundedTheCorner = true;
        }
        assertTrue(roundedTheCorner, "the disc slid over the corner onto the block's bottom face");
        assertEquals(cy + R, xy[1], 1e-9); // resting on the face y = 6 after the corner
    }

    @Test
    void diagonalPinchPointsCannotBeCrossed() {
        int pinches = 0;
        for (MazeLayout m : MazeLayout.all()) {
            PointMazePhysics p = new PointMazePhysics(m);
            for (int i = 0; i + 1 < m.rows(); i++) {
                for (int j = 0; j + 1 < m.cols(); j++) {
                    // walls at (i, j) and (i+1, j+1), free (i+1, j) and (i, j+1): they touch at one point
                    if (m.isWall(i, j) && m.isWall(i + 1, j + 1) && !m.isWall(i + 1, j) && !m.isWall(i, j + 1)) {
                        pinches++;
                        double px = MazeLayout.cellX(j) + 2, py = MazeLayout.cellY(i) + 2;
                        double[] xy = {MazeLayout.cellX(j), MazeLayout.cellY(i + 1)};
                        for (int t = 0; t < 60; t++) p.move(xy, 0, 1, -1, null);
                        assertEquals(px - R, xy[0], 1e-12);
                        assertEquals(py + R, xy[1], 1e-12);
                        xy = new double[] {MazeLayout.cellX(j + 1), MazeLayout.cellY(i)};
                        for (int t = 0; t < 60; t++) p.move(xy, 0, -1, 1, null);
                        assertEquals(px + R, xy[0], 1e-12);
                        assertEquals(py - R, xy[1], 1e-12);
                    }
                    // the mirrored pinch: walls at (i, j+1) and (i+1, j)
                    if (m.isWall(i, j + 1) && m.isWall(i + 1, j) && !m.isWall(i, j) && !m.isWall(i + 1, j + 1)) {
                        pinches++;
                        double px = MazeLayout.cellX(j) + 2, py = MazeLayout.cellY(i) + 2;
                        double[] xy = {MazeLayout.cellX(j), MazeLayout.cellY(i)};
                        for (int t = 0; t < 60; t++) p.move(xy, 0, 1, 1, null);
                        assertEquals(px - R, xy[0], 1e-12);
                        assertEquals(py - R, xy[1], 1e-12);
                    }
                }
            }
        }
        assertTrue(pinches >= 3, "the mazes have diagonal pinch points to test, found " + pinches);
    }

    @Test
    void randomStressNeverPenetratesOrJumps() {
        Rng rng = new Rng(42);
        for (MazeLayout m : MazeLayout.all()) {
            PointMazePhysics p = new PointMazePhysics(m);
            List<Cell> free = m.freeCells();
            double[] xy = new double[2];
            for (int episode = 0; episode < 40; episode++) {
                Cell c = free.get(rng.nextInt(free.size()));
                xy[0] = c.x() + rng.uniform(-1, 1);
                xy[1] = c.y() + rng.uniform(-1, 1);
                // a persistent direction with jitter drives the disc into walls and corners often
                double dx = rng.uniform(-3, 3), dy = rng.uniform(-3, 3);
                for (int t = 0; t < 500; t++) {
                    if (t % 25 == 0) {
                        dx = rng.uniform(-3, 3);
                        dy = rng.uniform(-3, 3);
                    }
                    double x0 = xy[0], y0 = xy[1];
                    int i0 = MazeLayout.cellI(y0), j0 = MazeLayout.cellJ(x0);
                    p.move(xy, 0, dx + rng.nextGaussian() * 0.3, dy + rng.nextGaussian() * 0.3, null);
                    assertTrue(p.wallClearance(xy[0], xy[1]) >= R - 1e-9, m.name() + " penetrated at " + xy[0] + "," + xy[1]);
                    assertTrue(Math.hypot(xy[0] - x0, xy[1] - y0) <= 0.2 * Math.sqrt(2) + 0.05, "jump");
                    int i1 = MazeLayout.cellI(xy[1]), j1 = MazeLayout.cellJ(xy[0]);
                    assertFalse(m.isWall(i1, j1));
                    // a diagonal cell change must pass through a free side cell (no squeezing through a pinch)
                    if (i1 != i0 && j1 != j0) assertTrue(!m.isWall(i0, j1) || !m.isWall(i1, j0));
                }
            }
        }
    }

    @Test
    void teleportTriggersWithinOneAndAHalfAndDrawsUniformly() {
        PointMazePhysics p = new PointMazePhysics(MazeLayout.TELEPORT);
        Rng rng = new Rng(3);
        Cell in = new Cell(4, 6);
        double[] xy = {in.x(), in.y() + 1.5001};
        assertFalse(p.teleport(xy, 0, rng));
        assertEquals(in.y() + 1.5001, xy[1]);
        List<Cell> out = MazeLayout.TELEPORT.teleportOut();
        int[] counts = new int[out.size()];
        for (int k = 0; k < 3000; k++) {
            xy[0] = in.x() + 1.5;
            xy[1] = in.y();
            assertTrue(p.teleport(xy, 0, rng));
            int hit = -1;
            for (int o = 0; o < out.size(); o++) {
                if (xy[0] == out.get(o).x() && xy[1] == out.get(o).y()) hit = o;
            }
            assertTrue(hit >= 0, "lands exactly on an outbound centre");
            counts[hit]++;
        }
        for (int c : counts) assertTrue(c > 900 && c < 1100, "uniform destinations, got " + c);
        assertFalse(new PointMazePhysics(MazeLayout.MEDIUM).teleport(new double[] {0, 0}, 0, rng));
    }

    @Test
    void successRadiusIsInclusive() {
        assertTrue(PointMazePhysics.reached(1.0, 0, 0, 0));
        assertFalse(PointMazePhysics.reached(Math.nextUp(1.0), 0, 0, 0));
        assertFalse(PointMazePhysics.reached(0.6, 0.8001, 0, 0));
        assertTrue(PointMazePhysics.reached(-0.6, 0.79, 0, 0));
    }
}

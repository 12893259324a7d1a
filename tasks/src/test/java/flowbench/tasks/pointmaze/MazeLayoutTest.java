package flowbench.tasks.pointmaze;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class MazeLayoutTest {
    /** The grids of docs/benchmarks.md section 1.7, copied from the spec. */
    private static final String MEDIUM = String.join("\n", "########", "#..##..#", "#..#...#", "##...###", "#..#...#",
            "#.#..#.#", "#...#..#", "########") + "\n";
    private static final String LARGE = String.join("\n", "############", "#....#.....#", "#.##.#.#.#.#",
            "#......#...#", "#.####.###.#", "#..#.#.....#", "##.#.#.#.###", "#..#...#...#", "############") + "\n";
    private static final String GIANT = String.join("\n", "################", "#.#......##....#", "#.#.##.#.#..##.#",
            "#...#..#...#...#", "#.###.######.#.#", "#...#...#....#.#", "###.#.#..#.#.###", "#...#..#...#...#",
            "#.#.#.######.#.#", "#.###...#...##.#", "#.....#...#....#", "################") + "\n";
    private static final String TELEPORT = String.join("\n", "############", "#.....#.#..#", "##.#...#..##",
            "##.###.....#", "#....#.#.#.#", "#.##.#.#.#.#", "#.##.#.#.#.#", "#....#...#.#", "############") + "\n";

    @Test
    void gridsMatchTheSpec() {
        assertEquals(MEDIUM, MazeLayout.MEDIUM.render());
        assertEquals(LARGE, MazeLayout.LARGE.render());
        assertEquals(GIANT, MazeLayout.GIANT.render());
        assertEquals(TELEPORT, MazeLayout.TELEPORT.render());
        assertEquals(8, MazeLayout.MEDIUM.rows());
        assertEquals(8, MazeLayout.MEDIUM.cols());
        assertEquals(9, MazeLayout.LARGE.rows());
        assertEquals(12, MazeLayout.LARGE.cols());
        assertEquals(12, MazeLayout.GIANT.rows());
        assertEquals(16, MazeLayout.GIANT.cols());
        assertEquals(List.of("medium", "large", "giant", "teleport"),
                MazeLayout.all().stream().map(MazeLayout::name).toList());
    }

    @Test
    void evaluationTasksMatchTheSpecTable() {
        assertEquals("(1,1)>(6,6) (6,1)>(1,6) (5,3)>(4,2) (6,5)>(6,1) (2,6)>(1,1)", tasks(MazeLayout.MEDIUM));
        assertEquals("(1,1)>(7,10) (5,4)>(7,1) (7,4)>(1,10) (3,8)>(5,4) (1,1)>(5,4)", tasks(MazeLayout.LARGE));
        assertEquals("(1,1)>(10,14) (1,14)>(10,1) (8,14)>(1,1) (8,3)>(5,12) (5,9)>(3,8)", tasks(MazeLayout.GIANT));
        assertEquals("(1,10)>(7,1) (1,1)>(7,10) (5,6)>(7,10) (7,1)>(7,10) (5,6)>(7,1)", tasks(MazeLayout.TELEPORT));
        assertEquals(3, MazeLayout.LARGE.task(3).id());
        assertThrows(IllegalArgumentException.class, () -> MazeLayout.MEDIUM.task(0));
        assertThrows(IllegalArgumentException.class, () -> MazeLayout.MEDIUM.task(6));
    }

    private static String tasks(MazeLayout m) {
        return m.evaluationTasks().stream().map(t -> t.start() + ">" + t.goal()).collect(Collectors.joining(" "));
    }

    @Test
    void cellCentresAndInverse() {
        assertEquals(0.0, new Cell(1, 1).x());
        assertEquals(0.0, new Cell(1, 1).y());
        assertEquals(36.0, new Cell(7, 10).x()); // x = 4j - 4
        assertEquals(24.0, new Cell(7, 10).y()); // y = 4i - 4
        for (MazeLayout m : MazeLayout.all()) {
            for (Cell c : m.freeCells()) {
                for (double d : new double[] {-1.999, 0, 1.999}) {
                    assertEquals(c.i(), MazeLayout.cellI(c.y() + d));
                    assertEquals(c.j(), MazeLayout.cellJ(c.x() + d));
                }
            }
        }
        // cell j spans [4j - 6, 4j - 2): boundaries belong to the upper cell
        assertEquals(2, MazeLayout.cellJ(2.0));
        assertEquals(1, MazeLayout.cellJ(1.999999));
        assertEquals(0, MazeLayout.cellI(-2.5));
    }

    @Test
    void vertexCellsExcludeStraightCorridorsOnly() {
        Set<Cell> free = Set.copyOf(MazeLayout.MEDIUM.freeCells());
        Set<Cell> vertex = Set.copyOf(MazeLayout.MEDIUM.vertexCells());
        assertEquals(26, free.size());
        // worked out by hand from the medium grid: the five straight corridor cells
        Set<Cell> hallways = Set.of(new Cell(3, 3), new Cell(4, 5), new Cell(5, 1), new Cell(5, 6), new Cell(6, 2));
        for (Cell c : free) assertEquals(!hallways.contains(c), vertex.contains(c), c.toString());
        for (MazeLayout m : MazeLayout.all()) assertTrue(m.freeCells().containsAll(m.vertexCells()));
    }

    @Test
    void bfsDistances() {
        assertEquals(10, MazeLayout.MEDIUM.bfsDistance(new Cell(1, 1), new Cell(6, 6)));
        assertEquals(0, MazeLayout.MEDIUM.bfsDistance(new Cell(4, 2), new Cell(4, 2)));
        assertEquals(1, MazeLayout.MEDIUM.bfsDistance(new Cell(4, 2), new Cell(4, 1)));
        int[] d = MazeLayout.MEDIUM.bfsTo(new Cell(1, 1), false);
        assertEquals(-1, d[0]); // wall
        // teleport: (1, 7) is a closed cell; portals make task3's short path unusable when avoided
        assertEquals(-1, MazeLayout.TELEPORT.bfsDistance(new Cell(1, 7), new Cell(1, 1)));
        Cell s = new Cell(5, 6), g = new Cell(7, 10);
        assertEquals(10, MazeLayout.TELEPORT.bfsDistance(s, g));
        assertEquals(14, MazeLayout.TELEPORT.bfsTo(g, true)[s.i() * 12 + s.j()]);
        assertThrows(IllegalArgumentException.class, () -> MazeLayout.MEDIUM.bfsTo(new Cell(0, 0), false));
    }

    @Test
    void teleportPortals() {
        assertTrue(MazeLayout.TELEPORT.hasTeleports());
        assertFalse(MazeLayout.GIANT.hasTeleports());
        assertEquals(List.of(new Cell(4, 6), new Cell(5, 1)), MazeLayout.TELEPORT.teleportIn());
        assertEquals(List.of(new Cell(1, 7), new Cell(6, 1), new Cell(6, 10)), MazeLayout.TELEPORT.teleportOut());
    }

    @Test
    void badGridsAreRejectedWithTheirLocation() {
        List<MazeLayout.EvalTask> none = List.of();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MazeLayout.parse("x", List.of("####", "#..", "####"), none, List.of(), List.of()));
        assertTrue(e.getMessage().contains("row 1 has length 3, expected 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MazeLayout.parse("x", List.of("####", "#.o#", "####"), none, List.of(), List.of()));
        assertTrue(e.getMessage().contains("row 1 column 2 is 'o'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MazeLayout.parse("x", List.of("####", "#...", "####"), none, List.of(), List.of()));
        assertTrue(e.getMessage().contains("border"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MazeLayout.parse("x", List.of("####", "#..#", "####"),
                List.of(new MazeLayout.EvalTask(1, new Cell(1, 1), new Cell(0, 1))), List.of(), List.of()));
        assertTrue(e.getMessage().contains("task1 goal cell (0,1)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MazeLayout.named("huge"));
        assertTrue(e.getMessage().contains("huge"), e.getMessage());
    }
}

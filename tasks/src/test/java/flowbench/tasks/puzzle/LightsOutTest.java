package flowbench.tasks.puzzle;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** GF(2) algebra of the press matrix, cross-checked against brute force over every press set. */
class LightsOutTest {
    /** Press masks written out from the rule (the button and its in-grid 4-neighbours), independent of LightsOut. */
    private static int plus(int rows, int cols, int i, int j) {
        int m = 0;
        int[][] cells = {{i, j}, {i - 1, j}, {i + 1, j}, {i, j - 1}, {i, j + 1}};
        for (int[] c : cells) if (c[0] >= 0 && c[0] < rows && c[1] >= 0 && c[1] < cols) m |= 1 << (c[0] * cols + c[1]);
        return m;
    }

    /** Board reached from 0 by every press set: image[s] = A s. */
    private static int[] images(LightsOut lo) {
        int n = lo.buttons();
        int[] img = new int[1 << n];
        for (int s = 1; s < img.length; s++) {
            int low = Integer.numberOfTrailingZeros(s);
            img[s] = img[s & (s - 1)] ^ lo.press(low);
        }
        return img;
    }

    @Test
    void pressMasksArePlusShapes() {
        for (PuzzleSize size : PuzzleSize.values()) {
            LightsOut lo = size.lightsOut();
            for (int i = 0; i < size.rows(); i++) {
                for (int j = 0; j < size.cols(); j++) {
                    assertEquals(plus(size.rows(), size.cols(), i, j), lo.press(i * size.cols() + j), size + " " + i + "," + j);
                }
            }
            assertEquals(3, Integer.bitCount(lo.press(0)), "corner");
            assertEquals(4, Integer.bitCount(lo.press(1)), "edge");
            assertEquals(5, Integer.bitCount(lo.press(size.cols() + 1)), "centre");
        }
    }

    @Test
    void rankAndNullSpaceMatchBruteForce() {
        Map<PuzzleSize, Integer> nullity = Map.of(PuzzleSize.P3X3, 0, PuzzleSize.P4X4, 4, PuzzleSize.P4X5, 0,
                PuzzleSize.P4X6, 0);
        for (PuzzleSize size : PuzzleSize.values()) {
            LightsOut lo = size.lightsOut();
            assertEquals(nullity.get(size), lo.nullity(), size.label());
            for (int v : lo.nullSpaceBasis()) {
                assertNotEquals(0, v);
                assertEquals(0, lo.apply(0, v), "null-space press set changes nothing");
            }
        }
        for (PuzzleSize size : new PuzzleSize[] {PuzzleSize.P3X3, PuzzleSize.P4X4, PuzzleSize.P4X5}) {
            LightsOut lo = size.lightsOut();
            int[] img = images(lo);
            boolean[] reachable = new boolean[img.length];
            int distinct = 0;
            for (int b : img) if (!reachable[b]) { reachable[b] = true; distinct++; }
            assertEquals(1 << lo.rank(), distinct, size.label() + ": 2^rank reachable boards");
            for (int d = 0; d < reachable.length; d += size == PuzzleSize.P4X5 ? 7 : 1) {
                assertEquals(reachable[d], lo.solvable(d), size.label() + " d=" + d);
                if (reachable[d]) assertEquals(d, lo.apply(0, lo.particularSolution(d)));
            }
        }
    }

    @Test
    void minimalSolutionIsTheFewestPressesByBruteForce() {
        for (PuzzleSize size : new PuzzleSize[] {PuzzleSize.P3X3, PuzzleSize.P4X4}) {
            LightsOut lo = size.lightsOut();
            int[] img = images(lo);
            int[] fewest = new int[img.length];
            Arrays.fill(fewest, Integer.MAX_VALUE);
            for (int s = 0; s < img.length; s++) fewest[img[s]] = Math.min(fewest[img[s]], Integer.bitCount(s));
            for (int d = 0; d < img.length; d++) {
                int s = lo.minimalSolution(d);
                if (fewest[d] == Integer.MAX_VALUE) {
                    assertEquals(-1, s, "unreachable");
                } else {
                    assertEquals(d, lo.apply(0, s));
                    assertEquals(fewest[d], Integer.bitCount(s), size.label() + " d=" + d);
                }
            }
        }
    }

    /**
     * Every evaluation goal is reachable from its start (GF(2)), with the press counts documented in the README (3x3,
     * 4x4, 4x5 cross-checked by brute force over all press sets, 4x6 by light chasing over the 64 first-row choices).
     */
    @Test
    void everyEvaluationTaskIsSolvable() {
        Map<PuzzleSize, int[]> presses = Map.of(
                PuzzleSize.P3X3, new int[] {2, 5, 8, 9, 7},
                PuzzleSize.P4X4, new int[] {4, 6, 6, 6, 7},
                PuzzleSize.P4X5, new int[] {4, 10, 14, 16, 20},
                PuzzleSize.P4X6, new int[] {6, 8, 12, 16, 24});
        for (PuzzleSize size : PuzzleSize.values()) {
            LightsOut lo = size.lightsOut();
            assertEquals(5, size.evaluationTasks().size());
            for (PuzzleSize.EvalTask t : size.evaluationTasks()) {
                int d = t.start() ^ t.goal();
                assertNotEquals(0, d, "start differs from goal");
                assertTrue(lo.solvable(d), size.label() + " task" + t.id());
                int s = lo.minimalSolution(d);
                assertEquals(t.goal(), lo.apply(t.start(), s), size.label() + " task" + t.id());
                assertEquals(presses.get(size)[t.id() - 1], Integer.bitCount(s), size.label() + " task" + t.id());
                assertEquals(Integer.bitCount(s), lo.minimalPresses(t.start(), t.goal()));
            }
        }
        // 4x4: an unreachable goal (a single blue button) is reported as such
        LightsOut lo = PuzzleSize.P4X4.lightsOut();
        assertFalse(lo.solvable(1));
        assertEquals(-1, lo.minimalSolution(1));
        assertEquals(-1, lo.minimalPresses(0, 1));
    }

    @Test
    void boardsParseAndFormat() {
        PuzzleSize s = PuzzleSize.P3X3;
        assertEquals(0b010_101_010, PuzzleSize.parseBoard(3, 3, "010/101/010"));
        // bit k = i * C + j: row 0 column 1 is bit 1
        assertEquals(1 << 1, PuzzleSize.parseBoard(3, 3, "010/000/000"));
        assertEquals(1 << 5, PuzzleSize.parseBoard(3, 3, "000/001/000"));
        assertEquals("010/101/010", s.format(s.task(4).start()));
        assertEquals("111/111/111", s.format(s.task(4).goal()));
        assertEquals("1001/1001/1001/1001", PuzzleSize.P4X4.format(PuzzleSize.P4X4.task(4).start()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PuzzleSize.parseBoard(3, 3, "01/000/000"));
        assertTrue(e.getMessage().contains("row 0 has 2 buttons, expected 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PuzzleSize.parseBoard(3, 3, "012/000/000"));
        assertTrue(e.getMessage().contains("expected 0 (red) or 1 (blue)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.task(0));
        assertThrows(IllegalArgumentException.class, () -> s.task(6));
        assertEquals(PuzzleSize.P4X6, PuzzleSize.of("4x6"));
        assertThrows(IllegalArgumentException.class, () -> PuzzleSize.of("5x5"));
        assertEquals(500, PuzzleSize.P4X4.maxEpisodeSteps());
        assertEquals(1000, PuzzleSize.P4X5.maxEpisodeSteps());
        assertEquals(4, PuzzleSize.P3X3.defaultTask());
        assertEquals(2, PuzzleSize.P4X6.defaultTask());
    }
}

package flowbench.tasks.puzzle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * "Lights Out" on an R x C board as linear algebra over GF(2).
 *
 * <p>A board is an int bit mask, bit {@code k = i * C + j} = state of button (row i, column j), 0 = red, 1 = blue
 * (OGBench's row-major {@code .flatten()} order). Pressing button k XORs the board with {@link #press(int)}: the button
 * and its in-grid 4-neighbours. Presses commute and pressing twice undoes a press, so going from board {@code a} to
 * board {@code b} needs a press set {@code s} (a bit mask over buttons) with {@code A s = a ^ b}, where column k of
 * the symmetric matrix A is {@code press(k)}. This class row-reduces A once (Gauss-Jordan, rows as bit masks, tracking
 * which original equations every reduced row combines) and then answers, per difference {@code d}:
 * <ul>
 *   <li>{@link #solvable(int)}: every all-zero reduced row's combination of {@code d} has even parity;</li>
 *   <li>{@link #particularSolution(int)}: free variables 0, pivot variable of row r = parity(track_r &amp; d);</li>
 *   <li>{@link #minimalSolution(int)}: the particular solution XOR every combination of the null-space basis,
 *       fewest presses first (ties: the smaller mask as an unsigned number, so the answer is deterministic).</li>
 * </ul>
 * The null space is small on the benchmark sizes (dimension 0 for 3x3, 4x5 and 4x6, 4 for 4x4; see the tests), so
 * the minimum is an exact search over at most 16 candidates.
 */
public final class LightsOut {
    private final int rows;
    private final int cols;
    private final int n;
    private final int[] press;
    private final int rank;
    /** Pivot variable (button) of reduced row r < rank. */
    private final int[] pivotVar;
    /** Which original equations (board bits) reduced row r combines, r < rank. */
    private final int[] pivotTrack;
    /** Combinations of the original equations that reduce to 0 = 0: parity checks of the column space. */
    private final int[] checks;
    private final int[] nullBasis;

    public LightsOut(int rows, int cols) {
        if (rows < 1 || cols < 1 || rows * cols > 30) {
            throw new IllegalArgumentException("Lights Out board " + rows + "x" + cols
                    + " not supported: expected 1..30 buttons (a board is an int bit mask)");
        }
        this.rows = rows;
        this.cols = cols;
        this.n = rows * cols;
        this.press = new int[n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int m = bit(i, j);
                if (i > 0) m |= bit(i - 1, j);
                if (i + 1 < rows) m |= bit(i + 1, j);
                if (j > 0) m |= bit(i, j - 1);
                if (j + 1 < cols) m |= bit(i, j + 1);
                press[i * cols + j] = m;
            }
        }
        // equation b (board bit b): sum over k of [press(k) flips b] s_k = d_b
        int[] coef = new int[n];
        int[] track = new int[n];
        for (int b = 0; b < n; b++) {
            int row = 0;
            for (int k = 0; k < n; k++) if ((press[k] >>> b & 1) != 0) row |= 1 << k;
            coef[b] = row;
            track[b] = 1 << b;
        }
        int r = 0;
        int[] piv = new int[n];
        for (int k = 0; k < n && r < n; k++) {
            int p = r;
            while (p < n && (coef[p] >>> k & 1) == 0) p++;
            if (p == n) continue; // free variable
            int t = coef[p]; coef[p] = coef[r]; coef[r] = t;
            t = track[p]; track[p] = track[r]; track[r] = t;
            for (int q = 0; q < n; q++) {
                if (q != r && (coef[q] >>> k & 1) != 0) {
                    coef[q] ^= coef[r];
                    track[q] ^= track[r];
                }
            }
            piv[r++] = k;
        }
        this.rank = r;
        this.pivotVar = Arrays.copyOf(piv, r);
        this.pivotTrack = Arrays.copyOf(track, r);
        this.checks = Arrays.copyOfRange(track, r, n);
        int pivots = 0;
        for (int i = 0; i < r; i++) pivots |= 1 << piv[i];
        List<Integer> basis = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            if ((pivots >>> f & 1) != 0) continue;
            int v = 1 << f;
            for (int i = 0; i < r; i++) if ((coef[i] >>> f & 1) != 0) v |= 1 << pivotVar[i];
            basis.add(v);
        }
        this.nullBasis = basis.stream().mapToInt(Integer::intValue).toArray();
    }

    private int bit(int i, int j) {
        return 1 << (i * cols + j);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int buttons() {
        return n;
    }

    /** Mask of the buttons a press of button {@code k} flips: itself and its in-grid 4-neighbours. */
    public int press(int k) {
        return press[k];
    }

    /** The board after pressing every button of the press set {@code presses} once (order does not matter). */
    public int apply(int board, int presses) {
        int b = board;
        for (int s = presses; s != 0; s &= s - 1) b ^= press[Integer.numberOfTrailingZeros(s)];
        return b;
    }

    /** Rank of the press matrix over GF(2). */
    public int rank() {
        return rank;
    }

    /** Dimension of the null space: press sets that change nothing. 2^nullity press sets reach each reachable board. */
    public int nullity() {
        return n - rank;
    }

    /** A basis of the null space (press sets that leave every board unchanged). */
    public int[] nullSpaceBasis() {
        return nullBasis.clone();
    }

    /** Whether the difference {@code d = from ^ to} can be produced by presses, i.e. {@code to} is reachable. */
    public boolean solvable(int d) {
        for (int c : checks) if ((Integer.bitCount(c & d) & 1) != 0) return false;
        return true;
    }

    /** A press set producing {@code d} (free variables 0); meaningful only if {@link #solvable(int)}. */
    public int particularSolution(int d) {
        int s = 0;
        for (int i = 0; i < rank; i++) if ((Integer.bitCount(pivotTrack[i] & d) & 1) != 0) s |= 1 << pivotVar[i];
        return s;
    }

    /**
     * The press set with the fewest presses that turns a board into {@code board ^ d}; ties go to the smaller mask
     * (unsigned). Returns -1 if {@code d} is not reachable.
     */
    public int minimalSolution(int d) {
        if (!solvable(d)) return -1;
        int s0 = particularSolution(d);
        int best = s0;
        int bestCount = Integer.bitCount(s0);
        int combos = 1 << nullBasis.length;
        for (int c = 1; c < combos; c++) {
            int s = s0;
            for (int m = c; m != 0; m &= m - 1) s ^= nullBasis[Integer.numberOfTrailingZeros(m)];
            int cnt = Integer.bitCount(s);
            if (cnt < bestCount || (cnt == bestCount && Integer.compareUnsigned(s, best) < 0)) {
                best = s;
                bestCount = cnt;
            }
        }
        return best;
    }

    /** Fewest presses from {@code from} to {@code to}, or -1 if {@code to} is not reachable. */
    public int minimalPresses(int from, int to) {
        int s = minimalSolution(from ^ to);
        return s < 0 ? -1 : Integer.bitCount(s);
    }
}

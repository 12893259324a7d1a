package flowbench.tasks.pointmaze;

/**
 * A maze cell by (row i, column j), OGBench's {@code ij}. Row i grows with y, column j with x; the cell's centre is
 * (x, y) = (4j - 4, 4i - 4), so cell (1, 1) sits at the origin.
 */
public record Cell(int i, int j) {
    /** x of the cell centre. */
    public double x() {
        return MazeLayout.cellX(j);
    }

    /** y of the cell centre. */
    public double y() {
        return MazeLayout.cellY(i);
    }

    @Override
    public String toString() {
        return "(" + i + "," + j + ")";
    }
}

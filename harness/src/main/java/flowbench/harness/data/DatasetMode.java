package flowbench.harness.data;

/** OGBench's two loading modes (docs/benchmarks.md section 1.4). */
public enum DatasetMode {
    /** Drops each episode's last row; exactly episodes x steps transitions; terminals on the last valid transition. */
    REGULAR,
    /** Keeps every row, adds valids (false on each episode's final row); terminals on the last two rows. */
    COMPACT
}

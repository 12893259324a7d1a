package flowbench.baselines.flow;

/**
 * How flow time t in [0, 1] enters the velocity network.
 *
 * <ul>
 *   <li>{@code RAW}: t itself as one input column (QAM/FQL {@code ActorVectorField}, docs/qam.md section 4).</li>
 *   <li>{@code SINUSOIDAL16}: QGF's 16-dim embedding, u = 10000 t, f_j = exp(-ln(10000) j / 8), j = 0..7,
 *       [cos(u f_0..7), sin(u f_0..7)] (docs/qgf.md section 3.1).</li>
 * </ul>
 */
public enum TimeEmbedding {
    RAW(1),
    SINUSOIDAL16(16);

    private final int dim;

    TimeEmbedding(int dim) {
        this.dim = dim;
    }

    public int dim() {
        return dim;
    }

    /** Writes the embedding of t into out[offset .. offset + dim). */
    public void embed(float t, float[] out, int offset) {
        switch (this) {
            case RAW -> out[offset] = t;
            case SINUSOIDAL16 -> {
                double u = 10000.0 * t;
                for (int j = 0; j < 8; j++) {
                    double f = Math.exp(-Math.log(10000.0) * j / 8.0);
                    out[offset + j] = (float) Math.cos(u * f);
                    out[offset + 8 + j] = (float) Math.sin(u * f);
                }
            }
        }
    }
}

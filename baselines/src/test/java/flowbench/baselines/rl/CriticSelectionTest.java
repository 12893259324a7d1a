package flowbench.baselines.rl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link BestOfN} and {@link GradientAscent} on closed-form critics. */
class CriticSelectionTest {

    @Test
    void bestOfNPicksTheHighestValueAndTheFirstOnTies() {
        ExactCritic q = ExactCritic.quadratic(1, 1, 1f, 0f);
        float[] cond = {0f, 0f};
        // row 0: 0.9, 0.125, -0.5 → 0.125 (closest to 0); row 1: 0.5, -0.25, 0.25 → an exact tie of ±0.25, first wins
        float[] cand = {0.9f, 0.125f, -0.5f, 0.5f, -0.25f, 0.25f};
        float[] out = new float[2];
        int[] chosen = BestOfN.select(q, cond, cand, 2, 3, out, null);
        assertArrayEquals(new int[] {1, 1}, chosen);
        assertArrayEquals(new float[] {0.125f, -0.25f}, out);
    }

    @Test
    void gradStepAscendsAndClips() {
        ExactCritic q = ExactCritic.linear(1, 2, 1f);
        float[] a = {0.5f, -0.95f};
        GradientAscent.refine(q, new float[] {0f}, a, 1, 0.2f, 3);
        // 0.5 → 0.7 → 0.9 → 1.1 clipped to 1; -0.95 → -0.75 → -0.55 → -0.35
        assertEquals(1f, a[0]);
        assertEquals(-0.35f, a[1], 1e-6f);
    }
}

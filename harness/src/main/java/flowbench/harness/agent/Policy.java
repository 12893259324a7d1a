package flowbench.harness.agent;

import flowbench.harness.rng.Rng;

/**
 * Maps a batch of observations (and goals) to a batch of action chunks. Chunks are executed open-loop by the
 * evaluator: with chunk length H the policy is queried every H environment steps.
 */
public interface Policy {
    /** Chunk length H (1 = no chunking). */
    int chunkLength();

    /**
     * @param observations row-major, batch x obsDim
     * @param goals        row-major, batch x goalDim; empty array in single-task mode
     * @param batch        number of rows
     * @param rng          source of the policy's sampling noise (derived by the evaluator from the run seed)
     * @return row-major batch x (H * actionDim), chunk steps in order [a_0, ..., a_{H-1}]
     */
    float[] act(float[] observations, float[] goals, int batch, Rng rng);
}

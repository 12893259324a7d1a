package flowbench.harness.spi;

import flowbench.harness.agent.Algorithm;

import java.util.List;

/**
 * Registers algorithms with the harness through {@link java.util.ServiceLoader}, so that the harness (which owns the
 * CLI) never depends on the baselines module; the launcher puts both on the class path.
 */
public interface AlgorithmProvider {
    List<Algorithm<?>> algorithms();
}

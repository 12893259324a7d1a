package flowbench.harness.protocol;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.domain.Domain;

import java.util.Map;

/**
 * An algorithm whose code lives outside flowbench (an external learner, clients/PROTOCOL.md): its configuration is the
 * method's own JSON rather than a Java record's fields, it takes the run's budget and domain advice at creation, and
 * its record carries where its code came from. The {@link Runner} drives it exactly like a registered algorithm
 * otherwise.
 */
public interface ForeignAlgorithm<C extends Record> extends Algorithm<C> {
    /** The method's defaults with the user's overrides merged (each key must exist); no domain value is applied. */
    Configs.Resolved<C> resolve(Domain domain, Map<String, String> overrides);

    /**
     * A learner for one run; {@code protocol} gives the budget, {@code domain} the reference column's advice, and
     * {@code overrides} the settings the user chose (so the method can let them win over the domain's advice).
     */
    Learner create(C config, AgentContext context, Protocol protocol, Domain domain, Map<String, String> overrides);

    /** Provenance for the run record. */
    RunRecord.External provenance();
}

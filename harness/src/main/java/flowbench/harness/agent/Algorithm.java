package flowbench.harness.agent;

import flowbench.harness.domain.DomainSetting;

import java.util.List;

/**
 * An algorithm registered under a name. Its configuration is an immutable record whose defaults come from the
 * paper; the harness merges user overrides into it and stores the full record in every run.
 *
 * @param <C> configuration record type
 */
public interface Algorithm<C extends Record> {
    /** Registry name, e.g. "flow-bc". */
    String name();

    /** The paper that defines it (authors, venue/year). */
    String paper();

    /** "training-time" or "test-time". */
    String family();

    /** One-paragraph description for listings. */
    String description();

    Class<C> configType();

    /** Defaults for a profile: "paper" (the specification's defaults) or "cpu" (sized for minutes on 2 cores). */
    C defaultConfig(String profile);

    /**
     * This algorithm's own values for a reference column (docs/domains.md), e.g. FQL's α on
     * {@code puzzle-3x3-play-sparse}; applied after the column's shared values (chunk length, γ, ρ) and before the
     * user's overrides, in both profiles. Empty where the algorithm has no per-domain values.
     */
    default List<DomainSetting> domainSettings(String column) {
        return List.of();
    }

    Learner create(C config, AgentContext context);
}

package flowbench.harness.agent;

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

    Learner create(C config, AgentContext context);
}

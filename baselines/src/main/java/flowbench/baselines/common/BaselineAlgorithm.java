package flowbench.baselines.common;

import flowbench.harness.agent.Algorithm;
import flowbench.harness.domain.DomainSetting;

import java.util.List;
import java.util.function.Supplier;

/**
 * The registry entry of one algorithm of this module: its fixed metadata and its two default configs, the
 * {@code paper} profile (the reference's network sizes and budgets) and the {@code cpu} profile (sized for minutes on
 * 2 cores), and its per-domain values ({@link DomainTable}), which both profiles take. Subclasses add only
 * {@link #create}.
 */
public abstract class BaselineAlgorithm<C extends Record> implements Algorithm<C> {
    private final String name;
    private final String family;
    private final String paper;
    private final String description;
    private final Class<C> configType;
    private final Supplier<C> paperProfile;
    private final Supplier<C> cpuProfile;

    /**
     * @param family "training-time" or "test-time"
     * @param paper  the paper that defines it (authors, title, venue/year)
     */
    protected BaselineAlgorithm(String name, String family, String paper, String description, Class<C> configType,
                                Supplier<C> paperProfile, Supplier<C> cpuProfile) {
        this.name = name;
        this.family = family;
        this.paper = paper;
        this.description = description;
        this.configType = configType;
        this.paperProfile = paperProfile;
        this.cpuProfile = cpuProfile;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String paper() {
        return paper;
    }

    @Override
    public final String family() {
        return family;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Class<C> configType() {
        return configType;
    }

    /** From {@link DomainTable}: this algorithm's values for the column, with their sources. */
    @Override
    public List<DomainSetting> domainSettings(String column) {
        return DomainTable.settings(name, column);
    }

    @Override
    public final C defaultConfig(String profile) {
        return switch (profile) {
            case "paper" -> paperProfile.get();
            case "cpu" -> cpuProfile.get();
            default -> throw new IllegalArgumentException(name + ": unknown profile '" + profile + "', expected paper or cpu");
        };
    }
}

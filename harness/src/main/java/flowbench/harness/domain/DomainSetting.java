package flowbench.harness.domain;

/**
 * One per-domain config value and where it comes from, e.g. {@code alpha = 300} from
 * {@code ColinQiyangLi/qam@f93efd2 experiments/reproduce.py, agent_params['FQL']}. Applied as an override of the
 * profile's default, under the user's own overrides; every applied setting is recorded with the run.
 *
 * @param key    config key (the algorithm's own name for it)
 * @param value  value as it would be typed after {@code --set key=}
 * @param source the paper and table, or repository, commit and file, it was taken from
 */
public record DomainSetting(String key, String value, String source) {
    public DomainSetting {
        if (key == null || key.isBlank()) throw new IllegalArgumentException("domain setting without a key");
        if (value == null) throw new IllegalArgumentException("domain setting '" + key + "' without a value");
        if (source == null || source.isBlank()) throw new IllegalArgumentException("domain setting '" + key + "' without a source");
    }
}

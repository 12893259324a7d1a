package flowbench.web;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a reader needs to judge whether rows are comparable: the profiles, the domain columns (docs/domains.md: the
 * reference column whose per-domain values a config took) and the config hashes of the runs behind a row. A row that
 * aggregates runs of several configs lists every distinct value, comma separated, rather than one picked for it.
 *
 * @param profiles distinct profiles, sorted
 * @param columns  distinct domain columns, sorted; {@link #NO_COLUMN} for a record without a domain block
 * @param hashes   distinct config hashes, sorted
 */
public record ConfigSummary(List<String> profiles, List<String> columns, List<String> hashes) {
    /** The column of a record that has no domain block (not "none", which is a real column: nothing tuned). */
    public static final String NO_COLUMN = "—";
    /** Hex digits of a config hash shown on pages (downloads carry the full hash). */
    public static final int SHORT_HASH = 8;

    public ConfigSummary {
        profiles = distinct(profiles);
        columns = distinct(columns);
        hashes = distinct(hashes);
    }

    /** The distinct values over the scores' runs. */
    static ConfigSummary of(Collection<Store.PolicyScore> scores) {
        return new ConfigSummary(scores.stream().map(Store.PolicyScore::profile).toList(),
                scores.stream().map(s -> column(s.domainColumn())).toList(),
                scores.stream().map(Store.PolicyScore::configHash).toList());
    }

    static String column(String domainColumn) {
        return domainColumn == null ? NO_COLUMN : domainColumn;
    }

    static String shortHash(String h) {
        return h == null ? "" : h.substring(0, Math.min(SHORT_HASH, h.length()));
    }

    String profileText() {
        return String.join(", ", profiles);
    }

    String columnText() {
        return String.join(", ", columns);
    }

    /** Full hashes in downloads, their first {@value #SHORT_HASH} hex digits on the page. */
    Table.Cell hashCell() {
        return Table.shown(String.join(", ", hashes), String.join(", ", hashes.stream().map(ConfigSummary::shortHash).toList()));
    }

    private static List<String> distinct(Collection<String> values) {
        Set<String> s = new TreeSet<>();
        for (String v : values) s.add(v == null ? "" : v);
        return List.copyOf(s);
    }
}

package flowbench.baselines.common;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.domain.DomainSetting;
import flowbench.harness.io.Json;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Per-domain values of this module's algorithms, read from {@code flowbench/baselines/domain-settings.json}: per
 * algorithm, a source (repository, commit, file and the table in it) and per reference column the values it sets.
 * Kept as data, beside the code, so that it can be checked line by line against the reference scripts and printed into
 * docs/domains.md; {@code DomainSettingsTest} checks every key against the algorithm's config.
 */
public final class DomainTable {
    static final String RESOURCE = "/flowbench/baselines/domain-settings.json";
    private static final JsonNode TABLE = load();

    private DomainTable() {}

    private static JsonNode load() {
        try (InputStream in = DomainTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("resource " + RESOURCE + " is missing from the baselines jar");
            return Json.mapper().readTree(in).get("algorithms");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** The values algorithm {@code name} sets on {@code column}, in file order; empty where it sets none. */
    public static List<DomainSetting> settings(String name, String column) {
        JsonNode a = TABLE.get(name);
        if (a == null) return List.of();
        JsonNode c = a.get("columns").get(column);
        if (c == null) return List.of();
        String source = a.get("source").asText() + ", column " + column;
        List<DomainSetting> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            String text = v.isNumber() ? new BigDecimal(v.asText()).stripTrailingZeros().toPlainString() : v.asText();
            out.add(new DomainSetting(e.getKey(), text, source));
        }
        return out;
    }

    /** Every algorithm named in the table. */
    public static List<String> algorithms() {
        List<String> out = new ArrayList<>();
        TABLE.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** Every column the table gives {@code name} values for. */
    public static List<String> columns(String name) {
        List<String> out = new ArrayList<>();
        JsonNode a = TABLE.get(name);
        if (a != null) a.get("columns").fieldNames().forEachRemaining(out::add);
        return out;
    }
}

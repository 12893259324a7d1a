package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run page's provenance of a method that ran as an external learner: command, method, client, fingerprint. */
class ExternalProvenanceTest {
    static Map<String, String> rows(RunRecord.External ex) {
        Table t = new Table("provenance", "Provenance", List.of("field", "value"));
        Site.externalRows(t, ex);
        Map<String, String> out = new LinkedHashMap<>();
        for (List<Table.Cell> r : t.rows()) out.put(String.valueOf(r.get(0).value()), String.valueOf(r.get(1).value()));
        return out;
    }

    @Test
    void showsTheCommandTheMethodAndTheEnvironmentFingerprint() throws Exception {
        JsonNode agent = Json.mapper().readTree("{\"name\":\"torch-flow-bc\",\"version\":\"0.1.0\",\"family\":\"training-time\","
                + "\"code_url\":\"https://github.com/example/method\",\"deterministic\":true,\"tolerance\":0.0}");
        JsonNode client = Json.mapper().readTree("{\"name\":\"flowbench-client\",\"version\":\"0.1.0\"}");
        JsonNode env = Json.mapper().readTree("{\"language\":\"python 3.11.7\",\"platform\":\"Linux-6.1-x86_64\","
                + "\"packages_sha256\":\"" + "ab".repeat(32) + "\",\"packages\":31,"
                + "\"git\":{\"revision\":\"0123456789abcdef0123456789abcdef01234567\",\"dirty\":true,\"remote\":\"https://github.com/example/method.git\"},"
                + "\"accelerator\":\"cpu\"}");
        Map<String, String> r = rows(new RunRecord.External("python train.py --fast", 1, agent, client, env));
        assertEquals("python train.py --fast", r.get("external learner command"));
        assertEquals("1", r.get("external protocol version"));
        assertEquals("0.1.0", r.get("method version"));
        assertEquals("https://github.com/example/method", r.get("method code"));
        assertEquals("true", r.get("method declares deterministic"));
        assertEquals("flowbench-client 0.1.0", r.get("client"));
        assertEquals("python 3.11.7", r.get("interpreter"));
        assertEquals("31 (list SHA-256 " + "ab".repeat(32) + ")", r.get("installed packages"));
        assertEquals("0123456789abcdef0123456789abcdef01234567 (uncommitted changes)", r.get("method git revision"));
        assertEquals("https://github.com/example/method.git", r.get("method git remote"));
        assertEquals("cpu", r.get("accelerator"));
    }

    @Test
    void aFlowbenchAlgorithmHasNoneAndAMinimalFingerprintReadsHonestly() throws Exception {
        assertTrue(rows(null).isEmpty());
        JsonNode agent = Json.mapper().readTree("{\"name\":\"m\",\"version\":\"1\"}");
        Map<String, String> r = rows(new RunRecord.External("m", 1, agent, null, Json.mapper().readTree("{\"git\":null}")));
        assertEquals("(none given)", r.get("method code"));
        assertEquals("not declared", r.get("method declares deterministic"));
        assertEquals("(not a git checkout)", r.get("method git revision"));
        assertFalse(r.containsKey("method git remote"));
        StringBuilder html = new StringBuilder();
        Table t = new Table("provenance", "Provenance", List.of("field", "value"));
        Site.externalRows(t, new RunRecord.External("<script>alert(1)</script>", 1, agent, null, null));
        t.html(html);
        assertFalse(html.toString().contains("<script>"), "the command is escaped: " + html);
    }
}

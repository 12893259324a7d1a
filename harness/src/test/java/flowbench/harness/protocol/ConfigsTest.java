package flowbench.harness.protocol;

import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigsTest {
    private final FakeAlgorithm alg = new FakeAlgorithm();

    @Test
    void noOverridesGivesTheProfileDefaults() {
        assertEquals(alg.defaultConfig("cpu"), Configs.merge(alg, "cpu", Map.of()));
        assertEquals(alg.defaultConfig("paper"), Configs.merge(alg, "paper", Map.of()));
    }

    @Test
    void overridesOfEveryKindOfField() {
        FakeConfig c = Configs.merge(alg, "paper", Map.of(
                "lr", "3e-4", "batch", "16", "tag", "1e5", "layers", "[512,512,512]",
                "noise.scale", "0.5", "noise.enabled", "false", "mode", "FAST"));
        assertEquals(3e-4, c.lr());
        assertEquals(16, c.batch());
        assertEquals("1e5", c.tag(), "a string field keeps the text verbatim, not the number 100000.0");
        assertEquals(List.of(512, 512, 512), c.layers());
        assertEquals(new FakeConfig.Noise(0.5, false), c.noise());
        assertEquals(FakeConfig.Mode.FAST, c.mode());
        assertEquals(3, c.chunk(), "untouched fields keep the profile default");
    }

    @Test
    void unknownKeyNamesItListsValidKeysAndSuggests() {
        var e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("lrr", "0.1")));
        String m = e.getMessage();
        assertTrue(m.contains("'lrr'") && m.contains("fake-bc"), m);
        assertTrue(m.contains("did you mean lr"), m);
        assertTrue(m.contains("valid keys: lr, batch, tag, layers, noise.scale, noise.enabled, mode, chunk"), m);
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("noise.sigma", "1")));
        assertTrue(e.getMessage().contains("'noise.sigma'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("lr.x", "1")));
        assertTrue(e.getMessage().contains("not a nested record"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("noise", "1")));
        assertTrue(e.getMessage().contains("noise.scale"), e.getMessage());
    }

    @Test
    void typeErrorsSayWhatIsExpected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("batch", "abc")));
        assertEquals("config key 'batch' of algorithm 'fake-bc' expects an integer, got 'abc'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("batch", "1.5")));
        assertTrue(e.getMessage().contains("expects an integer, got '1.5'"), "no silent truncation of 1.5 to 1: " + e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("lr", "fast")));
        assertTrue(e.getMessage().contains("expects a number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("mode", "MEDIUM")));
        assertTrue(e.getMessage().contains("one of [FAST, SLOW]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("layers", "7x")));
        assertTrue(e.getMessage().contains("JSON list"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("batch", "null")));
        assertTrue(e.getMessage().contains("expects an integer"), e.getMessage());
    }

    @Test
    void recordValidationStillRunsAfterMerge() {
        var e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "paper", Map.of("lr", "-1")));
        assertTrue(e.getMessage().contains("lr must be > 0"), e.getMessage());
    }

    @Test
    void unknownProfileIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(alg, "gpu", Map.of()));
        assertTrue(e.getMessage().contains("no profile 'gpu'"), e.getMessage());
    }

    @Test
    void hashIsOfCanonicalJsonWithSortedKeys() {
        FakeConfig c = alg.defaultConfig("paper");
        String canonical = flowbench.harness.io.Json.canonical(c);
        assertEquals("{\"batch\":8,\"chunk\":3,\"layers\":[256,256],\"lr\":0.05,\"mode\":\"SLOW\",\"noise\":{\"enabled\":true,\"scale\":0.1},\"tag\":\"paper\"}",
                canonical);
        assertEquals(flowbench.harness.io.Json.sha256Hex(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)), Configs.hash(c));
        assertEquals(64, Configs.hash(c).length());
        assertEquals(Configs.hash(c), Configs.hash(Configs.merge(alg, "paper", Map.of("lr", "0.05"))),
                "overriding with the default value changes nothing");
        assertNotEquals(Configs.hash(c), Configs.hash(Configs.merge(alg, "paper", Map.of("lr", "0.06"))));
    }
}

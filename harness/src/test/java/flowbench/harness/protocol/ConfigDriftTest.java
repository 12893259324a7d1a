package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConfigDriftTest {
    private static JsonNode j(String s) throws Exception {
        return Json.mapper().readTree(s);
    }

    @Test
    void valueChangesCountRenamesAndMergesWithEqualValuesDoNot() throws Exception {
        // moved: goals.discount -> discount (same value); merged: goals.discount next to an equal discount
        assertEquals(Map.of(), ConfigDrift.diff(j("{\"a\":1,\"goals\":{\"discount\":0.99,\"p\":0.5}}"),
                j("{\"a\":1.0,\"discount\":0.99,\"goals\":{\"p\":0.5}}")));
        assertEquals(Map.of(), ConfigDrift.diff(j("{\"discount\":0.99,\"goals\":{\"discount\":0.99}}"),
                j("{\"discount\":0.99,\"goals\":{}}")));
        var d = ConfigDrift.diff(j("{\"alpha\":3.0,\"horizon\":1,\"mask\":\"TERMINALS\",\"goals\":{\"discount\":0.9}}"),
                j("{\"alpha\":300,\"horizon\":1,\"mask\":\"DATASET\",\"discount\":0.99,\"extra\":[1,2]}"));
        assertEquals(java.util.Set.of("alpha", "mask", "goals.discount", "discount", "extra"), d.keySet());
        assertEquals(300, d.get("alpha").now().asInt());
        assertEquals(null, d.get("extra").was());
    }
}

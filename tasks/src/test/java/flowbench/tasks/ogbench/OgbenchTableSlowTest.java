package flowbench.tasks.ogbench;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every task of the table against the live OGBench envs ({@code serve.py --describe}): dims, lengths, default tasks,
 * success timing. The handshake checks the same at run time; this catches a wrong table entry before anyone runs it.
 * Builds 94 envs in one process (the 26 of the generated datasets took about 12 s on a loaded 2-core machine); the
 * handshake checks the same at every run.
 */
@Tag("slow")
class OgbenchTableSlowTest {
    @Test
    void tableMatchesOgbench() throws Exception {
        Path py = BridgeTestSupport.bridgePython();
        OgbenchTaskProvider provider = new OgbenchTaskProvider();
        List<OgbenchTask> tasks = new ArrayList<>();
        for (OgbenchDataset d : OgbenchDataset.ALL) {
            tasks.add(OgbenchTask.goalConditioned(d));
            tasks.add(OgbenchTask.defaultSingleTask(d));
        }
        List<String> cmd = new ArrayList<>(List.of(py.toString(), "-m", "flowbench_ogbench.serve", "--describe"));
        for (OgbenchTask t : tasks) cmd.add(t.envName());
        Path err = Files.createTempFile("describe", ".err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), Files.readString(err));
        String[] lines = out.strip().split("\n");
        assertEquals(tasks.size(), lines.length);
        for (int i = 0; i < lines.length; i++) {
            JsonNode j = Json.mapper().readTree(lines[i]);
            OgbenchTask t = tasks.get(i);
            String where = t.name();
            assertEquals(t.envName(), j.get("env").asText(), where);
            assertEquals(t.spec().obsDim(), j.get("obs_dim").asInt(), where);
            assertEquals(t.spec().actionDim(), j.get("action_dim").asInt(), where);
            assertEquals(t.spec().goalDim(), j.get("goal_dim").asInt(), where);
            assertEquals(t.spec().maxEpisodeSteps(), j.get("max_steps").asInt(), where);
            assertEquals(t.dataset().numTasks(), j.get("num_tasks").asInt(), where);
            assertEquals(t.successTiming().name().toLowerCase(), j.get("success_timing").asText(), where);
            assertEquals(t.taskId(), j.get("task_id").asInt(), where);
            assertTrue(provider.task(t.name()).isPresent(), where);
        }
    }
}

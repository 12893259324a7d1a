package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.rng.Rng;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real thing: a child JVM runs the spec and is killed with SIGKILL at arbitrary moments (mid-update, mid-write,
 * mid-rename); the run is then finished in-process and must equal an uninterrupted run modulo timing fields.
 */
@Tag("slow")
class KillResumeTest {
    @TempDir
    Path tmp;

    static RunSpec spec(Path data) {
        return new RunSpec(FakeAlgorithm.NAME, FakeTask.GC, data.toString(), 11, "cpu", Map.of(),
                new Protocol(1200, 200, true, 6, 37, 10, 5, "adhoc", 0));
    }

    /** Child process: runs the spec slowly (2 ms per update) so that kills land everywhere. */
    public static void main(String[] args) throws IOException {
        RunHooks slow = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        new Runner(RunFixture.REGISTRY).run(spec(Path.of(args[1])), Path.of(args[0]), RunOptions.defaults().withHooks(slow));
    }

    @Test
    void killedAtRandomMomentsEndsWithTheUninterruptedRecord() throws Exception {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        Runner runner = new Runner(RunFixture.REGISTRY);
        RunOutcome ref = runner.run(spec(data), tmp.resolve("ref"), RunOptions.defaults());
        Path out = tmp.resolve("killed");
        Path runDir = Runner.runDir(out, spec(data));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Rng rng = new Rng(2026);
        int kills = 0;
        for (int i = 0; i < 12; i++) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), KillResumeTest.class.getName(),
                    out.toString(), data.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("child.log").toFile())).start();
            long delay = 300 + rng.nextInt(1500);
            if (!p.waitFor(delay, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
                p.waitFor();
                kills++;
            }
            if (Files.exists(runDir.resolve(Runner.RUN_JSON))
                    && Files.readString(runDir.resolve(Runner.RUN_JSON)).contains("\"status\" : \"complete\"")) break;
        }
        assertTrue(kills >= 3, "only " + kills + " kills landed; child output:\n" + Files.readString(tmp.resolve("child.log")));
        RunOutcome o = runner.run(spec(data), out, RunOptions.defaults());
        JsonNode a = RunFixture.comparable(ref.runDir());
        JsonNode b = RunFixture.comparable(o.runDir());
        // the child JVM has other heap settings than this one: machine legitimately differs when it finished the run
        ((ObjectNode) a).remove("machine");
        ((ObjectNode) b).remove("machine");
        assertEquals(List.of(), RunFixture.differences(a, b));
        assertEquals(RunFixture.trainRows(ref.runDir()), RunFixture.trainRows(o.runDir()));
        assertEquals(Files.readString(ref.runDir().resolve(Runner.EVAL_CSV)), Files.readString(o.runDir().resolve(Runner.EVAL_CSV)));
        assertEquals(List.of("step-000000001200"), RunFixture.checkpointNames(o.runDir()));
        try (var s = Files.list(o.runDir())) {
            assertEquals(List.of(".lock", "checkpoints", "config.json", "eval.csv", "run.json", "train.csv"),
                    s.map(x -> x.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
        System.out.println("kills: " + kills + ", resumes recorded: " + o.record().resumes());
    }
}

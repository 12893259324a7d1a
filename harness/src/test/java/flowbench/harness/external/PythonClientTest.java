package flowbench.harness.external;

import flowbench.harness.protocol.RunFixture;
import flowbench.harness.protocol.RunHooks;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunOutcome;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.Runner;
import flowbench.harness.testing.FakeTask;
import flowbench.harness.testing.Pythons;
import flowbench.harness.testing.SimulatedCrash;
import flowbench.testkit.Requirement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Python client (clients/python) against the real harness: its own unit tests (protocol, seeds and samplers equal
 * to the Java ones, the serve loop), and its numpy example agent run by the {@link Runner}: complete, repeatable, and
 * resumed after a stop to the uninterrupted record. Needs a python3 with NumPy (FLOWBENCH_PYTHON, else python3).
 */
class PythonClientTest {
    static final Path CLIENT = Path.of("..", "clients", "python").toAbsolutePath().normalize();
    private static String python;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findNumpy() {
        python = Pythons.withNumpy();
    }

    @Test
    void theClientsOwnTestsPass() throws Exception {
        Requirement.NUMPY.assume(python != null, "a python3 with NumPy");
        ProcessBuilder pb = new ProcessBuilder(python, "-m", "unittest", "discover", "-s", "tests", "-v")
                .directory(CLIENT.toFile()).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", CLIENT.resolve("src").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "unittest did not finish in 10 minutes:\n" + out);
        System.out.println(out.lines().filter(l -> l.startsWith("Ran ") || l.startsWith("OK") || l.contains("skipped"))
                .reduce((a, b) -> a + "\n" + b).orElse(""));
        assertEquals(0, p.exitValue(), out);
    }

    private ExternalAlgorithm numpyExample() {
        Requirement.NUMPY.assume(python != null, "a python3 with NumPy");
        String cmd = "env PYTHONPATH=" + quote(CLIENT.resolve("src").toString()) + " " + quote(python) + " "
                + quote(CLIENT.resolve("examples/numpy_bc.py").toString());
        return ExternalAlgorithm.start(cmd, tmp, Duration.ofSeconds(120), null, Set.copyOf(RunFixture.REGISTRY.algorithmNames()));
    }

    private RunOutcome run(Path data, Path out, RunOptions options) throws IOException {
        ExternalAlgorithm ext = numpyExample();
        try {
            RunSpec spec = new RunSpec(ext.name(), FakeTask.GC, data.toString(), 7, "cpu", Map.of(), ExternalRunTest.PROTOCOL);
            return new Runner(RunFixture.REGISTRY.withAlgorithm(ext)).run(spec, out, options);
        } finally {
            ext.closeIdle();
        }
    }

    @Test
    void theNumpyExampleRunsRepeatsAndResumes() throws Exception {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        RunOutcome a = run(data, tmp.resolve("a"), RunOptions.defaults());
        assertTrue(a.record().complete());
        assertEquals("numpy-bc", a.record().identity().algorithm());
        assertEquals("flowbench-client", a.record().external().client().path("name").asText());
        assertTrue(a.record().external().environment().path("language").asText().startsWith("python 3"),
                a.record().external().environment().toString());
        assertTrue(a.record().external().environment().path("packages_sha256").asText().matches("[0-9a-f]{64}"));
        RunOutcome b = run(data, tmp.resolve("b"), RunOptions.defaults());
        assertEquals(List.of(), RunFixture.differences(RunFixture.comparable(a.runDir()), RunFixture.comparable(b.runDir())));

        Path out = tmp.resolve("stopped");
        RunHooks stopAt37 = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                if (step == 37) throw new SimulatedCrash("after update 37");
            }
        };
        assertThrows(SimulatedCrash.class, () -> run(data, out, RunOptions.defaults().withHooks(stopAt37)));
        RunOutcome resumed = run(data, out, RunOptions.defaults());
        assertEquals(30, resumed.resumedFromStep());
        assertEquals(List.of(), RunFixture.differences(RunFixture.comparable(a.runDir()), RunFixture.comparable(resumed.runDir())));
        assertEquals(RunFixture.trainRows(a.runDir()), RunFixture.trainRows(resumed.runDir()));
        assertEquals(Files.readString(a.runDir().resolve(Runner.EVAL_CSV)), Files.readString(resumed.runDir().resolve(Runner.EVAL_CSV)));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}

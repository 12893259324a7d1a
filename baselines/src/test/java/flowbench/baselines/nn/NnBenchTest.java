package flowbench.baselines.nn;

import flowbench.harness.spi.BenchProvider;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NnBenchTest {
    @Test
    void registeredAndPrintsOneLinePerConfiguration() throws Exception {
        BenchProvider nn = ServiceLoader.load(BenchProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(b -> b.name().equals("nn")).findFirst().orElseThrow();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        nn.run(List.of("--sizes", "2x16", "--activations", "relu,gelu", "--batch", "8", "--steps", "3", "--reps", "3",
                "--warmup", "1", "--warmup-seconds", "0"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("cores " + Runtime.getRuntime().availableProcessors()), out);
        assertEquals(2, out.lines().filter(l -> l.startsWith("nn step 2x16")).count(), out);
        assertTrue(out.contains("3 reps x 3 steps"), out);
        assertThrows(IllegalArgumentException.class, () -> nn.run(List.of("--steps", "0"), System.out));
        assertThrows(IllegalArgumentException.class, () -> nn.run(List.of("--bogus", "1"), System.out));
    }

    @Test
    void benchStepReducesTheLoss() {
        NnBench.Step s = new NnBench.Step(MlpConfig.of(40, new int[] {64, 64}, 8, Activation.GELU), 32,
                flowbench.harness.rng.Seeds.rng(1));
        s.run();
        double first = s.loss;
        for (int i = 0; i < 300; i++) s.run();
        assertTrue(s.loss < 0.5 * first, "loss " + first + " -> " + s.loss);
    }
}

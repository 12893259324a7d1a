package flowbench.baselines.common;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Checkpoint;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearnerModulesTest {

    /** Two trained nets, a target copy of the first, and a part with its own parameters, as a learner registers them. */
    private static final class Setup {
        final Mlp actor;
        final Mlp critic;
        final Mlp target;
        final Mlp partNet;
        final LearnerModules modules = new LearnerModules();

        Setup(long seed) {
            MlpConfig cfg = new MlpConfig(3, new int[] {8}, 2, Activation.GELU, LayerNormPlacement.NONE, false);
            actor = modules.train("actor", new Mlp(cfg, new Rng(seed)));
            target = modules.keep("target_actor", actor.copy());
            critic = modules.train("critic", new Mlp(cfg, new Rng(seed + 1)));
            partNet = new Mlp(cfg, new Rng(seed + 2));
            modules.part("part_", (ck, prefix) -> ck.add(prefix + "net", partNet), () -> 1000);
            modules.optimise("adam", AdamConfig.of(1e-2));
        }

        /** One Adam step on the gradient of sum(outputs) of both trained nets. */
        double step() {
            modules.zeroGrads();
            for (Mlp m : List.of(actor, critic)) {
                Mlp.Tape tape = m.newTape(4);
                m.forward(tape, new float[] {1, 2, 3, 0, 1, 0, -1, 2, 1, 0.5f, 0, 0}, 4);
                m.backward(tape, new float[] {1, 1, 1, 1, 1, 1, 1, 1}, modules.grads(m), null);
            }
            return modules.step();
        }
    }

    private static float[] values(Parameters p) {
        float[] v = new float[p.size()];
        for (int i = 0; i < v.length; i++) v[i] = p.get(i);
        return v;
    }

    @Test
    void oneAdamOverTheTrainedModulesInRegistrationOrder() {
        Setup s = new Setup(1);
        assertEquals(List.of(s.actor, s.critic), s.modules.trained());
        assertSame(s.modules.grads()[0], s.modules.grads(s.actor));
        assertSame(s.modules.grads()[1], s.modules.grads(s.critic));
        float[] target = values(s.target.parameters());
        float[] actor = values(s.actor.parameters());
        assertTrue(s.step() > 0);
        assertNotEquals(actor[0], s.actor.parameters().get(0), "trained modules move");
        assertArrayEquals(target, values(s.target.parameters()), "kept modules do not");
        assertEquals(s.actor.parameterCount() + s.critic.parameterCount() + 1000, s.modules.parameterCount(),
                "targets are copies and not counted; parts count themselves");
        assertThrows(IllegalArgumentException.class, () -> s.modules.grads(s.target));
        assertThrows(IllegalStateException.class, () -> s.modules.train("late", s.partNet));
        assertThrows(IllegalStateException.class, () -> s.modules.optimise("adam2", AdamConfig.of(1e-3)));
    }

    @Test
    void checkpointHoldsEveryEntryAndRestoresTrainingBitExactly(@TempDir Path dir) throws IOException {
        Setup a = new Setup(1);
        a.step();
        a.modules.checkpoint().write(dir.resolve("ck.bin"));
        Setup b = new Setup(7);
        b.modules.checkpoint().read(dir.resolve("ck.bin"));
        for (Mlp[] pair : new Mlp[][] {{a.actor, b.actor}, {a.critic, b.critic}, {a.target, b.target}, {a.partNet, b.partNet}}) {
            assertArrayEquals(values(pair[0].parameters()), values(pair[1].parameters()));
        }
        assertEquals(a.step(), b.step(), 0.0, "the restored Adam continues identically");
        assertArrayEquals(values(a.actor.parameters()), values(b.actor.parameters()));
        // the file names exactly the registered entries: a checkpoint without the part is rejected
        Checkpoint partial = new Checkpoint().add("actor", b.actor).add("target_actor", b.target).add("critic", b.critic);
        IOException e = assertThrows(IOException.class, () -> partial.read(dir.resolve("ck.bin")));
        assertTrue(e.getMessage().contains("part_net") || e.getMessage().contains("adam"), e.getMessage());
    }
}

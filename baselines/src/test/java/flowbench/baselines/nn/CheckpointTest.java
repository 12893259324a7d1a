package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save/load round trip (bit-identical resumption), determinism, and bad-file errors. */
class CheckpointTest {
    static final MlpConfig ACTOR = new MlpConfig(6, new int[] {24, 24}, 3, Activation.GELU,
            LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, false);
    static final MlpConfig CRITIC = new MlpConfig(9, new int[] {16, 16}, 1, Activation.RELU,
            LayerNormPlacement.AFTER_ACTIVATION, false);

    /** A miniature learner: actor + critic ensemble + target critic, one clipped Adam over actor and critic. */
    static final class Learner {
        final Mlp actor;
        final MlpEnsemble critic, target;
        final Adam adam;
        final Mlp.Tape actorTape;
        final MlpEnsemble.Tape criticTape;
        final Gradients ga, gc;

        Learner(long seed) {
            actor = new Mlp(ACTOR, Seeds.rng(seed, "init", "actor"));
            critic = new MlpEnsemble(CRITIC, 2, Seeds.rng(seed, "init", "critic"));
            target = critic.copy();
            adam = new Adam(AdamConfig.of(1e-3).withClipGlobalNorm(1.0), actor, critic);
            actorTape = actor.newTape(8);
            criticTape = critic.newTape(8);
            ga = actor.newGradients();
            gc = critic.newGradients();
        }

        void step(long t) {
            Rng r = Seeds.rng(99, "batch", t);
            float[] x = new float[8 * 6], q = new float[8 * 9];
            r.fillGaussian(x);
            r.fillGaussian(q);
            ga.zero();
            gc.zero();
            float[] a = actor.forward(actorTape, x, 8);
            float[] dA = new float[a.length];
            for (int i = 0; i < a.length; i++) dA[i] = 2 * a[i] / a.length;
            actor.backward(actorTape, dA, ga, null);
            float[] y = critic.forward(criticTape, q, 8);
            float[] dY = new float[y.length];
            for (int i = 0; i < y.length; i++) dY[i] = (y[i] - 1f) / y.length;
            critic.backward(criticTape, dY, gc, null);
            adam.step(ga, gc);
            target.parameters().polyakUpdate(critic.parameters(), 0.005);
        }

        Checkpoint checkpoint() {
            return new Checkpoint().add("actor", actor).add("critic", critic).add("target_critic", target)
                    .add("opt", adam);
        }

        float[] state() {
            float[] a = actor.parameters().toArray(), c = critic.parameters().toArray(), t = target.parameters().toArray();
            float[] all = Arrays.copyOf(a, a.length + c.length + t.length + 2 * adam.firstMoment(1).length);
            System.arraycopy(c, 0, all, a.length, c.length);
            System.arraycopy(t, 0, all, a.length + c.length, t.length);
            System.arraycopy(adam.firstMoment(1), 0, all, a.length + c.length + t.length, c.length);
            System.arraycopy(adam.secondMoment(1), 0, all, a.length + 2 * c.length + t.length, c.length);
            return all;
        }
    }

    @Test
    void resumedTrainingIsBitIdentical(@TempDir Path dir) throws IOException {
        Learner straight = new Learner(1);
        for (int t = 0; t < 10; t++) straight.step(t);

        Learner first = new Learner(1);
        for (int t = 0; t < 5; t++) first.step(t);
        Path file = dir.resolve("nets.bin");
        first.checkpoint().write(file);
        Learner resumed = new Learner(12345); // different init: everything must come from the file
        resumed.checkpoint().read(file);
        assertEquals(5, resumed.adam.stepCount());
        for (int t = 5; t < 10; t++) resumed.step(t);

        assertArrayEquals(straight.state(), resumed.state());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void sameSeedSameNumbersDifferentSeedDifferentNumbers() {
        Learner a = new Learner(7), b = new Learner(7), c = new Learner(8);
        for (int t = 0; t < 4; t++) {
            a.step(t);
            b.step(t);
            c.step(t);
        }
        assertArrayEquals(a.state(), b.state());
        float[] x = new float[8 * 9];
        Seeds.rng(3).fillGaussian(x);
        assertArrayEquals(a.critic.forward(a.criticTape, x, 8), b.critic.forward(b.criticTape, x, 8));
        assertFalse(Arrays.equals(a.state(), c.state()));
    }

    @Test
    void badFilesFailWithoutTouchingTheModel(@TempDir Path dir) throws IOException {
        Learner l = new Learner(1);
        l.step(0);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        l.checkpoint().write(bytes);
        byte[] good = bytes.toByteArray();
        float[] before = new Learner(2).state();

        // truncated
        Learner other = new Learner(2);
        var e = assertThrows(IOException.class,
                () -> other.checkpoint().read(new ByteArrayInputStream(Arrays.copyOf(good, good.length - 10)), "x.bin"));
        assertTrue(e.getMessage().contains("x.bin") && e.getMessage().contains("truncated"), e.getMessage());
        assertArrayEquals(before, other.state(), "a failed read must leave the objects unchanged");

        // not a checkpoint
        e = assertThrows(IOException.class,
                () -> other.checkpoint().read(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), "y.bin"));
        assertTrue(e.getMessage().contains("not a flowbench nn checkpoint"), e.getMessage());

        // entry missing on the reading side / on the file side
        Checkpoint fewer = new Checkpoint().add("actor", other.actor);
        e = assertThrows(IOException.class, () -> fewer.read(new ByteArrayInputStream(good), "z.bin"));
        assertTrue(e.getMessage().contains("entry 'critic' is not expected"), e.getMessage());
        Checkpoint more = other.checkpoint().add("value", new Mlp(ACTOR, Seeds.rng(1)));
        e = assertThrows(IOException.class, () -> more.read(new ByteArrayInputStream(good), "z.bin"));
        assertTrue(e.getMessage().contains("missing entries [value]"), e.getMessage());

        // wrong architecture
        Mlp wide = new Mlp(new MlpConfig(6, new int[] {32, 24}, 3, Activation.GELU,
                LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, false), Seeds.rng(1));
        Checkpoint wrong = new Checkpoint().add("actor", wide).add("critic", other.critic)
                .add("target_critic", other.target).add("opt", other.adam);
        e = assertThrows(IOException.class, () -> wrong.read(new ByteArrayInputStream(good), "w.bin"));
        assertTrue(e.getMessage().contains("w.bin: entry 'actor': parameter layout mismatch"), e.getMessage());

        // optimiser with other hyperparameters
        Adam otherAdam = new Adam(AdamConfig.of(3e-4), other.actor, other.critic);
        Checkpoint hp = new Checkpoint().add("actor", other.actor).add("critic", other.critic)
                .add("target_critic", other.target).add("opt", otherAdam);
        e = assertThrows(IOException.class, () -> hp.read(new ByteArrayInputStream(good), "h.bin"));
        assertTrue(e.getMessage().contains("optimiser hyperparameters differ"), e.getMessage());
        assertArrayEquals(before, other.state());
    }
}

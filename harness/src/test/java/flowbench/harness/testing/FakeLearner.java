package flowbench.harness.testing;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.Dataset;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Deterministic learner: a linear map fitted by SGD to the dataset's actions. Its state (parameters and update count)
 * is saved exactly, so a resumed run must reproduce an uninterrupted one bit for bit.
 *
 * <p>Crash injection for resume tests: {@link #CRASH_ON_ACT} (the n-th policy query throws) and
 * {@link #CRASH_IN_SAVE} (the n-th save writes half its file, then throws).
 */
public final class FakeLearner implements Learner {
    public static final AtomicInteger CRASH_ON_ACT = new AtomicInteger(-1);
    public static final AtomicInteger CRASH_IN_SAVE = new AtomicInteger(-1);

    private final FakeConfig config;
    private final Dataset train;
    private final Dataset val;
    private final boolean goalConditioned;
    private final float[] w = new float[6]; // 2x2 matrix + bias
    private long updates;
    private static final long UPDATE_MICROS = Long.getLong("flowbench.test.fakeUpdateMicros", 0);

    FakeLearner(FakeConfig config, AgentContext ctx) {
        this.config = config;
        this.train = ctx.train();
        this.val = ctx.validation();
        this.goalConditioned = ctx.task().spec().goalDim() > 0;
        Rng init = Seeds.rng(ctx.seed(), "init");
        for (int i = 0; i < w.length; i++) w[i] = (float) (0.1 * init.nextGaussian());
    }

    private double loss(Dataset d, int row, float[] grad) {
        float[] o = d.observations();
        float[] a = d.actions();
        double l = 0;
        for (int k = 0; k < 2; k++) {
            double pred = w[2 * k] * o[2 * row] + w[2 * k + 1] * o[2 * row + 1] + w[4 + k];
            double err = pred - a[2 * row + k];
            l += err * err;
            if (grad != null) {
                grad[2 * k] += (float) (2 * err * o[2 * row]);
                grad[2 * k + 1] += (float) (2 * err * o[2 * row + 1]);
                grad[4 + k] += (float) (2 * err);
            }
        }
        return l;
    }

    @Override
    public Map<String, Double> update(long step, Rng rng) {
        // tests of worker processes (kill -9, scancel) need runs that last long enough to be stopped mid-way
        if (UPDATE_MICROS > 0) java.util.concurrent.locks.LockSupport.parkNanos(UPDATE_MICROS * 1000);
        float[] grad = new float[6];
        double l = 0;
        for (int b = 0; b < config.batch(); b++) l += loss(train, rng.nextInt(train.size()), grad);
        double norm = 0;
        for (int i = 0; i < 6; i++) {
            w[i] -= (float) (config.lr() * grad[i] / config.batch());
            norm += grad[i] * grad[i];
        }
        updates++;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", l / config.batch());
        m.put("grad_norm", Math.sqrt(norm));
        m.put("updates", (double) updates);
        return m;
    }

    @Override
    public Map<String, Double> validate(Rng rng) {
        double l = 0;
        for (int b = 0; b < 16; b++) l += loss(val, rng.nextInt(val.size()), null);
        return Map.of("loss", l / 16);
    }

    @Override
    public Map<String, Policy> policies() {
        Map<String, Policy> p = new LinkedHashMap<>();
        p.put("greedy", new LinearPolicy(1, 0));
        p.put("noisy-chunk", new LinearPolicy(config.chunk(), config.noise().enabled() ? config.noise().scale() : 0));
        return p;
    }

    private final class LinearPolicy implements Policy {
        private final int h;
        private final double noise;

        LinearPolicy(int h, double noise) {
            this.h = h;
            this.noise = noise;
        }

        @Override
        public int chunkLength() {
            return h;
        }

        @Override
        public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
            if (CRASH_ON_ACT.get() >= 0 && CRASH_ON_ACT.getAndDecrement() == 0) throw new SimulatedCrash("policy query");
            float[] out = new float[batch * h * 2];
            for (int r = 0; r < batch; r++) {
                float x = obs[2 * r];
                float y = obs[2 * r + 1];
                for (int k = 0; k < h; k++) {
                    for (int d = 0; d < 2; d++) {
                        double a = w[2 * d] * x + w[2 * d + 1] * y + w[4 + d];
                        // goal seeking: steer so the chunk's k-th step still heads to the goal (open-loop plan)
                        if (goalConditioned) a += 2.0 * (goals[2 * r + d] - (d == 0 ? x : y)) / (1 + 0.2 * k);
                        if (noise > 0) a += noise * rng.nextGaussian();
                        out[(r * h + k) * 2 + d] = (float) a; // deliberately unclipped: the evaluator clips
                    }
                }
            }
            return out;
        }
    }

    @Override
    public void save(Path dir) throws IOException {
        Path f = dir.resolve("params.bin");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(f))) {
            out.writeLong(updates);
            if (CRASH_IN_SAVE.get() >= 0 && CRASH_IN_SAVE.getAndDecrement() == 0) {
                out.writeFloat(w[0]);
                out.flush();
                throw new SimulatedCrash("half-written checkpoint");
            }
            for (float v : w) out.writeFloat(v);
        }
    }

    @Override
    public void load(Path dir) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("params.bin")))) {
            updates = in.readLong();
            for (int i = 0; i < w.length; i++) w[i] = in.readFloat();
        }
    }

    @Override
    public long parameterCount() {
        return w.length;
    }
}

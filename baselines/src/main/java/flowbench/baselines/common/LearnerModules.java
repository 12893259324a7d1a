package flowbench.baselines.common;

import flowbench.baselines.nn.Adam;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Checkpoint;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Module;
import flowbench.baselines.rl.TanhNormalPolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Everything of one learner that holds state across steps, by checkpoint name, so that its optimiser, checkpoint and
 * parameter count are derived from one list and cannot disagree:
 * <ul>
 *   <li>{@link #train trained} modules: optimised by the learner's one Adam ({@link #optimise}), in registration order
 *       (the order of the Adam's blocks, of {@link #grads()} and of the global-norm clip's sum), counted as parameters;</li>
 *   <li>{@link #keep kept} modules: saved, not optimised, not counted (Polyak target copies);</li>
 *   <li>{@link #part parts} with optimisers of their own (the IQL critic): saved under a prefix and counted.</li>
 * </ul>
 * The checkpoint lists the entries in registration order, the Adam state where {@link #optimise} was called.
 */
public final class LearnerModules {
    private final List<Consumer<Checkpoint>> entries = new ArrayList<>();
    private final List<Module> trained = new ArrayList<>();
    private final List<LongSupplier> partCounts = new ArrayList<>();
    private Adam adam;
    private Gradients[] grads;

    /** Registers a module the learner's Adam optimises. */
    public <M extends Module> M train(String name, M module) {
        requireOpen(name);
        trained.add(module);
        entries.add(ck -> ck.add(name, module));
        return module;
    }

    /**
     * Registers the three modules of a TanhNormal policy as trained, saved as {@code prefix + "trunk"},
     * {@code prefix + "mean"} and {@code prefix + "log_std"}.
     */
    public TanhNormalPolicy train(String prefix, TanhNormalPolicy policy) {
        List<Module> m = policy.modules();
        train(prefix + "trunk", m.get(0));
        train(prefix + "mean", m.get(1));
        train(prefix + "log_std", m.get(2));
        return policy;
    }

    /** Registers a module that is saved but not optimised (a Polyak target). */
    public <M extends Module> M keep(String name, M module) {
        entries.add(ck -> ck.add(name, module));
        return module;
    }

    /**
     * Registers a part with its own optimisers: {@code addTo} puts its entries into a checkpoint under {@code prefix}
     * (e.g. {@code IqlCritic::addTo}), {@code parameterCount} counts its trainable parameters.
     */
    public void part(String prefix, BiFunction<Checkpoint, String, Checkpoint> addTo, LongSupplier parameterCount) {
        entries.add(ck -> addTo.apply(ck, prefix));
        partCounts.add(parameterCount);
    }

    /**
     * Creates the one Adam over every trained module (call once, after the last {@link #train}) and its gradient
     * holders, and saves its state as {@code name}.
     */
    public Adam optimise(String name, AdamConfig config) {
        if (adam != null) throw new IllegalStateException("optimise called twice (Adam '" + name + "')");
        if (trained.isEmpty()) throw new IllegalStateException("optimise: no trained module registered");
        adam = new Adam(config, trained);
        grads = new Gradients[trained.size()];
        for (int i = 0; i < grads.length; i++) grads[i] = trained.get(i).newGradients();
        Adam a = adam;
        entries.add(ck -> ck.add(name, a));
        return adam;
    }

    private void requireOpen(String name) {
        if (adam != null) throw new IllegalStateException("module '" + name + "' registered after optimise: the Adam would not cover it");
    }

    private Gradients[] requireGrads() {
        if (grads == null) throw new IllegalStateException("no gradients before optimise");
        return grads;
    }

    /** The trained modules in registration order. */
    public List<Module> trained() {
        return List.copyOf(trained);
    }

    /** Gradient holders of the trained modules, in registration order (the Adam's order). */
    public Gradients[] grads() {
        return requireGrads();
    }

    /** The gradient holder of one trained module. */
    public Gradients grads(Module module) {
        Gradients[] g = requireGrads();
        for (int i = 0; i < trained.size(); i++) if (trained.get(i) == module) return g[i];
        throw new IllegalArgumentException("module " + module + " is not trained by this learner");
    }

    /** The gradient holders of several trained modules, in the given order. */
    public Gradients[] grads(List<? extends Module> ms) {
        Gradients[] out = new Gradients[ms.size()];
        for (int i = 0; i < out.length; i++) out[i] = grads(ms.get(i));
        return out;
    }

    /** Zeroes every gradient holder. */
    public void zeroGrads() {
        for (Gradients g : requireGrads()) g.zero();
    }

    /** One Adam step on the accumulated gradients; returns the global gradient norm before clipping. */
    public double step() {
        return adam.step(requireGrads());
    }

    /** A checkpoint of every registered entry, in registration order. */
    public Checkpoint checkpoint() {
        Checkpoint ck = new Checkpoint();
        for (Consumer<Checkpoint> e : entries) e.accept(ck);
        return ck;
    }

    /** Trainable parameters: the trained modules and the parts (targets are copies and not counted). */
    public long parameterCount() {
        long n = 0;
        for (Module m : trained) n += m.parameterCount();
        for (LongSupplier p : partCounts) n += p.getAsLong();
        return n;
    }
}

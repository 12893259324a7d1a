#!/usr/bin/env python3
"""JAX (CPU) peer of `flowbench bench train` for FQL, ReBRAC and QAM: one jitted update step per algorithm.

Written from the papers' descriptions and the flowbench Java implementations (baselines/.../algorithms/{FQL,ReBRAC,QAM}
.java, flow/AdjointMatching.java, flow/FlowMatching.java, rl/TdCritic.java, common/TdBackup.java), so that each step here
does the same work as the Java `Learner.update` of the same config: the same networks and shapes, the same losses,
the same forward/backward passes (the Euler ODEs, the SDE, the lean adjoint's VJPs, ...), one Adam over all trained
modules (with the global-norm clip where the Java has one) and the same Polyak updates. See bench/JAX_PEER.md for
what is identical and what is not.

    .venv-jax/bin/python bench/jax_update_step.py --algorithms fql,rebrac,qam --profiles cpu,paper --steps 200 --reps 3
    .venv-jax/bin/python bench/jax_update_step.py --check            # losses over 200 cpu-size steps, parameter counts

Every (algorithm, profile) line has the columns of `flowbench bench train` (algorithm, profile, parameters, steps,
median/s, min/s, max/s) plus steps per CPU-second of this process (time.process_time over the timed reps, all
threads), which stays comparable on a loaded machine when XLA runs one compute thread (--single-thread).
"""

import argparse
import os
import sys
import time

# ------------------------------------------------------------------------------------------------------------------
# Configs: `FLOWBENCH_NO_BUILD=1 ./flowbench algorithms --task jpointmaze-medium-navigate-singletask-task1-v0
# --profile cpu|paper fql rebrac qam` (that task follows the antmaze-large-navigate column: H = 1, gamma 0.99,
# rho 0.5, FQL alpha 3, ReBRAC alpha_actor 0.01 and actor_noise 0, QAM lambda 10). Only the keys the update step reads.
# Goal sampling is irrelevant: the task is single-task, so the conditioning is the observation alone.
# ------------------------------------------------------------------------------------------------------------------

_CPU = dict(actor_hidden=(128, 128), critic_hidden=(128, 128), batch=64, num_qs=4)
_PAPER = dict(actor_hidden=(512, 512, 512, 512), critic_hidden=(512, 512, 512, 512), batch=256, num_qs=10)

CONFIGS = {
    "fql": dict(lr=3e-4, rho=0.5, discount=0.99, tau=0.005, flow_steps=10, horizon=1, alpha=3.0, clip_grad=0.0),
    "rebrac": dict(lr=3e-4, rho=0.5, discount=0.99, tau=0.005, horizon=1, alpha_actor=0.01, actor_noise=0.0,
                   noise_clip=0.5, actor_freq=2, actor_every_step=True, clip_grad=0.0),
    "qam": dict(lr=3e-4, clip_grad=1.0, rho=0.5, discount=0.99, tau=0.005, flow_steps=10, horizon=1, inv_temp=10.0),
}
PROFILES = {"cpu": _CPU, "paper": _PAPER}

# What the Java prints for the same configs on jpointmaze-medium-navigate-singletask-task1-v0 (observation 2, action 2):
# `./flowbench bench train --algorithms fql,rebrac,qam --profiles cpu,paper` (parameters column). Trainable parameters
# only: Polyak target copies are not counted (LearnerModules.parameterCount), and neither are they here.
JAVA_PARAMETERS = {
    ("fql", "cpu"): 106120, ("fql", "paper"): 9534990,
    ("rebrac", "cpu"): 88326, ("rebrac", "paper"): 8741900,
    ("qam", "cpu"): 106248, ("qam", "paper"): 9535502,
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--algorithms", default="fql,rebrac,qam", help="comma list of fql, rebrac, qam")
    p.add_argument("--profiles", default=None, help="comma list of cpu, paper (default cpu,paper; cpu with --check)")
    p.add_argument("--steps", "--train-steps", dest="steps", type=int, default=None,
                   help="update steps per timed rep (default 200 cpu / 20 paper; `flowbench bench train` now defaults to 500 cpu; "
                        "that command calls this --train-steps, its --steps is the dataset size)")
    p.add_argument("--reps", type=int, default=3, help="timed repetitions (default 3)")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed steps after compilation (default max(3, steps/5))")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--obs-dim", type=int, default=2, help="conditioning width (jpointmaze-medium single-task: 2)")
    p.add_argument("--action-dim", type=int, default=2, help="action width A; the chunk is D = horizon * A")
    p.add_argument("--single-thread", action="store_true",
                   help="pin the process to one core before jax loads, so XLA runs one compute thread (the same as "
                        "`taskset -c 0`); compare with the Java under OPENBLAS_NUM_THREADS=1 or taskset")
    p.add_argument("--check", action="store_true",
                   help="no timing: run --steps (default 200) updates per (algorithm, profile; default cpu), print the "
                        "losses every 20 steps, fail on a non-finite loss or a parameter count that differs from Java")
    a = p.parse_args(argv)
    a.algorithms = [s.strip() for s in a.algorithms.split(",") if s.strip()]
    a.profiles = [s.strip() for s in (a.profiles or ("cpu" if a.check else "cpu,paper")).split(",") if s.strip()]
    for s in a.algorithms:
        if s not in CONFIGS:
            p.error(f"unknown algorithm {s} (known: {', '.join(CONFIGS)})")
    for s in a.profiles:
        if s not in PROFILES:
            p.error(f"unknown profile {s} (known: {', '.join(PROFILES)})")
    for name in ("steps", "reps", "warmup"):
        v = getattr(a, name)
        if v is not None and v < (0 if name == "warmup" else 1):
            p.error(f"--{name} must be positive, got {v}")
    return a


ARGS = parse_args(sys.argv[1:]) if __name__ == "__main__" else None
if ARGS is not None and ARGS.single_thread:
    # XLA sizes its CPU thread pool by the cores this process may run on, so one core means one compute thread. (With
    # jax 0.10 the usual XLA_FLAGS recipe, --xla_cpu_multi_thread_eigen=false, still leaves 4 busy threads.)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import jax  # noqa: E402  (after XLA_FLAGS)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

jax.config.update("jax_platforms", "cpu")

sg = jax.lax.stop_gradient
LN_EPS = 1e-6  # MlpCore.LN_EPS (flax LayerNorm default)


# ------------------------------------------------------------------------------------------------------------------
# Networks. An MLP is a tuple of layers {w, b[, ln_scale, ln_bias]}: Dense -> GELU(tanh approx.) -> LayerNorm (when
# on) for every hidden layer, a linear output layer (MlpConfig with activateFinal = false; LayerNorm AFTER_ACTIVATION
# in the critics, NONE in every actor). Glorot-uniform kernels, zero biases, LayerNorm scale 1 and bias 0.
# ------------------------------------------------------------------------------------------------------------------

def mlp_init(key, sizes, layer_norm=False):
    layers = []
    keys = jax.random.split(key, len(sizes) - 1)
    for i, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
        lim = float(np.sqrt(6.0 / (fi + fo)))
        layer = {"w": jax.random.uniform(keys[i], (fi, fo), jnp.float32, -lim, lim), "b": jnp.zeros((fo,), jnp.float32)}
        if layer_norm and i < len(sizes) - 2:
            layer["ln_scale"] = jnp.ones((fo,), jnp.float32)
            layer["ln_bias"] = jnp.zeros((fo,), jnp.float32)
        layers.append(layer)
    return tuple(layers)


def layer_norm(x, scale, bias):
    # two-pass mean and population variance, as the Java kernel (ScalarKernels.layerNormForward)
    mean = jnp.mean(x, axis=-1, keepdims=True)
    xc = x - mean
    var = jnp.mean(xc * xc, axis=-1, keepdims=True)
    return xc * jax.lax.rsqrt(var + LN_EPS) * scale + bias


def mlp_apply(params, x):
    last = len(params) - 1
    for i, layer in enumerate(params):
        x = x @ layer["w"] + layer["b"]
        if i < last:
            x = jax.nn.gelu(x, approximate=True)
            if "ln_scale" in layer:
                x = layer_norm(x, layer["ln_scale"], layer["ln_bias"])
    return x


def ensemble_init(key, sizes, k):
    """K independently initialised critic members, parameters stacked on a leading axis (TdCritic / MlpEnsemble)."""
    return jax.vmap(lambda kk: mlp_init(kk, sizes, layer_norm=True))(jax.random.split(key, k))


def ensemble_q(params, cond, actions):
    """Q_k(c, a) of every member on the input [c, a]: K x B (member-major, as MlpEnsemble)."""
    x = jnp.concatenate([cond, actions], axis=-1)
    return jax.vmap(mlp_apply, in_axes=(0, None))(params, x)[..., 0]


def safe_std(q):
    """Population std over the members (axis 0); zero value and zero gradient where all members agree (the Java's
    guard in ReBRAC's actor loss; elsewhere the std is never differentiated)."""
    var = jnp.mean(jnp.square(q - jnp.mean(q, axis=0)), axis=0)
    pos = var > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, var, 1.0)), 0.0)


def q_agg(q, rho):
    """mean_k Q_k - rho * std_k Q_k (TdCritic.aggregate)."""
    return jnp.mean(q, axis=0) - rho * safe_std(q)


def field(params, cond, x, t):
    """Velocity field v(c, x, t) on [c, x, t] with raw t (OfflineLearner.referenceFlow, TimeEmbedding.RAW)."""
    t = jnp.asarray(t, jnp.float32)  # one time for all rows, or one per row
    t = jnp.broadcast_to(t.reshape(-1, 1) if t.ndim else t, (x.shape[0], 1))
    return mlp_apply(params, jnp.concatenate([cond, x, t], axis=-1))


def euler_ode(params, cond, z, steps):
    """EulerSampler.integrate: x <- z; x <- x + v(c, x, i/N)/N for i = 0..N-1; clip to [-1, 1]. No gradient."""
    params = sg(params)
    x = z
    h = np.float32(1.0 / steps)
    for i in range(steps):
        x = x + field(params, cond, x, np.float32(i) / np.float32(steps)) * h
    return jnp.clip(x, -1.0, 1.0)


def td_loss(critic, target_critic, batch, next_actions, rho, discount_h):
    """TdCritic.targets + loss: y = R + gamma^H m Qagg_target(s'_H, a') (constant); mean_{k,b}(Q_k(s, a) - y)^2 v."""
    y = batch["rewards"] + discount_h * batch["masks"] * q_agg(ensemble_q(target_critic, batch["next_obs"], next_actions), rho)
    y = sg(y)
    q = ensemble_q(critic, batch["obs"], batch["actions"])
    return jnp.mean(jnp.square(q - y[None, :]) * batch["valid"][None, :])


def flow_matching_loss(params, cond, actions, valid, key):
    """FlowMatching.loss (UNIFORM times): mean_b[v_b * mean_d (v(c, x_t, t) - (x1 - x0))^2]."""
    k0, kt = jax.random.split(key)
    x0 = jax.random.normal(k0, actions.shape, jnp.float32)
    t = jax.random.uniform(kt, (actions.shape[0], 1), jnp.float32)
    xt = (1.0 - t) * x0 + t * actions
    v = field(params, cond, xt, t)
    return jnp.mean(jnp.mean(jnp.square(v - (actions - x0)), axis=-1) * valid)


def polyak(target, online, tau):
    """theta_bar <- theta_bar + tau (theta - theta_bar) (Parameters.polyakUpdate, a lerp)."""
    return jax.tree_util.tree_map(lambda t, o: t + tau * (o - t), target, online)


def make_optimizer(cfg):
    adam = optax.adam(cfg["lr"], b1=0.9, b2=0.999, eps=1e-8)
    return optax.chain(optax.clip_by_global_norm(cfg["clip_grad"]), adam) if cfg["clip_grad"] > 0 else adam


def count(tree):
    return int(sum(np.prod(x.shape) for x in jax.tree_util.tree_leaves(tree)))


# ------------------------------------------------------------------------------------------------------------------
# FQL (FQL.FqlLearner.update): critic TD with a' = clip(mu(s'_H, z)); BC flow matching of v_beta; one-step policy
# alpha * mean_{b,d}(mu(c, z) - clip(ODE(v_beta, c, z)))^2 - mean_b mean_k Q_k(c, clip(mu(c, z))) with the current
# critic frozen and the ODE target constant; one Adam (no clip) over critic, v_beta and mu; Polyak on the critic.
# ------------------------------------------------------------------------------------------------------------------

def fql_init(key, cfg, cond_dim, d):
    kc, kf, ko = jax.random.split(key, 3)
    critic = ensemble_init(kc, (cond_dim + d, *cfg["critic_hidden"], 1), cfg["num_qs"])
    params = {"critic": critic,
              "actor_bc_flow": mlp_init(kf, (cond_dim + d + 1, *cfg["actor_hidden"], d)),
              "actor_onestep_flow": mlp_init(ko, (cond_dim + d, *cfg["actor_hidden"], d))}
    return params, {"critic": jax.tree_util.tree_map(jnp.array, critic)}


def fql_losses(params, target, batch, key, cfg):
    kn, kb, kz = jax.random.split(key, 3)
    obs, actions = batch["obs"], batch["actions"]
    b, d = actions.shape
    # critic: next action from the one-step policy (its parameters are not trained by this term)
    zn = jax.random.normal(kn, (b, d), jnp.float32)
    a_next = jnp.clip(mlp_apply(sg(params["actor_onestep_flow"]), jnp.concatenate([batch["next_obs"], zn], -1)), -1.0, 1.0)
    critic_loss = td_loss(params["critic"], target["critic"], batch, a_next, cfg["rho"], cfg["discount_h"])
    bc = flow_matching_loss(params["actor_bc_flow"], obs, actions, batch["valid"], kb)
    z = jax.random.normal(kz, (b, d), jnp.float32)
    a_flow = euler_ode(params["actor_bc_flow"], obs, z, cfg["flow_steps"])  # constant target
    mu = mlp_apply(params["actor_onestep_flow"], jnp.concatenate([obs, z], -1))
    distill = jnp.mean(jnp.square(mu - a_flow))
    q_mean = jnp.mean(jnp.mean(ensemble_q(sg(params["critic"]), obs, jnp.clip(mu, -1.0, 1.0)), axis=0))
    total = critic_loss + bc + cfg["alpha"] * distill - q_mean
    return total, {"critic_loss": critic_loss, "bc_flow_loss": bc, "distill_loss": distill, "q_loss": -q_mean,
                   "actor_loss": bc + cfg["alpha"] * distill - q_mean}


def fql_step(state, batch, cfg, opt):
    key, sub = jax.random.split(state["key"])
    grads, m = jax.grad(fql_losses, has_aux=True)(state["params"], state["target"], batch, sub, cfg)
    updates, opt_state = opt.update(grads, state["opt"], state["params"])
    params = optax.apply_updates(state["params"], updates)
    target = {"critic": polyak(state["target"]["critic"], params["critic"], cfg["tau"])}
    return {"params": params, "target": target, "opt": opt_state, "key": key, "step": state["step"] + 1}, m


# ------------------------------------------------------------------------------------------------------------------
# ReBRAC (ReBRAC.RebracLearner.update, actorEveryStep = true): critic TD with a' = clip(tanh(pi_bar(s'_H)) + noise)
# (no noise drawn when actor_noise = 0); actor -lambda mean_b q_b + alpha_a mean_b(sum_d (pi - a)^2 v_b),
# q = mean_k Q_k - rho std_k Q_k of the current critic (frozen) at pi(c) = tanh(net(c)), lambda = 1/max(mean|q|, 1e-6)
# constant; actor updated every step; the Polyak updates of critic AND actor only when step % actor_freq == 0. One Adam
# (no clip) over critic and actor. No critic BC penalty (neither in the Java nor in the reference code it follows).
# ------------------------------------------------------------------------------------------------------------------

def rebrac_init(key, cfg, cond_dim, d):
    kc, ka = jax.random.split(key)
    critic = ensemble_init(kc, (cond_dim + d, *cfg["critic_hidden"], 1), cfg["num_qs"])
    actor = list(mlp_init(ka, (cond_dim, *cfg["actor_hidden"], d)))
    actor[-1] = {"w": actor[-1]["w"] * 0.1, "b": actor[-1]["b"]}  # flax default_init(0.01) head, as the Java
    params = {"critic": critic, "actor": tuple(actor)}
    return params, jax.tree_util.tree_map(jnp.array, params)


def rebrac_policy(params, cond, key, cfg):
    a = jnp.tanh(mlp_apply(params, cond))
    if cfg["actor_noise"] > 0:  # static: both profiles here have actor_noise = 0, so no draws (as the Java)
        n = cfg["actor_noise"] * jax.random.normal(key, a.shape, jnp.float32)
        a = a + jnp.clip(n, -cfg["noise_clip"], cfg["noise_clip"])
    return jnp.clip(a, -1.0, 1.0)


def rebrac_losses(params, target, batch, key, cfg):
    obs = batch["obs"]
    a_next = rebrac_policy(target["actor"], batch["next_obs"], key, cfg)
    critic_loss = td_loss(params["critic"], target["critic"], batch, a_next, cfg["rho"], cfg["discount_h"])
    pi = jnp.tanh(mlp_apply(params["actor"], obs))
    q = q_agg(ensemble_q(sg(params["critic"]), obs, pi), cfg["rho"])
    lam = sg(1.0 / jnp.maximum(jnp.mean(jnp.abs(q)), 1e-6))
    bc = jnp.mean(jnp.sum(jnp.square(pi - batch["actions"]), axis=-1) * batch["valid"])
    actor_loss = -lam * jnp.mean(q) + cfg["alpha_actor"] * bc
    return critic_loss + actor_loss, {"critic_loss": critic_loss, "actor_loss": actor_loss, "actor_q": jnp.mean(q),
                                      "bc_mse": bc}


def rebrac_step(state, batch, cfg, opt):
    assert cfg["actor_every_step"], "the delayed-actor mode (actorEveryStep = false) is not implemented here"
    key, sub = jax.random.split(state["key"])
    grads, m = jax.grad(rebrac_losses, has_aux=True)(state["params"], state["target"], batch, sub, cfg)
    updates, opt_state = opt.update(grads, state["opt"], state["params"])
    params = optax.apply_updates(state["params"], updates)
    target = jax.lax.cond(state["step"] % cfg["actor_freq"] == 0,
                          lambda t: polyak(t, params, cfg["tau"]), lambda t: t, state["target"])
    return {"params": params, "target": target, "opt": opt_state, "key": key, "step": state["step"] + 1}, m


# ------------------------------------------------------------------------------------------------------------------
# QAM (QAM.QamLearner.update with the reference config: targetActor, useTargetGrad, clipAdj, lastStep BASE, recursion
# REFERENCE, no QAM-F / QAM-E terms): critic TD with a' = clip(ODE(v_theta, s'_H, z)); BC flow of actor_slow;
# adjoint matching of actor_fast v_theta against the base field v_beta = target actor_slow (AdjointMatching): forward
# memoryless SDE, terminal adjoint -lambda grad_a mean_k Qbar_k(c, clip(x_N)), lean adjoint, regression on N*B rows.
# One Adam with ONE global-norm clip at 1.0 over critic, actor_slow and actor_fast; Polyak on critic and actor_slow.
# ------------------------------------------------------------------------------------------------------------------

def qam_init(key, cfg, cond_dim, d):
    kc, ks, kf = jax.random.split(key, 3)
    critic = ensemble_init(kc, (cond_dim + d, *cfg["critic_hidden"], 1), cfg["num_qs"])
    slow = mlp_init(ks, (cond_dim + d + 1, *cfg["actor_hidden"], d))
    fast = mlp_init(kf, (cond_dim + d + 1, *cfg["actor_hidden"], d))  # own initialisation (QUIRK section 8.3)
    params = {"critic": critic, "actor_slow": slow, "actor_fast": fast}
    return params, {"critic": jax.tree_util.tree_map(jnp.array, critic),
                    "actor_slow": jax.tree_util.tree_map(jnp.array, slow)}


def qam_schedule(n):
    """t_k = k/N, h = 1/N and sigma_k = sqrt(2 (1 - t_k + h) / (t_k + h)) in float32 (AdjointMatching.time/sigma)."""
    h = np.float32(1.0) / np.float32(n)
    t = np.arange(n, dtype=np.float32) / np.float32(n)
    sigma = np.sqrt(np.float32(2.0) * (np.float32(1.0) - t + h) / (t + h)).astype(np.float32)
    return t, h, sigma


def adjoint_pass(fast, base, target_critic, cond, key, cfg):
    """AdjointMatching.forward + terminalAdjoint + adjoint, all without parameter gradients.

    Returns the states x_0..x_{N-1} and the lean adjoints a_0..a_{N-1}, each N x B x D."""
    n, lam = cfg["flow_steps"], cfg["inv_temp"]
    t, h, sigma = qam_schedule(n)
    b, d = cond.shape[0], cfg["chunk_dim"]
    fast, base = sg(fast), sg(base)
    kx, ke = jax.random.split(key)
    x = jax.random.normal(kx, (b, d), jnp.float32)
    eps = jax.random.normal(ke, (max(n - 1, 0), b, d), jnp.float32)
    states = [x]
    sqrt_h = np.float32(np.sqrt(h))
    for k in range(n - 1):  # (a) memoryless SDE with the current fine field
        v = field(fast, cond, x, t[k])
        x = x + h * (2.0 * v - x * (np.float32(1.0) / (t[k] + h))) + (sqrt_h * sigma[k]) * eps[k]
        states.append(x)
    x_n = x + h * field(base, cond, x, t[n - 1])  # last step: noise-free Euler with the BASE field (QUIRK 8.1)
    # (b) terminal adjoint at clip(x_N), TARGET critic's ensemble mean, zero outside [-1, 1]
    grad_q = jax.grad(lambda a: jnp.sum(jnp.mean(ensemble_q(sg(target_critic), cond, a), axis=0)))(jnp.clip(x_n, -1.0, 1.0))
    adj = jnp.where((x_n >= -1.0) & (x_n <= 1.0), -lam * grad_q, 0.0)
    # (c) lean adjoint, REFERENCE recursion: VJP of the base field at (x_k, t_k + h) (QUIRK 8.2), input x only
    adjoints = [None] * n
    for k in range(n - 1, -1, -1):
        tau = np.float32(t[k] + h)
        _, vjp = jax.vjp(lambda xx: field(base, cond, xx, tau), states[k])
        (jx,) = vjp(adj)
        adj = adj + h * (2.0 * jx - adj * (np.float32(1.0) / tau))
        adjoints[k] = adj
    return sg(jnp.stack(states)), sg(jnp.stack(adjoints))


def qam_losses(params, target, batch, key, cfg):
    kn, kb, ka = jax.random.split(key, 3)
    obs = batch["obs"]
    b, d = batch["actions"].shape
    n = cfg["flow_steps"]
    # critic: a' from the agent's own sampler, the fine-tuned flow's clipped Euler ODE
    zn = jax.random.normal(kn, (b, d), jnp.float32)
    a_next = euler_ode(params["actor_fast"], batch["next_obs"], zn, n)
    critic_loss = td_loss(params["critic"], target["critic"], batch, a_next, cfg["rho"], cfg["discount_h"])
    bc = flow_matching_loss(params["actor_slow"], obs, batch["actions"], batch["valid"], kb)
    # adjoint matching (d): one pass of both fields on the N*B rows (x_k, t_k); only v_theta differentiated
    base = target["actor_slow"]
    states, adjoints = adjoint_pass(params["actor_fast"], base, target["critic"], obs, ka, cfg)
    t, _, sigma = qam_schedule(n)
    cond_rep = jnp.broadcast_to(obs[None], (n, b, obs.shape[-1])).reshape(n * b, -1)
    x_rows = states.reshape(n * b, d)
    t_rows = jnp.repeat(jnp.asarray(t), b)
    vb = sg(field(base, cond_rep, x_rows, t_rows)).reshape(n, b, d)
    vt = field(params["actor_fast"], cond_rep, x_rows, t_rows).reshape(n, b, d)
    sig = jnp.asarray(sigma)[:, None, None]
    r = (2.0 / sig) * (vt - vb) + sig * adjoints
    am = jnp.sum(jnp.square(r)) / b
    total = critic_loss + bc + am
    return total, {"critic_loss": critic_loss, "bc_flow_loss": bc, "am_loss": am, "total_loss": total}


def qam_step(state, batch, cfg, opt):
    key, sub = jax.random.split(state["key"])
    grads, m = jax.grad(qam_losses, has_aux=True)(state["params"], state["target"], batch, sub, cfg)
    m["grad_norm"] = optax.global_norm(grads)
    updates, opt_state = opt.update(grads, state["opt"], state["params"])
    params = optax.apply_updates(state["params"], updates)
    target = {"critic": polyak(state["target"]["critic"], params["critic"], cfg["tau"]),
              "actor_slow": polyak(state["target"]["actor_slow"], params["actor_slow"], cfg["tau"])}
    return {"params": params, "target": target, "opt": opt_state, "key": key, "step": state["step"] + 1}, m


ALGORITHMS = {"fql": (fql_init, fql_step), "rebrac": (rebrac_init, rebrac_step), "qam": (qam_init, qam_step)}


# ------------------------------------------------------------------------------------------------------------------
# Driver
# ------------------------------------------------------------------------------------------------------------------

def make_config(algorithm, profile, action_dim):
    cfg = dict(CONFIGS[algorithm])
    cfg.update(PROFILES[profile])
    cfg["chunk_dim"] = cfg["horizon"] * action_dim
    cfg["discount_h"] = float(cfg["discount"] ** cfg["horizon"])
    return cfg


def make_batch(key, cfg, cond_dim):
    """Random data, generated once: the cost of the step does not depend on the values. Actions are clipped
    Gaussians (data chunks lie in [-1, 1]); masks and validity flags are ones (every row counts, as in the bulk of a
    real batch)."""
    b, d = cfg["batch"], cfg["chunk_dim"]
    ko, kn, ka, kr = jax.random.split(key, 4)
    return {"obs": jax.random.normal(ko, (b, cond_dim), jnp.float32),
            "next_obs": jax.random.normal(kn, (b, cond_dim), jnp.float32),
            "actions": jnp.clip(0.5 * jax.random.normal(ka, (b, d), jnp.float32), -1.0, 1.0),
            "rewards": jax.random.normal(kr, (b,), jnp.float32),
            "masks": jnp.ones((b,), jnp.float32),
            "valid": jnp.ones((b,), jnp.float32)}


def build(algorithm, profile, seed, cond_dim, action_dim):
    cfg = make_config(algorithm, profile, action_dim)
    init, step = ALGORITHMS[algorithm]
    k_init, k_batch, k_train = jax.random.split(jax.random.PRNGKey(seed), 3)
    params, target = init(k_init, cfg, cond_dim, cfg["chunk_dim"])
    opt = make_optimizer(cfg)
    state = {"params": params, "target": target, "opt": opt.init(params), "key": k_train,
             "step": jnp.zeros((), jnp.int32)}
    batch = make_batch(k_batch, cfg, cond_dim)
    # the whole update, (state, batch) -> (state', metrics); the state's buffers (params, targets, Adam moments, key)
    # are donated so XLA updates them in place instead of allocating a new copy every step
    fn = jax.jit(lambda s, bt: step(s, bt, cfg, opt), donate_argnums=(0,))
    return cfg, state, batch, fn, count(params)


def block(state):
    jax.tree_util.tree_map(lambda x: x.block_until_ready(), state)


def run_check(args):
    steps = args.steps or 200
    ok = True
    for algorithm in args.algorithms:
        for profile in args.profiles:
            cfg, state, batch, fn, n_params = build(algorithm, profile, args.seed, args.obs_dim, args.action_dim)
            java = JAVA_PARAMETERS.get((algorithm, profile)) if (args.obs_dim, args.action_dim) == (2, 2) else None
            same = java is None or java == n_params
            ok &= same
            print(f"== {algorithm} {profile}: parameters {n_params} (Java {java if java is not None else 'n/a'}"
                  f"{'' if same else ', MISMATCH'})")
            first = last = None
            for s in range(steps):
                state, m = fn(state, batch)
                if s % 20 == 0 or s == steps - 1:
                    vals = {k: float(v) for k, v in m.items()}
                    if not all(np.isfinite(v) for v in vals.values()):
                        ok = False
                        print(f"   step {s:4d} NON-FINITE " + "  ".join(f"{k} {v:.5g}" for k, v in vals.items()))
                        break
                    first = vals if first is None else first
                    last = vals
                    print(f"   step {s:4d} " + "  ".join(f"{k} {v:.5g}" for k, v in vals.items()))
            if first is not None and last is not None:
                print("   first -> last: " + "  ".join(f"{k} {first[k]:.4g} -> {last[k]:.4g}" for k in first))
    print("check: " + ("OK (finite losses, parameter counts as the Java)" if ok else "FAILED"))
    return 0 if ok else 1


def run_bench(args):
    print(f"jax update step: jax {jax.__version__}, backend {jax.default_backend()}, {os.cpu_count()} cores "
          f"({len(os.sched_getaffinity(0))} usable), XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}, "
          f"observation {args.obs_dim}, action {args.action_dim}")
    print(f"{'algorithm':<10} {'prof':<6} {'parameters':>12} {'steps':>8} {'median/s':>12} {'min/s':>10} {'max/s':>10}"
          f" {'cpu-steps/s':>12} {'compile/s':>10}")
    for algorithm in args.algorithms:
        for profile in args.profiles:
            n = args.steps or (20 if profile == "paper" else 200)
            warm = args.warmup if args.warmup is not None else max(3, n // 5)
            cfg, state, batch, fn, n_params = build(algorithm, profile, args.seed, args.obs_dim, args.action_dim)
            t0 = time.perf_counter()
            state, _ = fn(state, batch)  # compile (+ one step), not timed
            block(state)
            compile_s = time.perf_counter() - t0
            for _ in range(warm):
                state, _ = fn(state, batch)
            block(state)
            rates = []
            cpu0 = time.process_time()
            for _ in range(args.reps):
                w0 = time.perf_counter()
                for _ in range(n):
                    state, _ = fn(state, batch)
                block(state)
                rates.append(n / (time.perf_counter() - w0))
            cpu = time.process_time() - cpu0
            rates.sort()
            print(f"{algorithm:<10} {profile:<6} {n_params:>12d} {n:>8d} {rates[len(rates) // 2]:>12.2f} "
                  f"{rates[0]:>10.2f} {rates[-1]:>10.2f} {n * args.reps / cpu:>12.2f} {compile_s:>10.2f}", flush=True)
            del state
    return 0


def main():
    args = ARGS
    return run_check(args) if args.check else run_bench(args)


if __name__ == "__main__":
    sys.exit(main())

"""Flow-matching behaviour cloning in JAX + optax: torch_flow_bc.py's method and defaults in a functional style.

v(c, x_t, t) is regressed onto x1 - x0 with x_t = (1 - t) x0 + t x1, x0 ~ N(0, I), t ~ U[0, 1); acting runs N Euler
steps from per-row noise and clips to [-1, 1]. Minibatches are the Java flow-bc's (the harness's step generator).

    ./flowbench run --external ".venv-jax/bin/python clients/python/examples/jax_flow_bc.py" \\
        -t jpointmaze-medium-navigate-v0
"""

import os

import jax
import jax.numpy as jnp
import numpy as np
import optax

from flowbench_client import Agent, GoalConfig, OfflineBatches, Rng, serve, step_seed
from flowbench_client.sampling import policy_conditioning
from flowbench_client.seeds import derive, to_unsigned


def prng_key(seed: int) -> jax.Array:
    """A threefry key holding all 64 bits of a flowbench seed (jax.random.key would need it to fit a signed int)."""
    u = to_unsigned(seed)
    return jax.random.wrap_key_data(jnp.array([u >> 32, u & 0xFFFFFFFF], dtype=jnp.uint32), impl="threefry2x32")


def init_mlp(key, sizes):
    """Glorot-uniform weights, zero biases, as a list of (W, b)."""
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, k = jax.random.split(key)
        params.append((jax.nn.initializers.glorot_uniform()(k, (n_in, n_out)), jnp.zeros(n_out)))
    return params


def velocity(params, cond, x, t):
    h = jnp.concatenate([cond, x, t], axis=-1)
    for w, b in params[:-1]:
        h = jax.nn.gelu(h @ w + b, approximate=True)
    w, b = params[-1]
    return h @ w + b


def flow_loss(params, cond, x1, weights, key):
    k0, kt = jax.random.split(key)
    x0 = jax.random.normal(k0, x1.shape)
    t = jax.random.uniform(kt, (x1.shape[0], 1))
    v = velocity(params, cond, (1 - t) * x0 + t * x1, t)
    return jnp.mean(weights * jnp.mean((v - (x1 - x0)) ** 2, axis=1))


class JaxFlowBC(Agent):
    name = "jax-flow-bc"
    version = "0.1.0"
    family = "training-time"
    paper = "Lipman et al., Flow Matching for Generative Modeling (ICLR 2023)"
    description = "Flow-matching behavioural cloning in JAX/optax (flowbench-client example, flow-bc's cpu defaults)"
    code_url = ""  # a submission names the public repository here (an http(s) URL)
    deterministic = True  # on the CPU: every random number comes from the harness's seeds
    defaults = {"hidden": [256, 256, 256], "batch_size": 256, "learning_rate": 3e-4, "flow_steps": 10,
                "horizon": 0, "discount": 0.0, "weight_by_valid": True}  # 0: the domain's value, as torch_flow_bc

    def init(self, spec):
        c = self.config = spec.config
        self.spec = spec
        self.horizon = spec.advised("horizon", c["horizon"], 1, int)
        discount = spec.advised("discount", c["discount"], 0.99)
        goal_config = GoalConfig(discount=discount) if spec.task.goal_conditioned else None  # actor goals: future
        columns = spec.goal_columns() if goal_config else None
        self.batches = OfflineBatches(spec.train, self.horizon, discount, goal_config, columns)
        cond_dim = spec.task.obs_dim + (columns[1] - columns[0] if columns else 0)
        self.chunk_dim = self.horizon * spec.task.action_dim
        self.params = init_mlp(prng_key(spec.init_seed), [cond_dim + self.chunk_dim + 1, *c["hidden"], self.chunk_dim])
        self.optimizer = optax.adam(float(c["learning_rate"]), eps=1e-8)
        self.opt_state = self.optimizer.init(self.params)

        @jax.jit
        def update(params, opt_state, cond, x1, weights, key):
            loss, grads = jax.value_and_grad(flow_loss)(params, cond, x1, weights, key)
            updates, opt_state = self.optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        steps = int(c["flow_steps"])

        @jax.jit
        def integrate(params, cond, x):
            for i in range(steps):  # unrolled: N is small and fixed
                x = x + velocity(params, cond, x, jnp.full((x.shape[0], 1), i / steps)) * (1.0 / steps)
            return jnp.clip(x, -1.0, 1.0)

        self._update, self._integrate = update, integrate
        return {"jax-flow-bc": self.horizon}

    def train_step(self, step):
        seed = step_seed(self.spec.seed, step)
        batch = self.batches.sample(int(self.config["batch_size"]), Rng(seed))
        weights = batch.last_valid() if self.config["weight_by_valid"] else np.ones(batch.batch_size, np.float32)
        self.params, self.opt_state, loss = self._update(self.params, self.opt_state, self.batches.conditioning(batch),
                                                         batch.flat_actions(), weights, prng_key(derive(seed, "noise")))
        return {"bc_flow_loss": float(loss)}

    def act(self, policy, observations, goals, noise_seeds):
        n = observations.shape[0]
        cond = policy_conditioning(observations, goals)
        x = np.stack([Rng(s).gaussians(self.chunk_dim) for s in noise_seeds.tolist()])
        # pad the live batch (it shrinks as episodes end) to a power of two: a handful of compiled shapes, not one per n
        size = max(8, 1 << (n - 1).bit_length())
        cond = np.pad(cond, ((0, size - n), (0, 0)))
        x = np.pad(x, ((0, size - n), (0, 0)))
        out = np.asarray(self._integrate(self.params, cond, x))[:n]
        return out.reshape(n, self.horizon, -1)

    def save(self, dir):
        leaves = jax.tree_util.tree_leaves((self.params, self.opt_state))
        np.savez(os.path.join(dir, "jax_flow_bc.npz"), *[np.asarray(x) for x in leaves])

    def load(self, dir):
        treedef = jax.tree_util.tree_structure((self.params, self.opt_state))
        with np.load(os.path.join(dir, "jax_flow_bc.npz")) as z:
            leaves = [jnp.asarray(z[f"arr_{i}"]) for i in range(len(z.files))]
        self.params, self.opt_state = jax.tree_util.tree_unflatten(treedef, leaves)

    def parameter_count(self):
        return int(sum(w.size + b.size for w, b in self.params))


if __name__ == "__main__":
    serve(JaxFlowBC())

"""Behaviour cloning with a one-hidden-layer MLP in plain numpy: the smallest complete flowbench method.

Hand-written gradients and Adam, chunk length 1, deterministic policy. It trains 1000 steps in a few seconds, which is
what the protocol tests need; as a method it is a floor, not a baseline to beat.

    ./flowbench run --external "python clients/python/examples/numpy_bc.py" -t jpointmaze-medium-navigate-v0
"""

import os

import numpy as np

from flowbench_client import Agent, GoalConfig, OfflineBatches, serve, step_rng
from flowbench_client.sampling import policy_conditioning
from flowbench_client.seeds import to_unsigned, validate_rng


def init_params(rng: np.random.Generator, n_in: int, n_hidden: int, n_out: int) -> dict:
    """Glorot-uniform weights, zero biases."""
    def glorot(a, b):
        limit = np.sqrt(6.0 / (a + b))
        return rng.uniform(-limit, limit, size=(a, b))
    return {"w1": glorot(n_in, n_hidden), "b1": np.zeros(n_hidden),
            "w2": glorot(n_hidden, n_out), "b2": np.zeros(n_out)}


def predict(p: dict, x: np.ndarray) -> np.ndarray:
    return np.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]


def loss_and_grads(p: dict, x: np.ndarray, y: np.ndarray):
    """Mean squared error L = mean over rows and columns of (f(x) - y)^2, and dL/dp by the chain rule."""
    h = np.tanh(x @ p["w1"] + p["b1"])
    err = h @ p["w2"] + p["b2"] - y
    loss = float(np.mean(err ** 2))
    d_out = 2.0 * err / err.size  # dL/d(output)
    d_pre = (d_out @ p["w2"].T) * (1.0 - h ** 2)  # back through tanh
    grads = {"w2": h.T @ d_out, "b2": d_out.sum(0), "w1": x.T @ d_pre, "b1": d_pre.sum(0)}
    return loss, grads


class Adam:
    """Kingma & Ba (2015), with the bias corrections; state is plain arrays so that it saves with np.savez."""

    def __init__(self, params: dict, lr: float, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.t = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: dict, grads: dict) -> None:
        self.t += 1
        for k, g in grads.items():
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g * g
            m_hat = self.m[k] / (1 - self.b1 ** self.t)
            v_hat = self.v[k] / (1 - self.b2 ** self.t)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class NumpyBC(Agent):
    name = "numpy-bc"
    version = "0.1.0"
    family = "training-time"
    paper = ""
    description = "Behaviour cloning, one tanh hidden layer, hand-written numpy gradients (flowbench-client example)"
    code_url = ""  # a submission names the public repository here (an http(s) URL)
    deterministic = True  # on the CPU: every random number comes from the harness's seeds
    defaults = {"hidden": 64, "batch_size": 64, "learning_rate": 1e-3}

    def init(self, spec):
        self.spec = spec
        c = spec.config
        goal_config = GoalConfig() if spec.task.goal_conditioned else None
        columns = spec.goal_columns() if goal_config else None
        # the same minibatches as a Java learner with H = 1 would draw (OfflineBatches, GoalConfig defaults)
        self.batches = OfflineBatches(spec.train, 1, 0.99, goal_config, columns)
        self.val_batches = (OfflineBatches(spec.validation, 1, 0.99, goal_config, columns)
                            if spec.validation is not None else None)
        n_in = spec.task.obs_dim + (columns[1] - columns[0] if columns else 0)
        rng = np.random.default_rng(to_unsigned(spec.init_seed))
        self.params = init_params(rng, n_in, int(c["hidden"]), spec.task.action_dim)
        self.adam = Adam(self.params, float(c["learning_rate"]))
        return {"numpy-bc": 1}

    def _batch(self, batches, rng):
        b = batches.sample(int(self.spec.config["batch_size"]), rng)
        return batches.conditioning(b).astype(np.float64), b.first_actions().astype(np.float64)

    def train_step(self, step):
        x, y = self._batch(self.batches, step_rng(self.spec.seed, step))
        loss, grads = loss_and_grads(self.params, x, y)
        self.adam.step(self.params, grads)
        return {"bc_loss": loss}

    def validate(self, step):
        if self.val_batches is None:
            return {}
        x, y = self._batch(self.val_batches, validate_rng(self.spec.seed, step))
        return {"bc_loss": loss_and_grads(self.params, x, y)[0]}

    def act(self, policy, observations, goals, noise_seeds):
        a = predict(self.params, policy_conditioning(observations, goals).astype(np.float64))
        return np.clip(a, -1.0, 1.0)[:, None, :]  # (n, H = 1, action)

    def save(self, dir):
        arrays = {f"param_{k}": v for k, v in self.params.items()}
        arrays.update({f"adam_m_{k}": v for k, v in self.adam.m.items()})
        arrays.update({f"adam_v_{k}": v for k, v in self.adam.v.items()})
        np.savez(os.path.join(dir, "numpy_bc.npz"), adam_t=np.int64(self.adam.t), **arrays)

    def load(self, dir):
        with np.load(os.path.join(dir, "numpy_bc.npz")) as z:
            for k in self.params:
                self.params[k] = z[f"param_{k}"]
                self.adam.m[k] = z[f"adam_m_{k}"]
                self.adam.v[k] = z[f"adam_v_{k}"]
            self.adam.t = int(z["adam_t"])

    def parameter_count(self):
        return int(sum(v.size for v in self.params.values()))


if __name__ == "__main__":
    serve(NumpyBC())

"""Flow-matching behaviour cloning in PyTorch, run under the flowbench harness.

The method (Lipman et al., Flow Matching for Generative Modeling, ICLR 2023; the BC flow of Park et al., Flow
Q-Learning, ICML 2025): a velocity field v(c, x_t, t) is regressed onto x1 - x0 along the straight path
x_t = (1 - t) x0 + t x1 from noise x0 ~ N(0, I) to a dataset action chunk x1, t ~ U[0, 1); acting integrates
dx/dt = v from fresh noise with N Euler steps and clips to [-1, 1]. c is the observation, or [observation, goal] on
goal-conditioned tasks (hindsight goals, as flowbench's Java flow-bc).

Defaults are those of flowbench's Java flow-bc ``cpu`` profile, and the minibatch of update s is the one the Java
learner draws (same rows, same hindsight goals), from the harness's step generator. Noise comes from a torch generator
seeded per step, so training is deterministic on CPU and resuming from a checkpoint is exact.

    ./flowbench run --external "python clients/python/examples/torch_flow_bc.py" \\
        -t jpointmaze-medium-navigate-v0 --seed 0 --train-steps 3000
"""

import os

import numpy as np
import torch
from torch import nn

from flowbench_client import Agent, GoalConfig, OfflineBatches, Rng, serve, step_seed
from flowbench_client.sampling import policy_conditioning
from flowbench_client.seeds import derive, to_unsigned


class VelocityField(nn.Module):
    """MLP on [c, x, t] (t as one raw input column), GELU (tanh form), Glorot-uniform weights, zero biases."""

    def __init__(self, cond_dim: int, action_dim: int, hidden, layer_norm: bool):
        super().__init__()
        layers, width = [], cond_dim + action_dim + 1
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if layer_norm:
                layers.append(nn.LayerNorm(h))  # before the activation
            layers.append(nn.GELU(approximate="tanh"))
            width = h
        layers.append(nn.Linear(width, action_dim))
        self.net = nn.Sequential(*layers)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, cond, x, t):
        return self.net(torch.cat([cond, x, t], dim=-1))


def noise_generator(seed: int) -> torch.Generator:
    """A CPU generator (same numbers whatever the model's device) seeded with a 64-bit flowbench seed."""
    return torch.Generator().manual_seed(to_unsigned(seed))


class TorchFlowBC(Agent):
    name = "torch-flow-bc"
    version = "0.1.0"
    family = "training-time"
    paper = ("Lipman et al., Flow Matching for Generative Modeling (ICLR 2023); as the BC baseline of Park et al., "
             "Flow Q-Learning (ICML 2025)")
    description = "Flow-matching behavioural cloning in PyTorch (flowbench-client example, Java flow-bc's cpu defaults)"
    code_url = ""  # a submission names the public repository here (an http(s) URL)
    deterministic = True  # on the CPU: every random number comes from the harness's seeds
    defaults = {
        "hidden": [256, 256, 256],
        "layer_norm": False,
        "batch_size": 256,
        "learning_rate": 3e-4,
        "flow_steps": 10,
        "horizon": 0,  # 0: the domain's horizon (as the Java flow-bc resolves it), else 1
        "discount": 0.0,  # 0: the domain's discount, else 0.99 (shapes only the geometric goal offsets)
        "weight_by_valid": True,
        "actor_p_traj_goal": 1.0,
        "actor_p_random_goal": 0.0,
        "actor_geom_sample": True,
        "device": "cpu",
    }

    def init(self, spec):
        c = spec.config
        self.spec = spec
        self.device = torch.device(c["device"])
        if self.device.type == "cpu":
            torch.use_deterministic_algorithms(True)
        self.horizon = spec.advised("horizon", c["horizon"], 1, int)
        discount = spec.advised("discount", c["discount"], 0.99)
        self.action_dim = spec.task.action_dim
        goal_config = columns = None
        cond_dim = spec.task.obs_dim
        if spec.task.goal_conditioned:
            p_traj, p_random = float(c["actor_p_traj_goal"]), float(c["actor_p_random_goal"])
            # value-goal settings are GoalConfig's defaults: unused by BC, but drawn, so the draws match Java's
            goal_config = GoalConfig(discount=discount, actor_p_cur_goal=max(0.0, 1 - p_traj - p_random),
                                     actor_p_traj_goal=p_traj, actor_p_random_goal=p_random,
                                     actor_geom_sample=bool(c["actor_geom_sample"]))
            columns = spec.goal_columns()
            cond_dim += columns[1] - columns[0]
        self.batches = OfflineBatches(spec.train, self.horizon, discount, goal_config, columns)
        self.val_batches = (OfflineBatches(spec.validation, self.horizon, discount, goal_config, columns)
                            if spec.validation is not None else None)
        torch.manual_seed(to_unsigned(spec.init_seed))
        self.model = VelocityField(cond_dim, self.horizon * self.action_dim, c["hidden"], c["layer_norm"])
        self.model.to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=float(c["learning_rate"]), eps=1e-8)
        return {"torch-flow-bc": self.horizon}

    def _loss(self, batches, rng, gen):
        """The weighted flow-matching loss mean_b [w_b * mean_d (v - (x1 - x0))^2] on a batch drawn from ``rng``."""
        batch = batches.sample(int(self.spec.config["batch_size"]), rng)
        cond = torch.from_numpy(batches.conditioning(batch))
        x1 = torch.from_numpy(batch.flat_actions().copy())
        x0 = torch.randn(x1.shape, generator=gen)
        t = torch.rand((x1.shape[0], 1), generator=gen)
        w = torch.from_numpy(batch.last_valid().copy()) if self.spec.config["weight_by_valid"] else torch.ones(len(x1))
        cond, x0, x1, t, w = (a.to(self.device) for a in (cond, x0, x1, t, w))
        v = self.model(cond, (1 - t) * x0 + t * x1, t)
        return (w * ((v - (x1 - x0)) ** 2).mean(dim=1)).mean()

    def train_step(self, step):
        seed = step_seed(self.spec.seed, step)
        # the minibatch from the harness's generator for this step (= the Java learner's), noise from a child seed
        loss = self._loss(self.batches, Rng(seed), noise_generator(derive(seed, "noise")))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"bc_flow_loss": loss.item()}

    def validate(self, step):
        if self.val_batches is None:
            return {}
        seed = derive(self.spec.seed, "validate", step)
        with torch.no_grad():
            loss = self._loss(self.val_batches, Rng(seed), noise_generator(derive(seed, "noise")))
        return {"bc_flow_loss": loss.item()}

    def act(self, policy, observations, goals, noise_seeds):
        n, d = observations.shape[0], self.horizon * self.action_dim
        cond = torch.from_numpy(policy_conditioning(observations, goals)).to(self.device)
        # row i's starting noise from its own seed: the action is a function of (run seed, episode), whatever the batch
        x = torch.from_numpy(np.stack([Rng(s).gaussians(d) for s in noise_seeds.tolist()])).to(self.device)
        steps = int(self.spec.config["flow_steps"])
        with torch.no_grad():
            for i in range(steps):
                t = torch.full((n, 1), i / steps, device=self.device)
                x = x + self.model(cond, x, t) * (1.0 / steps)
        return x.clamp(-1.0, 1.0).reshape(n, self.horizon, self.action_dim).cpu().numpy()

    def save(self, dir):
        torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()},
                   os.path.join(dir, "torch_flow_bc.pt"))

    def load(self, dir):
        state = torch.load(os.path.join(dir, "torch_flow_bc.pt"), map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])

    def parameter_count(self):
        return sum(p.numel() for p in self.model.parameters() if p.requires_grad)


if __name__ == "__main__":
    serve(TorchFlowBC())

"""An agent that does nothing: what remains of a run's training time is the protocol's own cost per call.

    ./flowbench run --external "python bench/external/noop_agent.py" -t TASK --log-every 1 ...
"""

import numpy as np

from flowbench_client import Agent, serve


class Noop(Agent):
    name = "noop"
    version = "1"
    description = "no model: each train_step returns at once, act returns zeros (a protocol-overhead benchmark)"
    deterministic = True

    def init(self, spec):
        self.action_dim = spec.task.action_dim
        return {"noop": 1}

    def train_step(self, step):
        return {}

    def act(self, policy, observations, goals, noise_seeds):
        return np.zeros((observations.shape[0], 1, self.action_dim), np.float32)

    def save(self, dir):
        pass

    def load(self, dir):
        pass


if __name__ == "__main__":
    serve(Noop())

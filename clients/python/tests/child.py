"""A minimal stand-in for the Java harness in tests: starts an agent script as a child process, speaks frames to it."""

import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_SRC = os.path.join(HERE, "..", "src")
EXAMPLES = os.path.join(HERE, "..", "examples")
FIXTURES = os.path.join(HERE, "fixtures")

sys.path.insert(0, CLIENT_SRC)

from flowbench_client.data import load_ogbench_raw, save_arrays  # noqa: E402
from flowbench_client.protocol import read_frame, write_frame  # noqa: E402


class Child:
    """The agent process: ``request`` sends one frame and returns the reply's ``(header, arrays)``."""

    def __init__(self, script, python=None):
        env = dict(os.environ)
        # the client from this checkout, whether or not it is installed in the interpreter
        env["PYTHONPATH"] = os.pathsep.join(p for p in (CLIENT_SRC, env.get("PYTHONPATH")) if p)
        # one BLAS/OpenMP thread per child: several children on a small runner otherwise oversubscribe it and
        # spin-wait (3x slower here); results do not depend on it
        env.setdefault("OMP_NUM_THREADS", "1")
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([python or sys.executable, script], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, env=env)

    def send(self, header, arrays=None):
        write_frame(self.proc.stdin, header, arrays)

    def receive(self):
        frame = read_frame(self.proc.stdout)
        if frame is None:
            raise AssertionError(f"the child closed stdout; stderr:\n{self.stderr_text()}")
        return frame

    def request(self, header, arrays=None):
        self.send(header, arrays)
        return self.receive()

    def ok(self, header, arrays=None):
        """A request whose reply must be ok; returns it."""
        reply, out = self.request(header, arrays)
        if reply.get("ok") is not True:
            raise AssertionError(f"{header.get('op')} failed: {reply}\nstderr:\n{self.stderr_text()}")
        return reply, out

    def wait(self, timeout=60):
        return self.proc.wait(timeout)

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def close(self):
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


def hello():
    return {"op": "hello", "protocol": 1, "harness": {"name": "test-harness", "version": "0"}}


def write_golden_arrays(folder, compact=False):
    """The golden raw dataset as the harness's ``arrays`` file; returns its path and the dataset."""
    d = load_ogbench_raw(os.path.join(FIXTURES, "raw.npz"), compact=compact)
    path = os.path.join(folder, "compact.npz" if compact else "train.npz")
    save_arrays(path, d)
    return path, d


def init_request(arrays_path, dataset, config=None, seed=0, goal_conditioned=False, horizon=1, train_steps=1000):
    """An ``init`` request for a small synthetic task on the given arrays file (validation = the same file)."""
    entry = {"source": arrays_path, "sha256": "0" * 64, "arrays": arrays_path, "transitions": dataset.size}
    return {
        "op": "init",
        "task": {"name": "golden-gc-v0" if goal_conditioned else "golden-v0",
                 "mode": "goal-conditioned" if goal_conditioned else "single-task",
                 "obs_dim": dataset.obs_dim, "action_dim": dataset.action_dim,
                 "goal_dim": dataset.obs_dim if goal_conditioned else 0, "max_episode_steps": 100,
                 "dataset": "golden"},
        "datasets": {"train": entry, "validation": entry},
        "seed": seed,
        "seeds": {"init": 12345},
        "config": config or {},
        "budget": {"train_steps": train_steps, "eval_every": 100, "log_every": 10, "checkpoint_every": 100,
                   "episodes_per_task": 2},
        "domain": {"column": "antmaze-large-navigate", "settings": {"horizon": horizon, "discount": 0.99}},
    }


def act_request(dataset, policy, n=4, goal_conditioned=False, step=0):
    arrays = {"observations": dataset.observations[:n].copy(),
              "noise_seeds": np.arange(n, dtype=np.int64) * 7919 - 3}
    if goal_conditioned:
        arrays["goals"] = dataset.observations[-n:].copy()
    return {"op": "act", "policy": policy, "step": step, "task_id": 1, "query": 0}, arrays

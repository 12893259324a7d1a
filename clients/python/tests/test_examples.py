"""Smoke tests of the PyTorch and JAX examples over the protocol, on the golden dataset.

Each runs with the interpreter named by FLOWBENCH_TORCH_PYTHON / FLOWBENCH_JAX_PYTHON, else the repository's
.venv-torch / .venv-jax when present; the test is skipped where neither exists (e.g. CI without those frameworks).
"""

import os
import shutil
import tempfile
import unittest

import numpy as np

from child import EXAMPLES, HERE, Child, act_request, hello, init_request, write_golden_arrays

REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def interpreter(env_var, venv):
    path = os.environ.get(env_var) or os.path.join(REPO, venv, "bin", "python")
    return path if os.path.exists(path) else None


class ExampleSmokeTest:
    """Mixin: train a few hundred steps, act, checkpoint, and resume exactly in a fresh process."""

    script = python = policy = None
    small = {}

    def setUp(self):
        if self.python is None:
            self.skipTest("no interpreter with this framework (set FLOWBENCH_TORCH_PYTHON / FLOWBENCH_JAX_PYTHON)")
        self.tmp = tempfile.mkdtemp(prefix="fb-example-test-")
        self.arrays, self.dataset = write_golden_arrays(self.tmp)
        self.children = []

    def tearDown(self):
        for c in self.children:
            c.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def started(self, config=None, **init):
        c = Child(os.path.join(EXAMPLES, self.script), python=self.python)
        self.children.append(c)
        reply, _ = c.ok(hello())
        self.defaults = reply["defaults"]
        init_reply, _ = c.ok(init_request(self.arrays, self.dataset, config={**self.defaults, **(config or {})},
                                          **init))
        return c, init_reply

    def test_train_act_resume(self):
        a, init_reply = self.started(horizon=2)  # the domain's horizon is taken: chunks of 2
        self.assertEqual(init_reply["policies"], {self.policy: 2})
        self.assertGreater(init_reply["parameter_count"], 100_000)
        first, _ = a.ok({"op": "train", "step": 0, "steps": 1})
        a.ok({"op": "train", "step": 1, "steps": 149})
        ckpt = os.path.join(self.tmp, "ckpt")
        os.mkdir(ckpt)
        a.ok({"op": "save", "dir": ckpt})
        last, _ = a.ok({"op": "train", "step": 150, "steps": 150})
        self.assertEqual(last["step"], 300)
        self.assertLess(last["metrics"]["bc_flow_loss"], first["metrics"]["bc_flow_loss"])
        _, want = a.ok(*act_request(self.dataset, self.policy, n=5))
        actions = want["actions"]
        self.assertEqual(actions.dtype, np.float32)
        self.assertEqual(actions.shape, (5, 2, self.dataset.action_dim))
        self.assertTrue(np.all(np.isfinite(actions)) and np.all(np.abs(actions) <= 1))
        a.ok({"op": "close"})
        self.assertEqual(a.wait(), 0)

        b, _ = self.started(horizon=2)
        b.ok({"op": "load", "dir": ckpt})
        resumed, _ = b.ok({"op": "train", "step": 150, "steps": 150})
        _, got = b.ok(*act_request(self.dataset, self.policy, n=5))
        self.assertEqual(resumed["metrics"], last["metrics"])
        np.testing.assert_array_equal(got["actions"], actions)

    def test_goal_conditioned(self):
        c, init_reply = self.started(config=self.small, goal_conditioned=True)
        self.assertEqual(init_reply["policies"], {self.policy: 1})  # the domain says horizon 1
        c.ok({"op": "train", "step": 0, "steps": 20})
        _, out = c.ok(*act_request(self.dataset, self.policy, n=3, goal_conditioned=True))
        self.assertEqual(out["actions"].shape, (3, 1, self.dataset.action_dim))


class TorchFlowBCTest(ExampleSmokeTest, unittest.TestCase):
    script = "torch_flow_bc.py"
    python = interpreter("FLOWBENCH_TORCH_PYTHON", ".venv-torch")
    policy = "torch-flow-bc"
    small = {"hidden": [32, 32], "batch_size": 16}


class JaxFlowBCTest(ExampleSmokeTest, unittest.TestCase):
    script = "jax_flow_bc.py"
    python = interpreter("FLOWBENCH_JAX_PYTHON", ".venv-jax")
    policy = "jax-flow-bc"
    small = {"hidden": [32, 32], "batch_size": 16}


if __name__ == "__main__":
    unittest.main()

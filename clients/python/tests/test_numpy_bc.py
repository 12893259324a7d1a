"""The numpy example's hand-written gradient against finite differences, and its speed (protocol tests rely on it)."""

import os
import sys
import time
import unittest

import numpy as np

from child import EXAMPLES, FIXTURES

sys.path.insert(0, EXAMPLES)

from numpy_bc import NumpyBC, init_params, loss_and_grads  # noqa: E402

from flowbench_client.agent import Spec, Task  # noqa: E402
from flowbench_client.data import load_ogbench_raw  # noqa: E402


class GradientTest(unittest.TestCase):
    def test_matches_central_differences(self):
        rng = np.random.default_rng(0)
        p = init_params(rng, 5, 7, 3)
        p["b1"] = rng.normal(size=7)  # non-zero biases, so their gradient is exercised away from the init
        p["b2"] = rng.normal(size=3)
        x, y = rng.normal(size=(11, 5)), rng.normal(size=(11, 3))
        _, grads = loss_and_grads(p, x, y)
        eps = 1e-6
        for k, v in p.items():
            numeric = np.zeros_like(v)
            for i in np.ndindex(v.shape):
                old = v[i]
                v[i] = old + eps
                up = loss_and_grads(p, x, y)[0]
                v[i] = old - eps
                down = loss_and_grads(p, x, y)[0]
                v[i] = old
                numeric[i] = (up - down) / (2 * eps)
            np.testing.assert_allclose(grads[k], numeric, rtol=1e-5, atol=1e-8, err_msg=k)


class SpeedTest(unittest.TestCase):
    def test_1000_steps_in_a_few_seconds_and_the_loss_falls(self):
        d = load_ogbench_raw(os.path.join(FIXTURES, "raw.npz"))
        task = Task("golden-v0", "single-task", d.obs_dim, d.action_dim, 0, 100, "golden")
        spec = Spec(task=task, config=dict(NumpyBC.defaults), seed=3, seeds={"init": 4}, budget={}, domain={},
                    train=d, validation=d, datasets={}, request={})
        agent = NumpyBC()
        agent.init(spec)
        start = time.perf_counter()
        losses = [agent.train_step(s)["bc_loss"] for s in range(1000)]
        elapsed = time.perf_counter() - start
        self.assertLess(elapsed, 10.0, "numpy_bc should train 1000 steps in a few seconds")
        self.assertLess(np.mean(losses[-50:]), 0.5 * np.mean(losses[:50]))


if __name__ == "__main__":
    unittest.main()

"""The serve loop end to end: example agents run as child processes and are spoken to in frames, as the harness does."""

import contextlib
import io
import os
import shutil
import tempfile
import unittest

import numpy as np

from child import EXAMPLES, HERE, Child, act_request, hello, init_request, write_golden_arrays

from flowbench_client import Agent
from flowbench_client.protocol import read_frame, write_frame
from flowbench_client.serve import run

NUMPY_BC = os.path.join(EXAMPLES, "numpy_bc.py")
FAULTY = os.path.join(HERE, "agents", "faulty_agent.py")


class ServeTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fb-client-test-")
        self.arrays, self.dataset = write_golden_arrays(self.tmp)
        self.children = []

    def tearDown(self):
        for c in self.children:
            c.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, script=NUMPY_BC):
        c = Child(script)
        self.children.append(c)
        return c

    def started(self, script=NUMPY_BC, config=None, **init):
        """A child after hello and init, with its defaults merged with ``config`` as the harness merges --set."""
        c = self.start(script)
        reply, _ = c.ok(hello())
        c.ok(init_request(self.arrays, self.dataset, config={**reply["defaults"], **(config or {})}, **init))
        return c


class NumpyBCOverProtocolTest(ServeTestCase):
    def test_full_session(self):
        c = self.start()
        reply, _ = c.ok(hello())
        self.assertEqual(reply["protocol"], 1)
        self.assertEqual(reply["agent"]["name"], "numpy-bc")
        self.assertEqual(set(reply["agent"]), {"name", "version", "family", "paper", "description", "code_url",
                                               "deterministic", "tolerance"})
        self.assertIs(reply["agent"]["deterministic"], True)
        self.assertEqual(reply["defaults"], {"hidden": 64, "batch_size": 64, "learning_rate": 1e-3})
        self.assertEqual(reply["client"], {"name": "flowbench-client", "version": "0.1.0"})
        env = reply["environment"]
        self.assertTrue(env["language"].startswith("python 3."))
        self.assertRegex(env["packages_sha256"], "^[0-9a-f]{64}$")
        self.assertGreater(env["packages"], 0)
        self.assertEqual(env["accelerator"], "cpu")
        if env["git"] is not None:  # the examples live in flowbench's repository when run from a checkout
            self.assertRegex(env["git"]["revision"], "^[0-9a-f]{40}$")

        reply, _ = c.ok(init_request(self.arrays, self.dataset, config={"hidden": 16, "batch_size": 8,
                                                                        "learning_rate": 1e-2}))
        self.assertEqual(reply["policies"], {"numpy-bc": 1})
        obs, act = self.dataset.obs_dim, self.dataset.action_dim
        self.assertEqual(reply["parameter_count"], obs * 16 + 16 + 16 * act + act)

        first, _ = c.ok({"op": "train", "step": 0, "steps": 1})
        self.assertEqual(first["step"], 1)
        reply, _ = c.ok({"op": "train", "step": 1, "steps": 199})
        self.assertEqual(reply["step"], 200)
        self.assertLess(reply["metrics"]["bc_loss"], first["metrics"]["bc_loss"])
        reply, _ = c.ok({"op": "validate", "step": 200})
        self.assertIn("bc_loss", reply["metrics"])

        reply, out = c.ok(*act_request(self.dataset, "numpy-bc", n=5))
        self.assertEqual(out["actions"].dtype, np.float32)
        self.assertEqual(out["actions"].shape, (5, 1, act))
        self.assertTrue(np.all(np.abs(out["actions"]) <= 1))

        ckpt = os.path.join(self.tmp, "ckpt")
        os.mkdir(ckpt)
        c.ok({"op": "save", "dir": ckpt})
        self.assertTrue(os.listdir(ckpt))
        c.ok({"op": "load", "dir": ckpt})
        c.ok({"op": "close"})
        self.assertEqual(c.wait(), 0)

    def test_resume_is_exact(self):
        """Train 60 steps, checkpoint, continue 40 in a new process == 100 steps in one process."""
        config = {"hidden": 16, "batch_size": 8, "learning_rate": 1e-2}
        whole = self.started(config=config)
        whole.ok({"op": "train", "step": 0, "steps": 100})
        want, want_actions = whole.ok(*act_request(self.dataset, "numpy-bc"))

        first = self.started(config=config)
        first.ok({"op": "train", "step": 0, "steps": 60})
        ckpt = os.path.join(self.tmp, "ckpt")
        os.mkdir(ckpt)
        first.ok({"op": "save", "dir": ckpt})
        first.ok({"op": "close"})
        second = self.started(config=config)
        second.ok({"op": "load", "dir": ckpt})
        second.ok({"op": "train", "step": 60, "steps": 40})
        _, got_actions = second.ok(*act_request(self.dataset, "numpy-bc"))
        np.testing.assert_array_equal(got_actions["actions"], want_actions["actions"])

    def test_goal_conditioned(self):
        c = self.started(goal_conditioned=True)
        reply, _ = c.ok({"op": "train", "step": 0, "steps": 20})
        self.assertEqual(reply["step"], 20)
        _, out = c.ok(*act_request(self.dataset, "numpy-bc", goal_conditioned=True))
        self.assertEqual(out["actions"].shape, (4, 1, self.dataset.action_dim))

    def test_end_of_input_exits_0(self):
        c = self.started()
        c.proc.stdin.close()
        self.assertEqual(c.wait(), 0)


class FailuresTest(ServeTestCase):
    def test_agent_exception_is_an_error_reply_then_exit_1(self):
        c = self.started(FAULTY, config={"hidden": 8, "batch_size": 4, "learning_rate": 1e-3, "fail_at": 3})
        reply, _ = c.request({"op": "train", "step": 0, "steps": 10})
        self.assertIs(reply["ok"], False)
        err = reply["error"]
        self.assertEqual(err["kind"], "FloatingPointError")
        self.assertEqual(err["message"], "diverged at step 3")
        self.assertIn("train_step", err["traceback"])
        self.assertEqual(c.wait(), 1)
        self.assertIsNone(read_frame(c.proc.stdout), "nothing after the error reply")
        stderr = c.stderr_text()
        # what the agent printed went to stderr, never into the protocol stream (which parsed cleanly above)
        for line in ("printed before serve() was called", "a stray print in init",
                     "bytes written straight to fd 1", "step 2"):
            self.assertIn(line, stderr)

    def test_unknown_op(self):
        c = self.start()
        reply, _ = c.request({"op": "dance"})
        self.assertEqual(reply["error"]["kind"], "ProtocolError")
        self.assertIn("dance", reply["error"]["message"])
        self.assertEqual(c.wait(), 1)

    def test_other_protocol_version(self):
        c = self.start()
        reply, _ = c.request({"op": "hello", "protocol": 2, "harness": {"name": "h", "version": "9"}})
        self.assertIs(reply["ok"], False)
        self.assertIn("protocol 1", reply["error"]["message"])
        self.assertEqual(c.wait(), 1)

    def test_malformed_frame(self):
        c = self.start()
        c.proc.stdin.write(b"\x03\x00\x00\x00{x}")
        c.proc.stdin.flush()
        reply, _ = c.receive()
        self.assertEqual(reply["error"]["kind"], "ProtocolError")
        self.assertEqual(c.wait(), 1)

    def test_bad_request_field(self):
        c = self.started()
        reply, _ = c.request({"op": "train", "step": 0, "steps": 0})
        self.assertIn("steps", reply["error"]["message"])
        self.assertEqual(c.wait(), 1)


class InProcessTest(unittest.TestCase):
    """run() on in-memory streams, for what needs no process."""

    def serve_frames(self, agent, frames):
        inp = io.BytesIO()
        for f in frames:
            write_frame(inp, f)
        inp.seek(0)
        out = io.BytesIO()
        with contextlib.redirect_stderr(io.StringIO()):  # the loop logs errors to stderr; keep test output clean
            code = run(agent, inp, out)
        out.seek(0)
        replies = []
        while (frame := read_frame(out)) is not None:
            replies.append(frame[0])
        return code, replies

    def test_non_finite_metrics_are_null(self):
        class Diverging(Agent):
            def train_step(self, step):
                return {"loss": float("nan"), "grad": np.float32("inf"), "ok": np.float64(2.5), "step": step}

        code, replies = self.serve_frames(Diverging(), [{"op": "train", "step": 4, "steps": 2}])
        self.assertEqual(code, 0)  # end of input
        self.assertEqual(replies, [{"ok": True, "step": 6, "metrics": {"loss": None, "grad": None, "ok": 2.5,
                                                                        "step": 5.0}}])

    def test_validate_defaults_to_no_metrics_and_close_exits_0(self):
        code, replies = self.serve_frames(Agent(), [{"op": "validate", "step": 0}, {"op": "close"},
                                                    {"op": "validate", "step": 1}])
        self.assertEqual(code, 0)
        self.assertEqual(replies, [{"ok": True, "metrics": {}}, {"ok": True}])

    def test_unimplemented_method_is_an_error(self):
        code, replies = self.serve_frames(Agent(), [{"op": "train", "step": 0, "steps": 1}])
        self.assertEqual(code, 1)
        self.assertEqual(replies[0]["error"]["kind"], "NotImplementedError")


if __name__ == "__main__":
    unittest.main()

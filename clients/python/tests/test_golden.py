"""The client's seeds, samplers and raw loading equal the Java harness's on the values in fixtures/golden.json.

The fixture is written by harness/src/test/java/flowbench/harness/external/ClientGoldenTest.java (which also fails when
the Java side changes). Every comparison is exact: floats are float32 or float64 bit for bit.
"""

import json
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from flowbench_client.data import load_ogbench_raw  # noqa: E402
from flowbench_client.sampling import ChunkSampler, GoalConfig, GoalSampler  # noqa: E402
from flowbench_client.seeds import Rng, derive, step_rng, step_seed  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")

with open(os.path.join(FIXTURES, "golden.json"), encoding="utf-8") as _f:
    GOLDEN = json.load(_f)


def f32(values):
    """Fixture floats (exact doubles of float32 values) as float32."""
    return np.asarray(values, dtype=np.float64).astype(np.float32)


def raw_dataset(name):
    return load_ogbench_raw(os.path.join(FIXTURES, "raw.npz"), compact=(name == "compact"))


class GoldenTestCase(unittest.TestCase):
    def assert_same(self, actual, expected, what, dtype=np.float32):
        actual = np.asarray(actual).reshape(-1)
        expected = np.asarray(expected, dtype=np.float64).astype(dtype).reshape(-1)
        self.assertEqual(actual.shape, expected.shape, what)
        # bit-for-bit: array_equal would let 0.0 == -0.0 through, the byte views do not
        self.assertTrue(np.array_equal(actual.astype(dtype).view(np.uint8), expected.view(np.uint8)),
                        f"{what}: {actual.tolist()} != {expected.tolist()}")


class SeedsTest(GoldenTestCase):
    def test_derive(self):
        for case in GOLDEN["derive"]:
            self.assertEqual(derive(case["root"], *case["labels"]), case["value"], case)

    def test_step_seed_is_the_train_path(self):
        self.assertEqual(step_seed(0, 5), derive(0, "train", 5))
        self.assertEqual(step_rng(7, 3).next_long(), Rng(derive(7, "train", 3)).next_long())

    def test_streams(self):
        g = GOLDEN["rng"]
        seed = g["seed"]
        r = Rng(seed)
        self.assertEqual([r.next_long() for _ in range(20)], g["next_long"])
        r = Rng(seed)
        self.assertEqual([r.next_double() for _ in range(20)], g["next_double"])
        r = Rng(seed)
        self.assert_same([r.next_float() for _ in range(20)], g["next_float"], "next_float")
        r = Rng(seed)
        self.assertEqual([r.next_int(7) for _ in range(20)], g["next_int_7"])
        r = Rng(seed)
        self.assertEqual([r.next_gaussian() for _ in range(21)], g["next_gaussian"])
        b = g["next_int_bounds"]
        r = Rng(b["seed"])
        self.assertEqual([r.next_int(bound) for bound in b["bounds"]], b["values"])
        r = Rng(seed + 1)
        self.assertEqual([r.uniform(-2, 3) for _ in range(10)], g["uniform_m2_3"])
        r = Rng(seed + 2)
        self.assert_same(r.gaussians(7), g["fill_gaussian_7"], "fill_gaussian")
        self.assertEqual([r.next_gaussian()], g["after_fill_next_gaussian"])
        r = Rng(seed + 3)
        child = r.split()
        self.assertEqual([child.next_long() for _ in range(3)], g["split_child_next_long"])
        self.assertEqual([r.next_long() for _ in range(3)], g["split_parent_next_long"])

    def test_signed_and_unsigned_seeds_are_the_same_generator(self):
        self.assertEqual(Rng(-1).next_long(), Rng(2 ** 64 - 1).next_long())

    def test_bad_bound(self):
        for bound in (0, -1, 2 ** 31):
            with self.assertRaises(ValueError):
                Rng(1).next_int(bound)


class RawLoadingTest(GoldenTestCase):
    def test_regular_and_compact(self):
        for name in ("regular", "compact"):
            want = GOLDEN["datasets"][name]
            d = raw_dataset(name)
            self.assertEqual((d.size, d.obs_dim, d.action_dim), (want["size"], want["obs_dim"], want["action_dim"]))
            for key in ("observations", "actions", "next_observations", "rewards", "masks", "terminals", "valids"):
                got = getattr(d, key)
                self.assertEqual(got.dtype, np.float32, key)
                self.assert_same(got, want[key], f"{name} {key}")
            self.assertEqual(d.compact, name == "compact")


class SamplerTest(GoldenTestCase):
    def check_chunks(self, batch, want, what):
        self.assertEqual(batch.start_indices.tolist(), want["start_indices"], what)
        for key in ("observations", "actions", "rewards", "masks", "valid", "terminals", "next_observations"):
            self.assertEqual(getattr(batch, key).dtype, np.float32, key)
            self.assert_same(getattr(batch, key), want[key], f"{what} {key}")

    def test_chunk_sampler(self):
        for case in GOLDEN["chunk"]:
            sampler = ChunkSampler(raw_dataset(case["dataset"]), case["horizon"], case["gamma"])
            batch = sampler.sample(case["batch"], Rng(case["seed"]))
            self.assertEqual(batch.actions.shape, (case["batch"], case["horizon"], 2))
            self.check_chunks(batch, case["out"], f"chunk {case['dataset']} H={case['horizon']}")

    def test_goal_sampler(self):
        for case in GOLDEN["goal"]:
            what = f"goal {case['dataset']} {case['config']}"
            sampler = GoalSampler(raw_dataset(case["dataset"]), GoalConfig(**case["config"]),
                                  goal_columns=(case["from"], case["to"]))
            one = sampler.sample(case["batch"], Rng(case["seed"]))
            want = case["sample"]
            for key in ("indices", "value_goal_indices", "actor_goal_indices"):
                self.assertEqual(getattr(one, key).tolist(), want[key], f"{what} {key}")
            for key in ("observations", "actions", "next_observations", "rewards", "masks", "value_goals",
                        "actor_goals"):
                self.assertEqual(getattr(one, key).dtype, np.float32, key)
                self.assert_same(getattr(one, key), want[key], f"{what} {key}")
            chunks = sampler.sample_chunks(case["batch"], case["horizon"], Rng(case["chunk_seed"]))
            want = case["chunks"]
            self.check_chunks(chunks, want, what + " chunks")
            for key in ("value_goal_indices", "actor_goal_indices"):
                self.assertEqual(getattr(chunks, key).tolist(), want[key], f"{what} chunks {key}")
            for key in ("value_goals", "actor_goals"):
                self.assert_same(getattr(chunks, key), want[key], f"{what} chunks {key}")


if __name__ == "__main__":
    unittest.main()

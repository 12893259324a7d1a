"""Datasets in OGBench's loaded form, as the harness's learners see them.

:func:`load_arrays` reads the ``arrays`` .npz the harness writes for a run (PROTOCOL.md, ``init``): the exact arrays its
own learners train on, rewards already relabelled. That is the file an external method should train on.

:func:`load_ogbench_raw` reproduces ``harness/src/main/java/flowbench/harness/data/Datasets.java`` for raw OGBench
files *without* a relabeller (goal-conditioned data: rewards 0, masks 1), for methods that load files themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Union

import numpy as np

#: OGBench / FQL action clip, as float32 like np.clip on float32 actions (Datasets.ACTION_CLIP)
ACTION_CLIP = np.float32(1.0 - 1e-5)
#: the keys of the harness's ``arrays`` file, all float32
ARRAY_KEYS = ("observations", "actions", "next_observations", "rewards", "masks", "terminals", "valids")
#: keys raw OGBench files never hold but processed ones do (Datasets.PROCESSED_KEYS)
PROCESSED_KEYS = ("next_observations", "rewards", "masks", "valids")

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class Dataset:
    """Row-aligned float32 arrays: observations/next_observations (N, obs), actions (N, action), the rest (N,).

    ``terminals`` marks trajectory ends (never success); ``masks`` = 1 - success cuts the Bellman target; ``valids`` is
    0 on a compact dataset's final rows, whose ``next_observations`` mean nothing.
    """

    observations: np.ndarray
    actions: np.ndarray
    next_observations: np.ndarray
    rewards: np.ndarray
    masks: np.ndarray
    terminals: np.ndarray
    valids: np.ndarray

    def __post_init__(self) -> None:
        n = self.observations.shape[0]
        for key in ARRAY_KEYS:
            a = getattr(self, key)
            want_dims = 2 if key in ("observations", "actions", "next_observations") else 1
            if a.ndim != want_dims or a.shape[0] != n:
                raise ValueError(f"dataset array '{key}' has shape {a.shape}, expected {want_dims}-D with {n} rows")
        if self.next_observations.shape != self.observations.shape:
            raise ValueError(f"next_observations {self.next_observations.shape} != observations "
                             f"{self.observations.shape}")

    @property
    def size(self) -> int:
        return int(self.observations.shape[0])

    @property
    def obs_dim(self) -> int:
        return int(self.observations.shape[1])

    @property
    def action_dim(self) -> int:
        return int(self.actions.shape[1])

    @property
    def compact(self) -> bool:
        """True for a COMPACT dataset (some rows invalid). The samplers behave identically either way: on a REGULAR
        dataset every row is valid, and drawing among the valid rows is then the same draw as drawing among all rows."""
        return bool((self.valids == 0).any())


def load_arrays(path: PathLike) -> Dataset:
    """Reads the harness's ``arrays`` .npz (keys :data:`ARRAY_KEYS`, float32) into a :class:`Dataset`."""
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in ARRAY_KEYS if k not in z.files]
        if missing:
            raise ValueError(f"{path}: missing arrays {missing}; it has {z.files}")
        return Dataset(**{k: np.ascontiguousarray(z[k], dtype=np.float32) for k in ARRAY_KEYS})


def _fail(path: PathLike, key: str, why: str) -> ValueError:
    return ValueError(f"{path}: key '{key}' {why}")


def load_ogbench_raw(path: PathLike, compact: bool = False, clip_actions: bool = True) -> Dataset:
    """Loads a raw OGBench file (one row per visited state, ``terminals`` = 1 on each episode's final row) as the
    harness does with ``LoadOptions(REGULAR or COMPACT, clip_actions, keepExtras=false)`` and no relabeller.

    REGULAR drops each episode's final row: ``next_observations[k]`` is the following row, ``terminals`` is 1 on each
    episode's last remaining transition, ``valids`` all 1. COMPACT keeps every row: ``valids`` is 0 on final rows,
    ``terminals`` is 1 on the last two rows of each episode, and a final row's ``next_observations`` is its own
    observation (a finite placeholder). Rewards 0 and masks 1: single-task rewards need the harness's relabeller, so
    train on :func:`load_arrays` there.
    """
    with np.load(path, allow_pickle=False) as z:
        processed = [k for k in PROCESSED_KEYS if k in z.files]
        if processed:
            raise ValueError(f"{path}: this is a processed dataset (it has {processed}), not an OGBench raw file")
        for key in ("observations", "actions", "terminals"):
            if key not in z.files:
                raise _fail(path, key, f"is missing; the archive has {z.files}")
        obs, act, term = z["observations"], z["actions"], z["terminals"]
    for key, a in (("observations", obs), ("actions", act)):
        if a.dtype not in (np.float32, np.float64) or a.ndim != 2:
            raise _fail(path, key, f"expected a 2-D float32 array, found {a.dtype} shape {a.shape}")
    obs = obs.astype(np.float32)  # float64 is narrowed like numpy's astype(float32); always a copy
    act = act.astype(np.float32)
    n = obs.shape[0]
    if act.shape[0] != n:
        raise _fail(path, "actions", f"has {act.shape[0]} rows, expected {n}")
    if term.ndim != 1 or term.shape[0] != n:
        raise _fail(path, "terminals", f"expected a 1-D array of {n} rows, found shape {term.shape}")
    if term.dtype != np.bool_:
        # OGBench casts terminals with astype(float32): numeric 0/1 is accepted, nothing else
        t = term.astype(np.float32)
        if not np.all((t == 0) | (t == 1)):
            raise _fail(path, "terminals", "holds values other than 0 and 1")
        term = t == 1
    if n < 2:
        raise _fail(path, "observations", f"has {n} rows, expected at least 2 (one transition)")
    for key, a in (("observations", obs), ("actions", act)):
        if not np.all(np.isfinite(a)):
            raise _fail(path, key, "holds non-finite values")
    if not term[-1]:
        raise _fail(path, "terminals", "does not end an episode on the last row (is the file truncated?)")
    ends = np.flatnonzero(term)
    starts = np.concatenate(([0], ends[:-1] + 1))
    if np.any(ends == starts):
        raise _fail(path, "terminals", "has an episode of a single row (no transition)")

    if compact:
        o = obs
        following = np.minimum(np.arange(n) + 1, n - 1)
        # a final row has no successor: its own observation keeps the array finite
        no = np.where(term[:, None], obs, obs[following])
        valids = ~term
        terminals = term | np.append(term[1:], True)
        a = act
    else:
        rows = np.flatnonzero(~term)  # every row but each episode's final state
        o, no, a = obs[rows], obs[rows + 1], act[rows]
        terminals = term[rows + 1]  # the last transition is the one whose successor ends the episode
        valids = np.ones(rows.size, dtype=bool)
    if clip_actions:
        a = np.clip(a, -ACTION_CLIP, ACTION_CLIP)
    size = o.shape[0]
    return Dataset(
        observations=np.ascontiguousarray(o),
        actions=np.ascontiguousarray(a, dtype=np.float32),
        next_observations=np.ascontiguousarray(no, dtype=np.float32),
        rewards=np.zeros(size, dtype=np.float32),
        masks=np.ones(size, dtype=np.float32),
        terminals=terminals.astype(np.float32),
        valids=valids.astype(np.float32),
    )


def save_arrays(path: PathLike, dataset: Dataset) -> None:
    """Writes ``dataset`` in the layout of the harness's ``arrays`` file (for tests and tools)."""
    np.savez(path, **{k: np.asarray(getattr(dataset, k), dtype=np.float32) for k in ARRAY_KEYS})

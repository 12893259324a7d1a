"""The harness's batch samplers, drawing the same numbers from the same :class:`~flowbench_client.seeds.Rng` in the same
order as the Java ones, with the same float32 outputs.

Ports of ``harness/src/main/java/flowbench/harness/data/ChunkSampler.java``, ``GoalSampler.java`` and
``GoalConfig.java``; their class comments define the batches. All random draws happen first, element by element in the
Java order (they interleave, so they cannot be vectorised); filling the batch from the drawn rows is deterministic and
is vectorised over the batch.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from .data import Dataset
from .seeds import Rng

_F32 = np.float32


@dataclass
class ChunkBatch:
    """Action chunks with n-step returns (ChunkBatch.java). Shapes: B = batch, H = horizon."""

    start_indices: np.ndarray  # (B,) int64, dataset row of each element's first step
    observations: np.ndarray  # (B, obs): s_idx
    actions: np.ndarray  # (B, H, A); reshape(B, H * A) is the flat chunk
    rewards: np.ndarray  # (B, H): running discounted reward sum
    masks: np.ndarray  # (B, H): running min of masks over valid steps
    valid: np.ndarray  # (B, H): 1 until the chunk crosses an episode end
    terminals: np.ndarray  # (B, H): running OR of the dataset's terminals
    next_observations: np.ndarray  # (B, H, obs): frozen at the episode's last transition

    @property
    def batch_size(self) -> int:
        return int(self.observations.shape[0])

    @property
    def horizon(self) -> int:
        return int(self.actions.shape[1])

    def flat_actions(self) -> np.ndarray:
        """(B, H * A), the chunk fed to critics and policies with action chunking."""
        return self.actions.reshape(self.actions.shape[0], -1)

    def first_actions(self) -> np.ndarray:
        """(B, A): the single action used without action chunking."""
        return self.actions[:, 0, :]

    def last_rewards(self) -> np.ndarray:
        return self.rewards[:, -1]

    def last_masks(self) -> np.ndarray:
        return self.masks[:, -1]

    def last_valid(self) -> np.ndarray:
        """0 where the chunk crosses an episode end (zero-weight the sample, keep it in the mean)."""
        return self.valid[:, -1]

    def last_next_observations(self) -> np.ndarray:
        return self.next_observations[:, -1, :]


@dataclass
class GoalChunkBatch(ChunkBatch):
    """A :class:`ChunkBatch` relabelled against a hindsight value goal, plus value and actor goals (B, goal)."""

    value_goal_indices: np.ndarray = None
    actor_goal_indices: np.ndarray = None
    value_goals: np.ndarray = None
    actor_goals: np.ndarray = None


@dataclass
class GoalBatch:
    """One-step goal-conditioned batch (GoalBatch.java): success = (value goal row == idx)."""

    indices: np.ndarray  # (B,)
    value_goal_indices: np.ndarray  # (B,)
    actor_goal_indices: np.ndarray  # (B,)
    observations: np.ndarray  # (B, obs)
    actions: np.ndarray  # (B, A)
    next_observations: np.ndarray  # (B, obs)
    rewards: np.ndarray  # (B,)
    masks: np.ndarray  # (B,)
    value_goals: np.ndarray  # (B, goal)
    actor_goals: np.ndarray  # (B, goal)


def _valid_rows(dataset: Dataset, last: int) -> np.ndarray:
    """Rows 0..last whose valids flag is set (ChunkSampler.validRows)."""
    return np.flatnonzero(dataset.valids[: last + 1] != 0)


def _fill_chunks(d: Dataset, discounts: Sequence[float], starts: np.ndarray, horizon: int,
                 goal_rows: Optional[np.ndarray], goal_reward_offset: np.float32, absorbing: bool) -> dict:
    """ChunkSampler.fillChunk for a whole batch: the per-step recursion, vectorised over the batch.

    Rewards accumulate in float64 and are stored as float32, like the Java doubles; labels come from the dataset or,
    with ``goal_rows``, from relabelling against the goal row: r_j = [j == g] + offset, m_j = 1 - [j == g].
    """
    b = starts.shape[0]
    terms = d.terminals != 0
    actions = np.empty((b, horizon, d.action_dim), dtype=_F32)
    rewards = np.empty((b, horizon), dtype=_F32)
    masks = np.empty((b, horizon), dtype=_F32)
    valid = np.empty((b, horizon), dtype=_F32)
    terminals = np.empty((b, horizon), dtype=_F32)
    next_obs = np.empty((b, horizon, d.obs_dim), dtype=_F32)
    reward = np.zeros(b, dtype=np.float64)
    mask = np.ones(b, dtype=_F32)
    term_cum = np.zeros(b, dtype=bool)
    for i in range(horizon):
        j = starts + i
        actions[:, i] = d.actions[j]
        v = np.ones(b, dtype=bool) if i == 0 else ~term_cum
        if goal_rows is None:
            rj, mj = d.rewards[j], d.masks[j]
        else:
            hit = j == goal_rows
            rj = hit.astype(_F32) + goal_reward_offset
            mj = (~hit).astype(_F32)
        if i == 0:
            reward = rj.astype(np.float64)
            mask = mj.copy()
        else:
            add = v & (mask > 0) if absorbing else v
            reward = np.where(add, reward + discounts[i] * rj.astype(np.float64), reward)
            mask = np.where(v, np.minimum(mask, mj), mask)
        rewards[:, i] = reward.astype(_F32)
        masks[:, i] = mask
        valid[:, i] = v
        next_obs[:, i] = np.where(v[:, None], d.next_observations[j], next_obs[:, i - 1] if i else 0)
        term_cum = term_cum | terms[j]
        terminals[:, i] = term_cum
    return dict(start_indices=starts.astype(np.int64), observations=d.observations[starts].astype(_F32),
                actions=actions, rewards=rewards, masks=masks, valid=valid, terminals=terminals,
                next_observations=next_obs)


class ChunkSampler:
    """Action-chunked n-step sampling (ChunkSampler.java, QC/QAM's ``Dataset.sample_sequence``).

    Start indices are uniform over the valid rows of 0..size-H (every row of a REGULAR dataset), one ``next_int`` each.
    """

    def __init__(self, dataset: Dataset, horizon: int, gamma: float):
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        if not 0 <= gamma <= 1:
            raise ValueError(f"gamma must be in [0, 1], got {gamma}")
        if dataset.size < horizon:
            raise ValueError(f"dataset has {dataset.size} rows, fewer than the horizon {horizon}")
        self.dataset = dataset
        self.horizon = horizon
        self.gamma = gamma
        self.discounts = [math.pow(gamma, i) for i in range(horizon)]
        self._starts = _valid_rows(dataset, dataset.size - horizon)
        if self._starts.size == 0:
            raise ValueError(f"dataset has no valid start row in 0..{dataset.size - horizon}")

    @property
    def num_starts(self) -> int:
        return int(self._starts.size)

    def sample_start(self, rng: Rng) -> int:
        return int(self._starts[rng.next_int(self._starts.size)])

    def sample(self, batch_size: int, rng: Rng) -> ChunkBatch:
        starts = np.array([self.sample_start(rng) for _ in range(batch_size)], dtype=np.int64)
        return self.fill(starts)

    def fill(self, starts: np.ndarray) -> ChunkBatch:
        """The chunks starting at the given rows (deterministic)."""
        starts = np.asarray(starts, dtype=np.int64)
        if starts.size and (starts.min() < 0 or starts.max() > self.dataset.size - self.horizon):
            raise IndexError(f"chunk start outside 0..{self.dataset.size - self.horizon}")
        return ChunkBatch(**_fill_chunks(self.dataset, self.discounts, starts, self.horizon, None, _F32(0), False))


@dataclass(frozen=True)
class GoalConfig:
    """Hindsight goal relabelling settings (GoalConfig.java, OGBench ``GCDataset`` conventions).

    For each of the value goal and the actor goal: the current row with probability ``p_cur``, a future row of the same
    trajectory with ``p_traj`` (geometric offset ~ Geom(1 - discount) when ``geom``, else uniform), a random row with
    ``p_random``. The defaults are GoalConfig.defaults().
    """

    discount: float = 0.99
    value_p_cur_goal: float = 0.2
    value_p_traj_goal: float = 0.5
    value_p_random_goal: float = 0.3
    value_geom_sample: bool = False
    actor_p_cur_goal: float = 0.0
    actor_p_traj_goal: float = 1.0
    actor_p_random_goal: float = 0.0
    actor_geom_sample: bool = True
    negative_reward: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.discount < 1:
            raise ValueError(f"discount must be in [0, 1), got {self.discount}")
        for which in ("value", "actor"):
            ps = [getattr(self, f"{which}_p_{k}_goal") for k in ("cur", "traj", "random")]
            if not all(0 <= p <= 1 for p in ps):
                raise ValueError(f"{which} goal probabilities must be in [0, 1], got {ps}")
            if abs(sum(ps) - 1.0) > 1e-8 + 1e-5:  # np.isclose(sum, 1.0), as OGBench asserts
                raise ValueError(f"{which} goal probabilities must sum to 1, got {ps}")

    @property
    def reward_offset(self) -> np.float32:
        """Added to the 0/1 success to make the reward: -1 with ``negative_reward``, else 0."""
        return _F32(-1.0 if self.negative_reward else 0.0)


def geometric(p: float, rng: Rng) -> int:
    """numpy's geometric (trials until the first success, support 1, 2, ...) by inverse CDF (GoalSampler.geometric)."""
    if p >= 1.0:
        return 1
    u = 1.0 - rng.next_double()  # (0, 1]
    k = math.floor(math.log(u) / math.log1p(-p))
    half_max = 1 << 62  # Java compares the double k with (double) (Long.MAX_VALUE / 2) = 2^62
    return half_max - 1 if k >= half_max else 1 + k


class GoalSampler:
    """Hindsight goal sampling (GoalSampler.java, OGBench ``GCDataset.sample_goals``).

    Goals are the observation columns ``goal_columns = (from, to)`` of the goal row (the whole observation by default).
    """

    def __init__(self, dataset: Dataset, config: GoalConfig = GoalConfig(),
                 goal_columns: Optional[Tuple[int, int]] = None):
        lo, hi = goal_columns if goal_columns is not None else (0, dataset.obs_dim)
        if lo < 0 or hi > dataset.obs_dim or lo >= hi:
            raise ValueError(f"goal columns [{lo}, {hi}) outside 0..{dataset.obs_dim}")
        if dataset.size == 0 or dataset.terminals[-1] == 0:
            raise ValueError("goal sampling needs the dataset's last row to end a trajectory (terminals[-1] = 1)")
        self.dataset = dataset
        self.config = config
        self.goal_columns = (lo, hi)
        self._terminal_locs = np.flatnonzero(dataset.terminals != 0).tolist()
        self._random_rows = _valid_rows(dataset, dataset.size - 1)
        if self._random_rows.size == 0:
            raise ValueError("dataset has no valid row")
        self._chunk_starts: Optional[ChunkSampler] = None

    @property
    def goal_dim(self) -> int:
        return self.goal_columns[1] - self.goal_columns[0]

    def goals(self, rows: np.ndarray) -> np.ndarray:
        """The goal representation of dataset rows (B, goal)."""
        lo, hi = self.goal_columns
        return self.dataset.observations[rows, lo:hi].astype(_F32)

    def random_index(self, rng: Rng) -> int:
        """A uniform dataset row (valid rows only on a compact dataset)."""
        return int(self._random_rows[rng.next_int(self._random_rows.size)])

    def final_state_index(self, idx: int) -> int:
        """The last transition row of the trajectory containing ``idx``."""
        return self._terminal_locs[bisect.bisect_left(self._terminal_locs, idx)]

    def sample_goal(self, idx: int, p_cur: float, p_traj: float, geom: bool, rng: Rng) -> int:
        """A goal row for ``idx``: draws random row, future offset, future-or-random, current, in that order."""
        random = self.random_index(rng)
        fin = self.final_state_index(idx)
        if geom:
            traj = min(idx + geometric(1.0 - self.config.discount, rng), fin)
        else:
            u = rng.next_double()
            traj = round(min(idx + 1, fin) * u + fin * (1.0 - u))  # round half to even, like np.round and Math.rint
        goal = traj if rng.next_double() < p_traj / (1.0 - p_cur + 1e-6) else random
        return idx if rng.next_double() < p_cur else goal

    def sample_value_goal(self, idx: int, rng: Rng) -> int:
        c = self.config
        return self.sample_goal(idx, c.value_p_cur_goal, c.value_p_traj_goal, c.value_geom_sample, rng)

    def sample_actor_goal(self, idx: int, rng: Rng) -> int:
        c = self.config
        return self.sample_goal(idx, c.actor_p_cur_goal, c.actor_p_traj_goal, c.actor_geom_sample, rng)

    def sample(self, batch_size: int, rng: Rng) -> GoalBatch:
        """One-step batch: per element a random row, its value goal, its actor goal."""
        rows = np.empty((3, batch_size), dtype=np.int64)
        for b in range(batch_size):
            idx = self.random_index(rng)
            rows[:, b] = idx, self.sample_value_goal(idx, rng), self.sample_actor_goal(idx, rng)
        idx, vg, ag = rows
        d = self.dataset
        success = (vg == idx).astype(_F32)
        return GoalBatch(indices=idx, value_goal_indices=vg, actor_goal_indices=ag,
                         observations=d.observations[idx].astype(_F32), actions=d.actions[idx].astype(_F32),
                         next_observations=d.next_observations[idx].astype(_F32),
                         rewards=success + self.config.reward_offset, masks=_F32(1) - success,
                         value_goals=self.goals(vg), actor_goals=self.goals(ag))

    def sample_chunks(self, batch_size: int, horizon: int, rng: Rng) -> GoalChunkBatch:
        """Goal-conditioned chunks: start as :class:`ChunkSampler` draws it, then value and actor goals; labels are
        relabelled against the value goal with the goal absorbing (GoalSampler.sampleChunksInto)."""
        starts = self._chunk_starts
        if starts is None or starts.horizon != horizon:
            starts = self._chunk_starts = ChunkSampler(self.dataset, horizon, self.config.discount)
        rows = np.empty((3, batch_size), dtype=np.int64)
        for b in range(batch_size):
            idx = starts.sample_start(rng)
            rows[:, b] = idx, self.sample_value_goal(idx, rng), self.sample_actor_goal(idx, rng)
        return self.fill_chunks(rows[0], rows[1], rows[2], horizon)

    def fill_chunks(self, starts: np.ndarray, value_goals: np.ndarray, actor_goals: np.ndarray,
                    horizon: int) -> GoalChunkBatch:
        """The goal-conditioned chunks at the given start and goal rows (deterministic)."""
        starts, vg, ag = (np.asarray(x, dtype=np.int64) for x in (starts, value_goals, actor_goals))
        discounts = [math.pow(self.config.discount, i) for i in range(horizon)]
        fields = _fill_chunks(self.dataset, discounts, starts, horizon, vg, self.config.reward_offset, True)
        return GoalChunkBatch(**fields, value_goal_indices=vg, actor_goal_indices=ag,
                              value_goals=self.goals(vg), actor_goals=self.goals(ag))


class OfflineBatches:
    """Training batches as flowbench's Java baselines draw them (baselines' OfflineBatches.java): chunks of H actions
    from :class:`ChunkSampler`, or on goal-conditioned tasks from :meth:`GoalSampler.sample_chunks` with hindsight
    goals, and the actor's conditioning c = s or [s, g_actor].

    With the same seed, step and settings, :meth:`sample` returns the minibatch a Java learner gets for that step from
    ``Seeds.rng(seed, "train", step)``.
    """

    def __init__(self, dataset: Dataset, horizon: int, gamma: float, goal_config: Optional[GoalConfig] = None,
                 goal_columns: Optional[Tuple[int, int]] = None):
        self.horizon = horizon
        if goal_config is not None:
            self.goals: Optional[GoalSampler] = GoalSampler(dataset, goal_config, goal_columns)
            self.chunks = None
        else:
            self.goals = None
            self.chunks = ChunkSampler(dataset, horizon, gamma)

    @property
    def goal_conditioned(self) -> bool:
        return self.goals is not None

    def sample(self, batch_size: int, rng: Rng) -> ChunkBatch:
        if self.goals is not None:
            return self.goals.sample_chunks(batch_size, self.horizon, rng)
        return self.chunks.sample(batch_size, rng)

    def conditioning(self, batch: ChunkBatch) -> np.ndarray:
        """The actor's input: observations, or [observations, actor goals] row by row."""
        return policy_conditioning(batch.observations, getattr(batch, "actor_goals", None))


def policy_conditioning(observations: np.ndarray, goals: Optional[np.ndarray]) -> np.ndarray:
    """[s] or the row-wise concatenation [s, g] (float32): the layout policies are trained and queried on."""
    observations = np.asarray(observations, dtype=_F32)
    if goals is None or np.asarray(goals).shape[-1] == 0:
        return observations
    return np.concatenate([observations, np.asarray(goals, dtype=_F32)], axis=1)

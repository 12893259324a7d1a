"""The class a method subclasses, and the ``init`` specification it receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from .data import Dataset


@dataclass
class Task:
    """``init``'s ``task`` object (PROTOCOL.md); fields the harness adds later are kept in ``extra``."""

    name: str
    mode: str  # "single-task" or "goal-conditioned"
    obs_dim: int
    action_dim: int
    goal_dim: int
    max_episode_steps: int
    dataset: str
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def goal_conditioned(self) -> bool:
        return self.mode == "goal-conditioned"

    @classmethod
    def from_json(cls, obj: Dict[str, Any]) -> "Task":
        known = ("name", "mode", "obs_dim", "action_dim", "goal_dim", "max_episode_steps", "dataset")
        missing = [k for k in known if k not in obj]
        if missing:
            raise KeyError(f"init.task lacks {missing}")
        return cls(**{k: obj[k] for k in known}, extra={k: v for k, v in obj.items() if k not in known})


@dataclass
class Spec:
    """Everything ``init`` tells the method, with the datasets already loaded from their ``arrays`` files."""

    task: Task
    config: Dict[str, Any]  # the method's defaults merged with the user's --set
    seed: int  # the run seed
    seeds: Dict[str, int]  # e.g. seeds["init"] = derive(seed, "external", "init")
    budget: Dict[str, Any]  # train_steps, eval_every, log_every, checkpoint_every, episodes_per_task
    domain: Dict[str, Any]  # column and settings (advice: horizon, discount, ...)
    train: Dataset
    validation: Optional[Dataset]
    datasets: Dict[str, Any]  # the request's dataset entries (source, sha256, arrays, transitions)
    request: Dict[str, Any]  # the whole init header, for fields this class does not name

    @property
    def init_seed(self) -> int:
        return int(self.seeds["init"])

    def domain_setting(self, key: str, default: Any = None) -> Any:
        """A value of the domain's shared settings (``domain.settings[key]``), or ``default``."""
        return (self.domain.get("settings") or {}).get(key, default)

    @property
    def overrides(self) -> list:
        """The config keys the user set with --set (``init.overrides``)."""
        return list(self.request.get("overrides") or [])

    def advised(self, key: str, configured: Any, fallback: Any, kind: Callable[[Any], Any] = float,
                config_key: Optional[str] = None) -> Any:
        """The value flowbench's own algorithms would use for ``key`` (e.g. ``horizon``, ``discount``): the user's
        ``--set`` of ``config_key`` (default ``key``) wins; else the domain's advice ``domain.settings[key]``; else
        ``configured`` (the method's default) unless it is None or 0; else ``fallback``. Converted with ``kind``.
        """
        if (config_key or key) in self.overrides and configured is not None:
            return kind(configured)
        advice = self.domain_setting(key)
        if advice is not None:
            # numbers may arrive as text from older harnesses ("5"); int("5.0") would fail, int(float("5.0")) does not
            return kind(float(advice)) if kind is int else kind(advice)
        if configured is not None and configured != 0:
            return kind(configured)
        return kind(fallback)

    def goal_columns(self) -> Tuple[int, int]:
        """The observation columns ``[from, to)`` that make a goal on a goal-conditioned task, for
        :class:`~flowbench_client.sampling.GoalSampler`: ``task.goal_columns`` when the harness sends it, else the
        whole observation when the goal is as wide as it (e.g. the maze tasks)."""
        cols = self.task.extra.get("goal_columns")
        if cols is not None:
            return int(cols[0]), int(cols[1])
        if self.task.goal_dim == self.task.obs_dim:
            return 0, self.task.obs_dim
        raise ValueError(f"task {self.task.name}: goals have {self.task.goal_dim} of the observation's "
                         f"{self.task.obs_dim} columns and init did not say which (task.goal_columns)")


class Agent:
    """Subclass this, set the class attributes, override the methods, then call ``serve(MyAgent())``.

    The serve loop calls ``init`` once, then ``train_step`` once per update (step indices 0, 1, ... without gaps, also
    across a resume: after ``load`` the next step is the one after the checkpoint), ``act`` for evaluation queries and
    ``save``/``load`` for checkpoints. Any exception fails the run with the exception's class name and message.
    While a request is served, ``self.request`` holds its header (e.g. ``step`` and ``task_id`` of an ``act``).
    """

    #: the method's leaderboard name: lower case letters, digits, '-', '.', '_'; not one of flowbench's algorithms
    name: str = "unnamed-method"
    version: str = "0.0.0"
    family: str = "training-time"  # or "test-time"
    paper: str = ""
    description: str = ""
    code_url: str = ""
    #: True when a rerun with the same seed and config gives the same per-episode outcomes (the leaderboard then
    #: requires exactly that to mark a submission reproduced); else ``tolerance`` bounds the success difference it accepts
    deterministic: bool = False
    tolerance: float = 0.0
    #: the configuration; the user's --set key=value must name one of these keys (nested dicts allowed)
    defaults: Dict[str, Any] = {}

    request: Dict[str, Any] = {}

    def init(self, spec: Spec) -> Dict[str, int]:
        """Builds the model. Returns the policies it exposes, each with its chunk length H >= 1, in report order."""
        raise NotImplementedError

    def train_step(self, step: int) -> Dict[str, float]:
        """One update, 0-based index ``step``; returns its metrics (non-finite values are sent as null)."""
        raise NotImplementedError

    def act(self, policy: str, observations: np.ndarray, goals: Optional[np.ndarray],
            noise_seeds: np.ndarray) -> np.ndarray:
        """Actions for n rows: float (n, H, action) or (n, H * action), finite and inside [-1, 1].

        ``observations`` is float32 (n, obs); ``goals`` float32 (n, goal) or None; ``noise_seeds`` int64 (n,): draw row
        i's noise from ``noise_seeds[i]`` to make the episode a pure function of the run seed.
        """
        raise NotImplementedError

    def save(self, dir: str) -> None:
        """Writes everything needed to continue training exactly (parameters, optimiser state) into ``dir``."""
        raise NotImplementedError

    def load(self, dir: str) -> None:
        """Restores what :meth:`save` wrote; called after ``init`` on a fresh process when a run resumes."""
        raise NotImplementedError

    def validate(self, step: int) -> Dict[str, float]:
        """Optional validation metrics after ``step`` updates (e.g. a loss on ``spec.validation``)."""
        return {}

    def parameter_count(self) -> int:
        """The number of trainable parameters (for scaling plots)."""
        return 0

    def info(self) -> Dict[str, str]:
        """The ``agent`` object of the ``hello`` reply."""
        return {"name": self.name, "version": self.version, "family": self.family, "paper": self.paper,
                "description": self.description, "code_url": self.code_url,
                "deterministic": bool(self.deterministic), "tolerance": float(self.tolerance)}

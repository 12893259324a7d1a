"""flowbench-client: write an offline RL method in Python and run it under the flowbench harness.

The harness owns data, seeds, budget, evaluation and records; the method implements an :class:`Agent` and calls
:func:`serve`. See clients/PROTOCOL.md for the wire protocol this package speaks.
"""

__version__ = "0.1.0"  # defined before the imports below: serve.py reports it in the hello reply

from .agent import Agent, Spec, Task
from .data import Dataset, load_arrays, load_ogbench_raw
from .protocol import PROTOCOL_VERSION, ProtocolError
from .sampling import ChunkSampler, GoalConfig, GoalSampler, OfflineBatches
from .seeds import Rng, derive, step_rng, step_seed
from .serve import serve

__all__ = [
    "Agent", "Spec", "Task", "Dataset", "load_arrays", "load_ogbench_raw", "PROTOCOL_VERSION", "ProtocolError",
    "ChunkSampler", "GoalConfig", "GoalSampler", "OfflineBatches", "Rng", "derive", "step_rng", "step_seed", "serve",
    "__version__",
]

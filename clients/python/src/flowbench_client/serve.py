"""The child side of the protocol: a request loop around an :class:`~flowbench_client.agent.Agent`."""

from __future__ import annotations

import copy
import math
import os
import sys
import traceback
from typing import IO, Any, Dict, NoReturn, Optional, Tuple

import numpy as np

from . import __version__
from .agent import Agent, Spec, Task
from .data import load_arrays
from .fingerprint import environment
from .protocol import PROTOCOL_VERSION, ProtocolError, error_header, read_frame, write_frame

CLIENT_NAME = "flowbench-client"

Reply = Tuple[Dict[str, Any], Optional[Dict[str, np.ndarray]]]


_claimed: Optional[Tuple[IO[bytes], IO[bytes]]] = None


def claim_stdio() -> Tuple[IO[bytes], IO[bytes]]:
    """Moves the protocol streams to private descriptors; fd 1 becomes stderr and fd 0 /dev/null. Idempotent.

    A stray print, a library's progress bar or a C extension writing to fd 1 would otherwise land inside a frame,
    and code reading stdin would steal request bytes. os.dup gives non-inheritable descriptors, so child processes
    of the method never hold the protocol pipes either. :func:`serve` calls it; call it yourself first thing in the
    entry script if imports print (with PYTHONUNBUFFERED=1 or ``python -u`` such output would reach the harness
    before serve() could redirect it).
    """
    global _claimed
    if _claimed is not None:
        return _claimed
    proto_out = os.dup(1)
    os.dup2(2, 1)
    proto_in = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # only now flush: text printed before serve() was called goes to stderr, not into the first frame
    try:
        sys.stdout.flush()
        sys.stdout.reconfigure(line_buffering=True)  # logs reach the harness's stderr tail promptly
    except (AttributeError, ValueError, OSError):
        pass  # sys.stdout was replaced by something else; fd 1 is redirected all the same
    _claimed = os.fdopen(proto_in, "rb", buffering=1 << 16), os.fdopen(proto_out, "wb", buffering=1 << 16)
    return _claimed


def _int_field(header: Dict[str, Any], key: str, minimum: int = 0) -> int:
    v = header.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise ProtocolError(f"request '{header.get('op')}' needs an integer '{key}' >= {minimum}, got {v!r}")
    return v


def _str_field(header: Dict[str, Any], key: str) -> str:
    v = header.get(key)
    if not isinstance(v, str):
        raise ProtocolError(f"request '{header.get('op')}' needs a string '{key}', got {v!r}")
    return v


def clean_metrics(metrics: Any) -> Dict[str, Optional[float]]:
    """Metrics as JSON numbers: floats, with NaN and infinities as None (a diverged loss is a result, not an error)."""
    if metrics is None:
        return {}
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict of name -> number, got {type(metrics).__name__}")
    out: Dict[str, Optional[float]] = {}
    for k, v in metrics.items():
        x = float(v)  # numpy scalars and 0-d tensors convert; anything else fails here with a clear TypeError
        out[str(k)] = x if math.isfinite(x) else None
    return out


class Session:
    """Serves requests for one agent; one instance per process."""

    def __init__(self, agent: Agent):
        self.agent = agent
        self.spec: Optional[Spec] = None

    def handle(self, header: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> Reply:
        op = header.get("op")
        handler = getattr(self, f"_op_{op}", None) if isinstance(op, str) else None
        if handler is None:
            raise ProtocolError(f"unknown op {op!r}")
        self.agent.request = header
        return handler(header, arrays)

    def _op_hello(self, header, arrays) -> Reply:
        if header.get("protocol") != PROTOCOL_VERSION:
            raise ProtocolError(f"the harness speaks protocol {header.get('protocol')!r}; "
                                f"{CLIENT_NAME} {__version__} speaks protocol {PROTOCOL_VERSION}")
        return {"protocol": PROTOCOL_VERSION, "agent": self.agent.info(),
                "defaults": copy.deepcopy(self.agent.defaults),
                "client": {"name": CLIENT_NAME, "version": __version__},
                "environment": environment()}, None

    def _op_init(self, header, arrays) -> Reply:
        datasets = header.get("datasets") or {}
        val = datasets.get("validation")
        self.spec = Spec(
            task=Task.from_json(header["task"]),
            config=header.get("config") or {},
            seed=_int_field(header, "seed", minimum=-(1 << 63)),
            seeds=header.get("seeds") or {},
            budget=header.get("budget") or {},
            domain=header.get("domain") or {},
            train=load_arrays(datasets["train"]["arrays"]),
            validation=load_arrays(val["arrays"]) if val and val.get("arrays") else None,
            datasets=datasets,
            request=header,
        )
        policies = self.agent.init(self.spec)
        if not isinstance(policies, dict) or not policies:
            raise ValueError(f"init must return a non-empty dict policy -> chunk length, got {policies!r}")
        for name, h in policies.items():
            if not isinstance(name, str) or not isinstance(h, (int, np.integer)) or isinstance(h, bool) or h < 1:
                raise ValueError(f"policy {name!r}: chunk length must be an integer >= 1, got {h!r}")
        return {"policies": {k: int(v) for k, v in policies.items()},
                "parameter_count": int(self.agent.parameter_count())}, None

    def _op_train(self, header, arrays) -> Reply:
        step = _int_field(header, "step")
        steps = _int_field(header, "steps", minimum=1)
        metrics = None
        for s in range(step, step + steps):
            metrics = self.agent.train_step(s)
        return {"step": step + steps, "metrics": clean_metrics(metrics)}, None

    def _op_validate(self, header, arrays) -> Reply:
        return {"metrics": clean_metrics(self.agent.validate(_int_field(header, "step")))}, None

    def _op_act(self, header, arrays) -> Reply:
        policy = _str_field(header, "policy")
        for key in ("observations", "noise_seeds"):
            if key not in arrays:
                raise ProtocolError(f"act request lacks the array '{key}'")
        actions = self.agent.act(policy, arrays["observations"], arrays.get("goals"), arrays["noise_seeds"])
        # float32 as the protocol wants; shape, range and finiteness are the harness's to check (and report)
        return {}, {"actions": np.asarray(actions, dtype=np.float32)}

    def _op_save(self, header, arrays) -> Reply:
        self.agent.save(_str_field(header, "dir"))
        return {}, None

    def _op_load(self, header, arrays) -> Reply:
        self.agent.load(_str_field(header, "dir"))
        return {}, None

    def _op_close(self, header, arrays) -> Reply:
        return {}, None


def run(agent: Agent, reader: IO[bytes], writer: IO[bytes]) -> int:
    """Serves requests from ``reader`` until end of stream (0), ``close`` (0) or an error (1, after an error reply)."""
    session = Session(agent)
    while True:
        try:
            frame = read_frame(reader)
        except ProtocolError as e:
            return _fail(writer, "ProtocolError", str(e), "")
        if frame is None:
            return 0  # the harness is gone: never outlive it
        header, arrays = frame
        try:
            fields, out_arrays = session.handle(header, arrays)
            reply = {"ok": True, **fields}
        except Exception as e:  # the agent's or the request's fault alike: reported, then the process ends
            return _fail(writer, type(e).__name__, str(e), traceback.format_exc())
        try:
            write_frame(writer, reply, out_arrays)
        except (BrokenPipeError, ConnectionResetError):
            return 1
        except Exception as e:  # e.g. an unserialisable value in an agent's reply: say so instead of dying silently
            return _fail(writer, type(e).__name__, f"cannot send the reply: {e}", traceback.format_exc())
        if header.get("op") == "close":
            return 0


def _fail(writer: IO[bytes], kind: str, message: str, tb: str) -> int:
    print(f"{CLIENT_NAME}: {kind}: {message}\n{tb}", file=sys.stderr, flush=True)
    try:
        write_frame(writer, error_header(kind, message, tb))
    except Exception:
        pass  # the harness may be gone; the exit code and stderr still tell
    return 1


def serve(agent: Agent) -> NoReturn:
    """Runs ``agent`` as the harness's child process on stdin/stdout and exits with the loop's exit code."""
    reader, writer = claim_stdio()
    code = run(agent, reader, writer)
    try:
        writer.flush()
    except OSError:
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)

"""The ``environment`` object of the ``hello`` reply (PROTOCOL.md): what the run's provenance records about the
process that trained the method, so that a result can be traced to an interpreter, a package set and a commit."""

from __future__ import annotations

import hashlib
import os
import platform
import re
import subprocess
import sys
from importlib import metadata as _metadata
from typing import Any, Dict, Optional


def packages() -> list:
    """Sorted, de-duplicated ``name==version`` lines (names lower-cased) of every installed distribution."""
    lines = set()
    for dist in _metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:  # a broken install can leave a distribution without metadata
            lines.add(f"{name.lower()}=={dist.version}")
    return sorted(lines)


def packages_sha256(lines: list) -> str:
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


def _git(folder: str, *args: str) -> Optional[str]:
    try:
        done = subprocess.run(["git", "-C", folder, *args], stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _strip_credentials(url: str) -> str:
    # https://user:token@host/repo must not end up in a published run record
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url, flags=re.IGNORECASE)


def git_info(script: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """``{revision, dirty, remote}`` of the git repository holding ``script`` (default: the entry script), or None."""
    script = script if script is not None else (sys.argv[0] if sys.argv else "")
    if not script or script in ("-c", "-m") or not os.path.exists(script):
        return None
    folder = os.path.dirname(os.path.abspath(script))
    revision = _git(folder, "rev-parse", "HEAD")
    if revision is None:
        return None
    status = _git(folder, "status", "--porcelain")
    remote = _git(folder, "remote", "get-url", "origin")
    return {"revision": revision, "dirty": bool(status) if status is not None else None,
            "remote": _strip_credentials(remote) if remote else None}


def accelerator() -> str:
    """``cuda:<i> <name>`` of the device torch or jax uses, if either is already imported; else ``cpu``.

    Nothing is imported here: importing torch or jax only to print a name would cost seconds and memory.
    """
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_available():
                i = torch.cuda.current_device()
                return f"cuda:{i} {torch.cuda.get_device_name(i)}"
        except Exception:  # a broken CUDA install must not stop the run; the fingerprint just says less
            pass
    jax = sys.modules.get("jax")
    if jax is not None:
        try:
            d = jax.devices()[0]
            if d.platform != "cpu":
                return f"{d.platform}:{d.id} {d.device_kind}"
        except Exception:
            pass
    return "cpu"


def environment(script: Optional[str] = None) -> Dict[str, Any]:
    """The ``environment`` object of PROTOCOL.md's ``hello`` reply."""
    lines = packages()
    return {
        "language": f"python {platform.python_version()}",
        "platform": platform.platform(),
        "packages_sha256": packages_sha256(lines),
        "packages": len(lines),
        "git": git_info(script),
        "accelerator": accelerator(),
    }

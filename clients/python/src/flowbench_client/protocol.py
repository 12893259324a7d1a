"""Frames of the external-learner protocol, version 1 (clients/PROTOCOL.md, section Framing).

A frame is a u32 little-endian header length, a UTF-8 JSON object of that many bytes, then the raw bytes of every
array listed in ``header["arrays"]``, in order, little-endian, row-major, no padding.
"""

from __future__ import annotations

import json
import struct
from typing import IO, Any, Dict, Mapping, Optional, Tuple

import numpy as np

PROTOCOL_VERSION = 1
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_ARRAY_BYTES = 2 ** 31 - 1  # "2 GiB" as the Java harness enforces it (Integer.MAX_VALUE)

#: wire dtype name -> numpy dtype (explicitly little-endian, whatever the host's order)
DTYPES = {"f32": np.dtype("<f4"), "f64": np.dtype("<f8"), "i64": np.dtype("<i8"), "u8": np.dtype("u1")}
_WIRE_NAMES = {dt.str: name for name, dt in DTYPES.items()}
_LENGTH = struct.Struct("<I")


class ProtocolError(Exception):
    """A malformed frame or header (the harness reports these as failure kind ``protocol``)."""


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN and Infinity, which are not JSON; the protocol sends null for non-finite numbers
    raise ProtocolError(f"header holds the non-JSON number {name}")


def _wire_dtype(a: np.ndarray) -> str:
    name = _WIRE_NAMES.get(a.dtype.newbyteorder("<").str)  # a big-endian array is sent after a byte swap
    if name is None:
        raise ProtocolError(f"array dtype {a.dtype} cannot be sent; use float32, float64, int64 or uint8")
    return name


def write_frame(stream: IO[bytes], header: Mapping[str, Any],
                arrays: Optional[Mapping[str, np.ndarray]] = None) -> None:
    """Writes one frame and flushes. ``arrays`` (name -> array, in order) are listed in the header by this function."""
    header = dict(header)
    if "arrays" in header:
        raise ValueError("pass arrays separately; write_frame builds header['arrays'] itself")
    payload = []
    entries = []
    for name, a in (arrays or {}).items():
        a = np.asarray(a)
        wire = _wire_dtype(a)
        # little-endian, C order: a copy only where the array is not already laid out that way
        a = np.asarray(a, dtype=DTYPES[wire], order="C")  # not ascontiguousarray: it turns 0-d into 1-d
        if a.nbytes > MAX_ARRAY_BYTES:
            raise ProtocolError(f"array '{name}' has {a.nbytes} bytes, more than the protocol's {MAX_ARRAY_BYTES}")
        entries.append({"name": name, "dtype": wire, "shape": [int(n) for n in a.shape]})
        payload.append(a)
    if entries:
        header["arrays"] = entries
    # allow_nan=False: a NaN that slipped through would otherwise be written as the non-JSON token NaN
    text = json.dumps(header, allow_nan=False, separators=(",", ":")).encode("utf-8")
    if len(text) > MAX_HEADER_BYTES:
        raise ProtocolError(f"header has {len(text)} bytes, more than the protocol's {MAX_HEADER_BYTES}")
    stream.write(_LENGTH.pack(len(text)))
    stream.write(text)
    for a in payload:
        if a.size:
            stream.write(a.reshape(-1).view(np.uint8))  # the array's own memory, no bytes copy
    stream.flush()


def _read_exact(stream: IO[bytes], n: int, what: str) -> bytearray:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            raise ProtocolError(f"end of stream inside a frame: {what} has {got} of {n} bytes")
        got += k
    return buf


def _array_entry(entry: Any, index: int) -> Tuple[str, np.dtype, Tuple[int, ...], int]:
    if not isinstance(entry, dict):
        raise ProtocolError(f"header.arrays[{index}] is not an object: {entry!r}")
    name, dtype, shape = entry.get("name"), entry.get("dtype"), entry.get("shape")
    if not isinstance(name, str) or not name:
        raise ProtocolError(f"header.arrays[{index}].name must be a non-empty string, got {name!r}")
    if dtype not in DTYPES:
        raise ProtocolError(f"array '{name}': dtype {dtype!r} is not one of {sorted(DTYPES)}")
    # bool is an int in Python; a shape of [true] is not a shape
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ProtocolError(f"array '{name}': shape must be a list of non-negative integers, got {shape!r}")
    count = 1
    for n in shape:
        count *= n
    nbytes = count * DTYPES[dtype].itemsize
    if nbytes > MAX_ARRAY_BYTES:
        raise ProtocolError(f"array '{name}' has {nbytes} bytes, more than the protocol's {MAX_ARRAY_BYTES}")
    return name, DTYPES[dtype], tuple(shape), nbytes


def read_frame(stream: IO[bytes]) -> Optional[Tuple[Dict[str, Any], Dict[str, np.ndarray]]]:
    """Reads one frame: ``(header, arrays)``, or None at a clean end of stream (before a frame's first byte).

    Arrays are writable numpy arrays in native layout (little-endian dtypes, C order) owning their buffers.
    """
    first = stream.read(_LENGTH.size)
    if not first:
        return None
    if len(first) < _LENGTH.size:
        first = bytes(first) + bytes(_read_exact(stream, _LENGTH.size - len(first), "the header length"))
    (length,) = _LENGTH.unpack(first)
    if length > MAX_HEADER_BYTES:
        raise ProtocolError(f"header length {length} exceeds the protocol's {MAX_HEADER_BYTES} bytes")
    raw = _read_exact(stream, length, "the header")
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ProtocolError(f"header is not UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise ProtocolError(f"header is a JSON {type(header).__name__}, expected an object")
    listed = header.get("arrays", [])
    if not isinstance(listed, list):
        raise ProtocolError(f"header.arrays must be a list, got {listed!r}")
    arrays: Dict[str, np.ndarray] = {}
    for i, entry in enumerate(listed):
        name, dtype, shape, nbytes = _array_entry(entry, i)
        if name in arrays:
            raise ProtocolError(f"array '{name}' is listed twice")
        data = _read_exact(stream, nbytes, f"array '{name}'")
        arrays[name] = np.frombuffer(data, dtype=dtype).reshape(shape)
    return header, arrays


def error_header(kind: str, message: str, traceback: str = "") -> Dict[str, Any]:
    """The header of an ``ok: false`` reply."""
    return {"ok": False, "error": {"kind": kind, "message": message, "traceback": traceback}}

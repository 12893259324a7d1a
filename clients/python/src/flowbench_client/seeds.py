"""flowbench's seed derivation and random generator, ported from the harness.

Port of ``harness/src/main/java/flowbench/harness/rng/Rng.java`` and ``Seeds.java``. The same seed gives the same
numbers as the Java classes (tests/test_golden.py checks this against a fixture the Java side writes), so an external
method can draw exactly the minibatches a Java learner draws.

Sign convention: every 64-bit value this module returns (``mix``, ``derive``, ``step_seed``, ``Rng.next_long``) is
*signed*, in [-2**63, 2**63), exactly the ``long`` Java prints and the ``i64`` the protocol sends (``noise_seeds``).
Every function accepts signed or unsigned input (only the low 64 bits are used). Use :func:`to_unsigned` where a
library wants a non-negative seed (``numpy.random.default_rng``, ``jax.random.PRNGKey`` on some platforms).
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal
from typing import Any

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def to_unsigned(x: int) -> int:
    """The low 64 bits of ``x`` as an unsigned integer in [0, 2**64)."""
    return int(x) & _MASK


def to_signed(x: int) -> int:
    """The low 64 bits of ``x`` as Java's signed ``long``, in [-2**63, 2**63)."""
    x = int(x) & _MASK
    return x - (1 << 64) if x >> 63 else x


def _mix(z: int) -> int:
    # SplitMix64 finaliser on unsigned values; Java's >>> on a long is >> on the unsigned bits
    z &= _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def mix(z: int) -> int:
    """SplitMix64's finaliser (Steele, Lea, Flood 2014), as a signed 64-bit value."""
    return to_signed(_mix(z))


def _java_decimal_string(shortest: str) -> str:
    """Java's Double/Float.toString layout for a positive finite value given as its shortest decimal string."""
    d = Decimal(shortest)
    if Decimal("1e-3") <= d < Decimal("1e7"):
        s = format(d, "f")
        if "." not in s:
            return s + ".0"
        s = s.rstrip("0")
        return s + "0" if s.endswith(".") else s
    sign, digits, exponent = d.as_tuple()
    ds = "".join(map(str, digits))
    e = len(ds) + exponent - 1  # value = d1.d2d3... x 10^e
    ds = ds.rstrip("0") or "0"
    return f"{ds[0]}.{ds[1:] or '0'}E{e}"


def _java_string(p: Any) -> str:
    """``String.valueOf(p)`` for the label types Java would see; floats use the shortest round-trip digits.

    Java 17's Double.toString occasionally prints more digits than the shortest form (fixed in JDK 19); prefer
    integer or string labels, which are exact everywhere (no flowbench label is a float).
    """
    if p is None:
        return "null"
    if isinstance(p, (bool, np.bool_)):
        return "true" if p else "false"
    if isinstance(p, (float, np.floating)):
        x = float(p)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        if x == 0:
            return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
        # a float32 label is Java's Float: its own shortest digits, not those of the widened double
        shortest = (np.format_float_positional(np.float32(abs(x)), unique=True, trim="-")
                    if isinstance(p, np.float32) else repr(abs(x)))
        return ("-" if x < 0 else "") + _java_decimal_string(shortest)
    return str(p)


def _hash_label(p: Any) -> int:
    # Java: a Number that is not a Double or Float hashes as its long value; everything else as String.valueOf(p)
    if isinstance(p, numbers.Integral) and not isinstance(p, (bool, np.bool_)):
        return _mix((int(p) + 0x3C6EF372FE94F82B) & _MASK)
    h = 0xCBF29CE484222325  # FNV-1a 64 over the UTF-8 bytes
    for b in _java_string(p).encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & _MASK
    return _mix(h)


def derive(root: int, *labels: Any) -> int:
    """``Seeds.derive(root, labels...)``: an independent seed for a path of labels (ints and strings), signed 64-bit."""
    h = _mix(int(root) ^ 0x6A09E667F3BCC909)
    for p in labels:
        h = _mix(h ^ _hash_label(p))
    return to_signed(h)


class Rng:
    """``flowbench.harness.rng.Rng``: a SplitMix64 stream with Box-Muller normals; not thread-safe, as in Java."""

    __slots__ = ("_state", "_spare", "_has_spare")

    def __init__(self, seed: int):
        self._state = int(seed) & _MASK
        self._spare = 0.0
        self._has_spare = False

    def _next_u64(self) -> int:
        self._state = (self._state + _GOLDEN) & _MASK
        return _mix(self._state)

    def next_long(self) -> int:
        """The next 64 random bits as Java's signed long."""
        return to_signed(self._next_u64())

    def next_double(self) -> float:
        """Uniform in [0, 1) with 53 random bits."""
        return (self._next_u64() >> 11) * 2.0 ** -53

    def next_float(self) -> np.float32:
        """Uniform in [0, 1) with 24 random bits, as float32 (the product is exact in float32)."""
        return np.float32((self._next_u64() >> 40) * 2.0 ** -24)

    def next_int(self, bound: int) -> int:
        """Uniform integer in [0, bound), Lemire's unbiased bounded draw; ``bound`` is a positive Java int."""
        if bound <= 0 or bound > 0x7FFFFFFF:
            raise ValueError(f"bound must be in [1, 2**31 - 1], got {bound}")
        m = (self._next_u64() >> 32) * bound
        low = m & 0xFFFFFFFF
        if low < bound:
            t = (0x100000000 - bound) % bound
            while low < t:
                m = (self._next_u64() >> 32) * bound
                low = m & 0xFFFFFFFF
        return m >> 32

    def uniform(self, lo: float, hi: float) -> float:
        """Uniform in [lo, hi)."""
        return lo + (hi - lo) * self.next_double()

    def next_gaussian(self) -> float:
        """Standard normal (Box-Muller; the second value of each pair is kept for the next call)."""
        if self._has_spare:
            self._has_spare = False
            return self._spare
        u1 = self.next_double()
        while u1 <= 0.0:
            u1 = self.next_double()
        u2 = self.next_double()
        r = math.sqrt(-2.0 * math.log(u1))
        theta = 2.0 * math.pi * u2
        self._spare = r * math.sin(theta)
        self._has_spare = True
        return r * math.cos(theta)

    def fill_gaussian(self, out: np.ndarray) -> np.ndarray:
        """Fills the float32 array ``out`` (in C order) with standard normals cast to float32; returns it."""
        if out.dtype != np.float32:
            raise TypeError(f"fill_gaussian needs a float32 array, got {out.dtype}")
        if not out.flags.c_contiguous:
            raise ValueError("fill_gaussian needs a C-contiguous array (reshape(-1) would fill a copy)")
        flat = out.reshape(-1)
        for i in range(flat.size):
            flat[i] = self.next_gaussian()
        return out

    def gaussians(self, *shape: int) -> np.ndarray:
        """A new float32 array of the given shape filled as :meth:`fill_gaussian` fills it."""
        return self.fill_gaussian(np.empty(shape, dtype=np.float32))

    def split(self) -> "Rng":
        """A new independent generator whose seed is drawn from this one."""
        return Rng(_mix(self._next_u64() ^ 0xD1B54A32D192ED03))


def rng(root: int, *labels: Any) -> Rng:
    """``Seeds.rng(root, labels...)``: a generator seeded with ``derive(root, labels...)``."""
    return Rng(derive(root, *labels))


def step_seed(seed: int, step: int) -> int:
    """The seed of training update ``step``: ``derive(seed, "train", step)`` (signed), the harness's convention."""
    return derive(seed, "train", int(step))


def step_rng(seed: int, step: int) -> Rng:
    """The generator a Java learner gets for update ``step``: ``Seeds.rng(seed, "train", step)``."""
    return Rng(step_seed(seed, step))


def validate_rng(seed: int, step: int) -> Rng:
    """The generator a Java learner gets for validation at ``step``: ``Seeds.rng(seed, "validate", step)``."""
    return rng(seed, "validate", int(step))

"""Frames: round trips of every dtype and shape, and a clear ProtocolError for every kind of malformed input."""

import io
import json
import os
import struct
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from flowbench_client.protocol import MAX_HEADER_BYTES, ProtocolError, read_frame, write_frame  # noqa: E402


def raw_frame(header, payload=b""):
    text = json.dumps(header).encode("utf-8")
    return struct.pack("<I", len(text)) + text + payload


class RoundTripTest(unittest.TestCase):
    def roundtrip(self, header, arrays=None):
        buf = io.BytesIO()
        write_frame(buf, header, arrays)
        buf.seek(0)
        got = read_frame(buf)
        self.assertIsNone(read_frame(buf), "exactly one frame was written")
        return got

    def test_header_only(self):
        h, a = self.roundtrip({"op": "hello", "protocol": 1, "text": "ünïcødé ✓"})
        self.assertEqual(h, {"op": "hello", "protocol": 1, "text": "ünïcødé ✓"})
        self.assertEqual(a, {})

    def test_every_dtype_and_shape(self):
        arrays = {
            "f32": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
            "f64": np.array([[[np.pi, -0.0]], [[1e300, -1e-300]]]),
            "i64": np.array([-(2 ** 63), 2 ** 63 - 1, 0], dtype=np.int64),
            "u8": np.array([0, 255, 7], dtype=np.uint8),
            "scalar": np.array(2.5, dtype=np.float32),
            "empty": np.zeros((0, 5), dtype=np.float32),
        }
        h, a = self.roundtrip({"op": "x"}, arrays)
        self.assertEqual([e["name"] for e in h["arrays"]], list(arrays))
        self.assertEqual(h["arrays"][0], {"name": "f32", "dtype": "f32", "shape": [3, 4]})
        for name, want in arrays.items():
            self.assertEqual(a[name].dtype, want.dtype.newbyteorder("<"), name)
            self.assertEqual(a[name].shape, want.shape, name)
            self.assertEqual(a[name].tobytes(), want.tobytes(), name)

    def test_layout_is_little_endian_row_major(self):
        # a big-endian, transposed view goes out as little-endian row-major bytes of its logical value
        a = np.arange(6, dtype=">f4").reshape(2, 3).T
        buf = io.BytesIO()
        write_frame(buf, {}, {"a": a})
        data = buf.getvalue()
        self.assertEqual(data[-24:], np.ascontiguousarray(a, dtype="<f4").tobytes())
        buf.seek(0)
        _, got = read_frame(buf)
        np.testing.assert_array_equal(got["a"], a)
        got["a"][0, 0] = 5  # the reader's arrays are writable, owned by the caller

    def test_several_frames_in_a_stream(self):
        buf = io.BytesIO()
        for i in range(3):
            write_frame(buf, {"i": i}, {"x": np.full(i, i, dtype=np.int64)})
        buf.seek(0)
        for i in range(3):
            h, a = read_frame(buf)
            self.assertEqual(h["i"], i)
            self.assertEqual(a["x"].tolist(), [i] * i)
        self.assertIsNone(read_frame(buf))

    def test_refuses_what_it_cannot_send(self):
        with self.assertRaises(ProtocolError):
            write_frame(io.BytesIO(), {}, {"b": np.array([True])})
        with self.assertRaises(ProtocolError):
            write_frame(io.BytesIO(), {}, {"i": np.array([1], dtype=np.int32)})
        with self.assertRaises(ValueError):  # NaN is not JSON: metrics must be cleaned first
            write_frame(io.BytesIO(), {"loss": float("nan")})
        with self.assertRaises(ValueError):
            write_frame(io.BytesIO(), {"arrays": []})


class MalformedTest(unittest.TestCase):
    def assert_protocol_error(self, data, *words):
        with self.assertRaises(ProtocolError) as ctx:
            read_frame(io.BytesIO(data))
        for w in words:
            self.assertIn(w, str(ctx.exception))

    def test_truncations(self):
        self.assert_protocol_error(b"\x05\x00", "header length")
        self.assert_protocol_error(struct.pack("<I", 10) + b"{}", "the header", "2 of 10")
        f32 = {"arrays": [{"name": "x", "dtype": "f32", "shape": [2]}]}
        self.assert_protocol_error(raw_frame(f32, b"\x00" * 5), "array 'x'", "5 of 8")

    def test_header_limit(self):
        self.assert_protocol_error(struct.pack("<I", MAX_HEADER_BYTES + 1), "exceeds")

    def test_bad_headers(self):
        self.assert_protocol_error(struct.pack("<I", 3) + b"{x}", "not UTF-8 JSON")
        self.assert_protocol_error(struct.pack("<I", 2) + b"\xff\xfe", "not UTF-8 JSON")
        self.assert_protocol_error(raw_frame([1, 2]), "expected an object")
        self.assert_protocol_error(struct.pack("<I", 12) + b'{"loss":NaN}', "NaN")
        self.assert_protocol_error(raw_frame({"arrays": {"x": 1}}), "must be a list")

    def test_bad_array_entries(self):
        def entry(**e):
            return raw_frame({"arrays": [{"name": "x", "dtype": "f32", "shape": [1], **e}]}, b"\x00" * 4)
        self.assert_protocol_error(entry(dtype="f16"), "dtype")
        self.assert_protocol_error(entry(shape=[-1]), "shape")
        self.assert_protocol_error(entry(shape=[True]), "shape")
        self.assert_protocol_error(entry(shape=[1.0]), "shape")
        self.assert_protocol_error(entry(shape=4), "shape")
        self.assert_protocol_error(entry(name=""), "name")
        self.assert_protocol_error(raw_frame({"arrays": ["x"]}), "not an object")
        # refused from the header alone: nothing is allocated for a 4 GiB array
        self.assert_protocol_error(entry(shape=[1 << 30]), "more than")
        twice = {"arrays": [{"name": "x", "dtype": "u8", "shape": [1]}] * 2}
        self.assert_protocol_error(raw_frame(twice, b"\x00\x00"), "twice")


if __name__ == "__main__":
    unittest.main()

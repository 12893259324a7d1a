package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The external-learner protocol's frame (clients/PROTOCOL.md, Framing): u32 little-endian header length, a JSON
 * header, then the arrays the header lists, raw little-endian row-major bytes in order.
 */
public final class Frames {
    public static final int MAX_HEADER_BYTES = 16 << 20;
    public static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE;

    private static final ObjectWriter WRITER = Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT);

    private Frames() {}

    /** One array of a frame; {@code data} is little-endian, {@code shape}'s product times the item size bytes long. */
    public record Array(String name, String dtype, int[] shape, byte[] data) {
        public Array {
            long n = itemSize(dtype);
            for (int d : shape) {
                if (d < 0) throw new IllegalArgumentException("array '" + name + "' has a negative dimension");
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("array '" + name + "' holds " + data.length + " bytes; its shape needs " + n);
            }
        }

        public static Array f32(String name, float[] v, int... shape) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            return new Array(name, "f32", shape, b.array());
        }

        public static Array i64(String name, long[] v, int... shape) {
            ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(v);
            return new Array(name, "i64", shape, b.array());
        }

        public long count() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        /** The values as float32 (f64 narrowed); other dtypes are refused. */
        public float[] floats() {
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[(int) count()];
            switch (dtype) {
                case "f32" -> b.asFloatBuffer().get(out);
                case "f64" -> {
                    for (int i = 0; i < out.length; i++) out[i] = (float) b.getDouble(i * 8);
                }
                default -> throw new ExternalFailure(ExternalFailure.PROTOCOL,
                        "array '" + name + "' has dtype " + dtype + "; expected f32 (or f64)");
            }
            return out;
        }
    }

    /** A decoded frame. */
    public record Frame(ObjectNode header, List<Array> arrays) {
        public Array array(String name) {
            for (Array a : arrays) if (a.name().equals(name)) return a;
            return null;
        }
    }

    static int itemSize(String dtype) {
        return switch (dtype) {
            case "f32" -> 4;
            case "f64", "i64" -> 8;
            case "u8" -> 1;
            default -> throw new IllegalArgumentException("dtype '" + dtype + "'; expected f32, f64, i64 or u8");
        };
    }

    public static void write(OutputStream out, ObjectNode header, List<Array> arrays) throws IOException {
        ObjectNode h = header.deepCopy();
        if (!arrays.isEmpty()) {
            ArrayNode list = h.putArray("arrays");
            for (Array a : arrays) {
                ObjectNode e = list.addObject();
                e.put("name", a.name());
                e.put("dtype", a.dtype());
                ArrayNode s = e.putArray("shape");
                for (int d : a.shape()) s.add(d);
            }
        }
        byte[] json = WRITER.writeValueAsBytes(h);
        if (json.length > MAX_HEADER_BYTES) throw new IllegalArgumentException("frame header of " + json.length + " bytes exceeds 16 MiB");
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(json.length).array());
        out.write(json);
        for (Array a : arrays) out.write(a.data());
        out.flush();
    }

    /**
     * Reads one frame. End of stream before the first byte returns null; anything malformed (a truncated frame, a
     * header that is not a JSON object, a bad array entry) raises {@link ExternalFailure} of kind protocol.
     */
    public static Frame read(InputStream in) throws IOException {
        DataInputStream din = new DataInputStream(in);
        byte[] len = new byte[4];
        int first = din.read(len, 0, 1);
        if (first < 0) return null;
        try {
            din.readFully(len, 1, 3);
        } catch (EOFException e) {
            throw new ExternalFailure(ExternalFailure.CRASHED, "the stream ended inside a frame's length");
        }
        long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        if (n == 0 || n > MAX_HEADER_BYTES) {
            throw new ExternalFailure(ExternalFailure.PROTOCOL, "frame header length " + n + "; expected 1.." + MAX_HEADER_BYTES
                    + " bytes (did the learner print to stdout? use stderr for logs)");
        }
        byte[] json = new byte[(int) n];
        readFully(din, json, "the header");
        JsonNode node;
        try {
            node = Json.mapper().readTree(json);
        } catch (IOException e) {
            String text = new String(json, 0, Math.min(json.length, 200), StandardCharsets.UTF_8);
            throw new ExternalFailure(ExternalFailure.PROTOCOL, "frame header is not JSON (" + e.getMessage().lines().findFirst().orElse("") + "): " + text);
        }
        if (!(node instanceof ObjectNode header)) {
            throw new ExternalFailure(ExternalFailure.PROTOCOL, "frame header is a JSON " + node.getNodeType() + "; expected an object");
        }
        List<Array> arrays = new ArrayList<>();
        JsonNode list = header.get("arrays");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) throw new ExternalFailure(ExternalFailure.PROTOCOL, "header field 'arrays' is not a list");
            for (JsonNode e : list) {
                String name = text(e, "name");
                String dtype = text(e, "dtype");
                JsonNode shape = e.get("shape");
                if (shape == null || !shape.isArray()) {
                    throw new ExternalFailure(ExternalFailure.PROTOCOL, "array '" + name + "': field 'shape' missing or not a list");
                }
                int[] dims = new int[shape.size()];
                long bytes;
                try {
                    bytes = itemSize(dtype);
                } catch (IllegalArgumentException x) {
                    throw new ExternalFailure(ExternalFailure.PROTOCOL, "array '" + name + "': " + x.getMessage());
                }
                for (int i = 0; i < dims.length; i++) {
                    JsonNode d = shape.get(i);
                    if (!d.canConvertToInt() || !d.isIntegralNumber() || d.intValue() < 0) {
                        throw new ExternalFailure(ExternalFailure.PROTOCOL, "array '" + name + "': shape " + shape + " is not a list of non-negative integers");
                    }
                    dims[i] = d.intValue();
                    bytes *= dims[i];
                    if (bytes > MAX_ARRAY_BYTES) throw new ExternalFailure(ExternalFailure.PROTOCOL, "array '" + name + "' of shape " + shape + " exceeds 2 GiB");
                }
                byte[] data = new byte[(int) bytes];
                readFully(din, data, "array '" + name + "'");
                arrays.add(new Array(name, dtype, dims, data));
            }
        }
        return new Frame(header, List.copyOf(arrays));
    }

    private static String text(JsonNode e, String field) {
        JsonNode v = e.get(field);
        if (v == null || !v.isTextual()) throw new ExternalFailure(ExternalFailure.PROTOCOL, "array entry " + e + ": field '" + field + "' missing or not a string");
        return v.asText();
    }

    private static void readFully(DataInputStream in, byte[] b, String what) throws IOException {
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new ExternalFailure(ExternalFailure.CRASHED, "the stream ended inside " + what);
        }
    }
}

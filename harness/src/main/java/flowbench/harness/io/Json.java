package flowbench.harness.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/** The one Jackson configuration used for every flowbench file (records, configs, run records). */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // strict reading: a typo in a key or a 1.5 given for an integer is an error, never silently dropped
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final ObjectMapper COMPACT = MAPPER.copy().disable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Pretty JSON text with a trailing newline. */
    public static String pretty(Object value) {
        try {
            return MAPPER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Writes {@code value} as pretty JSON, atomically. */
    public static void writeAtomically(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, pretty(value));
    }

    public static <T> T read(Path file, Class<T> type) throws IOException {
        try {
            return MAPPER.readValue(file.toFile(), type);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not a valid " + type.getSimpleName() + " file: " + e.getOriginalMessage(), e);
        }
    }

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /**
     * Canonical form: object keys sorted at every depth, no whitespace. Two values with the same content give the same
     * text whatever the declaration or insertion order of their fields, so hashes of it identify content.
     */
    public static String canonical(Object value) {
        JsonNode node = value instanceof JsonNode n ? n : tree(value);
        try {
            return COMPACT.writeValueAsString(sorted(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 (hex) of the canonical JSON of {@code value}. */
    public static String canonicalHash(Object value) {
        return sha256Hex(canonical(value).getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
            Collections.sort(names);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (String n : names) out.set(n, sorted(node.get(n)));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode e : node) out.add(sorted(e));
            return out;
        }
        return node;
    }
}

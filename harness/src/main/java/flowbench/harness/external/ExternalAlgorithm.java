package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.domain.Domain;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Configs;
import flowbench.harness.protocol.ForeignAlgorithm;
import flowbench.harness.protocol.Protocol;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.SoftwareInfo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A method that trains and acts in a child process speaking clients/PROTOCOL.md. {@link #start} launches the command
 * once and asks who it is ({@code hello}): its name (the run's algorithm name), version, family, paper, code URL, its
 * default configuration and its environment fingerprint. Each run then gets a learner process of its own (the first
 * one reuses the process that answered {@code hello}); every later process must report the same name and version.
 */
public final class ExternalAlgorithm implements ForeignAlgorithm<ExternalConfig> {
    public static final int PROTOCOL_VERSION = 1;
    /** hello and init get at least this long: an interpreter start, imports, a dataset load, a JIT compile. */
    static final Duration MIN_START_TIMEOUT = Duration.ofSeconds(300);
    private static final String NAME_PATTERN = "[a-z0-9][a-z0-9._-]{0,63}";

    private final String command;
    private final Path workDir;
    private final Duration callTimeout;
    private final PrintStream echo;
    private final JsonNode agent;
    private final JsonNode client;
    private final JsonNode environment;
    private final ObjectNode defaults;
    private final String name;
    private final String version;
    /** The process that answered hello, handed to the first learner. */
    private ExternalProcess idle;

    private ExternalAlgorithm(String command, Path workDir, Duration callTimeout, PrintStream echo, ExternalProcess first,
                              ObjectNode hello) {
        this.command = command;
        this.workDir = workDir;
        this.callTimeout = callTimeout;
        this.echo = echo;
        this.agent = hello.get("agent");
        this.client = hello.path("client");
        this.environment = hello.path("environment");
        this.defaults = (ObjectNode) hello.get("defaults");
        this.name = agent.get("name").asText();
        this.version = agent.get("version").asText();
        this.idle = first;
    }

    /**
     * Starts {@code command} in {@code workDir} and shakes hands.
     *
     * @param reserved names the agent may not take (flowbench's own algorithms)
     * @throws ExternalFailure when the process cannot start, does not answer, or answers wrongly
     */
    public static ExternalAlgorithm start(String command, Path workDir, Duration callTimeout, PrintStream echo, Set<String> reserved) {
        ExternalProcess p = ExternalProcess.start(command, workDir, echo);
        try {
            ObjectNode hello = hello(p, callTimeout);
            String n = hello.get("agent").get("name").asText();
            if (reserved.contains(n)) {
                throw new ExternalFailure(ExternalFailure.BAD_NAME, "the agent calls itself '" + n + "', the name of one of "
                        + "flowbench's own algorithms; an external method needs a name of its own (e.g. '" + n + "-torch')");
            }
            return new ExternalAlgorithm(command, workDir, callTimeout, echo, p, hello);
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private static ObjectNode hello(ExternalProcess p, Duration timeout) {
        ObjectNode req = Json.mapper().createObjectNode();
        req.put("protocol", PROTOCOL_VERSION);
        ObjectNode h = req.putObject("harness");
        h.put("name", "flowbench");
        h.put("version", SoftwareInfo.readHarnessVersion());
        ObjectNode r = p.call("hello", req, List.of(), startTimeout(timeout)).header();
        int v = r.path("protocol").asInt(-1);
        if (v != PROTOCOL_VERSION) {
            throw new ExternalFailure(ExternalFailure.PROTOCOL, "the agent speaks protocol version " + r.path("protocol")
                    + "; this harness speaks " + PROTOCOL_VERSION);
        }
        JsonNode a = r.get("agent");
        if (a == null || !a.isObject()) throw new ExternalFailure(ExternalFailure.PROTOCOL, "hello reply: field 'agent' missing or not an object");
        String n = a.path("name").asText("");
        if (!n.matches(NAME_PATTERN)) {
            throw new ExternalFailure(ExternalFailure.BAD_NAME, "hello reply: agent.name is '" + n + "'; expected lower-case letters, "
                    + "digits, '.', '_' or '-' (at most 64, starting with a letter or digit)");
        }
        if (!a.path("version").isTextual() || a.path("version").asText().isBlank()) {
            throw new ExternalFailure(ExternalFailure.PROTOCOL, "hello reply: agent.version missing or empty");
        }
        String family = a.path("family").asText("");
        if (!family.equals("training-time") && !family.equals("test-time")) {
            throw new ExternalFailure(ExternalFailure.PROTOCOL, "hello reply: agent.family is '" + family + "'; expected training-time or test-time");
        }
        if (!(r.get("defaults") instanceof ObjectNode)) {
            throw new ExternalFailure(ExternalFailure.PROTOCOL, "hello reply: field 'defaults' missing or not a JSON object");
        }
        return r;
    }

    static Duration startTimeout(Duration callTimeout) {
        return callTimeout.compareTo(MIN_START_TIMEOUT) > 0 ? callTimeout : MIN_START_TIMEOUT;
    }

    @Override public String name() { return name; }
    @Override public String paper() { return agent.path("paper").asText(""); }
    @Override public String family() { return agent.path("family").asText(); }
    @Override public String description() { return agent.path("description").asText(""); }
    @Override public Class<ExternalConfig> configType() { return ExternalConfig.class; }
    public String version() { return version; }
    public String command() { return command; }

    @Override
    public ExternalConfig defaultConfig(String profile) {
        return new ExternalConfig(name, version, defaults.deepCopy());
    }

    @Override
    public Configs.Resolved<ExternalConfig> resolve(Domain domain, Map<String, String> overrides) {
        ObjectNode params = defaults.deepCopy();
        for (Map.Entry<String, String> e : overrides.entrySet()) set(params, e.getKey(), e.getValue());
        return new Configs.Resolved<>(new ExternalConfig(name, version, params), domain, List.of());
    }

    /** Sets a (dotted) key that exists in the defaults, parsing the value to the default's JSON type. */
    private void set(ObjectNode root, String key, String value) {
        String[] parts = key.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof ObjectNode o)) throw unknownKey(key);
            node = o;
        }
        String leaf = parts[parts.length - 1];
        JsonNode old = node.get(leaf);
        if (old == null) throw unknownKey(key);
        JsonNode parsed;
        try {
            if (old.isTextual()) {
                parsed = Json.mapper().getNodeFactory().textNode(value);
            } else {
                parsed = Json.mapper().readTree(value);
            }
        } catch (IOException ex) {
            parsed = null;
        }
        boolean ok = parsed != null && (old.isTextual() || (old.isIntegralNumber() ? parsed.isIntegralNumber()
                : old.isNumber() ? parsed.isNumber() : old.isBoolean() ? parsed.isBoolean()
                : old.isArray() ? parsed.isArray() : old.isObject() ? parsed.isObject() : true));
        if (!ok) {
            throw new IllegalArgumentException("--set " + key + "=" + value + ": method '" + name + "' has " + key + " = " + old
                    + " (" + old.getNodeType().name().toLowerCase() + (old.isIntegralNumber() ? ", integer" : "")
                    + "); expected a value of that type");
        }
        node.set(leaf, old.isNumber() && !old.isIntegralNumber() && parsed.isIntegralNumber()
                ? Json.mapper().getNodeFactory().numberNode(parsed.doubleValue()) : parsed);
    }

    private IllegalArgumentException unknownKey(String key) {
        List<String> keys = new ArrayList<>();
        collect("", defaults, keys);
        return new IllegalArgumentException("--set " + key + ": method '" + name + "' has no such setting; its settings are " + keys);
    }

    private static void collect(String prefix, ObjectNode node, List<String> out) {
        node.fieldNames().forEachRemaining(f -> {
            JsonNode v = node.get(f);
            if (v instanceof ObjectNode o) collect(prefix + f + ".", o, out);
            else out.add(prefix + f);
        });
    }

    @Override
    public Learner create(ExternalConfig config, AgentContext context) {
        throw new UnsupportedOperationException("an external learner needs the run's protocol: use create(config, context, protocol, domain, overrides)");
    }

    @Override
    public synchronized Learner create(ExternalConfig config, AgentContext context, Protocol protocol, Domain domain,
                                       Map<String, String> overrides) {
        ExternalProcess p = idle;
        idle = null;
        if (p == null || !p.alive()) {
            if (p != null) p.close();
            p = ExternalProcess.start(command, workDir, echo);
            try {
                ObjectNode h = hello(p, callTimeout);
                String n = h.get("agent").get("name").asText();
                String v = h.get("agent").get("version").asText();
                if (!n.equals(name) || !v.equals(version)) {
                    throw new ExternalFailure(ExternalFailure.PROTOCOL, "a new process of '" + command + "' reports " + n + " " + v
                            + "; the first reported " + name + " " + version + " (did the code change during the run?)");
                }
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
        }
        try {
            return ExternalLearner.init(p, config, context, protocol, domain, overrides, callTimeout);
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** Closes the process that answered hello if no run took it. */
    public synchronized void closeIdle() {
        if (idle != null) idle.close();
        idle = null;
    }

    @Override
    public RunRecord.External provenance() {
        return new RunRecord.External(command, PROTOCOL_VERSION, agent, client, environment);
    }
}

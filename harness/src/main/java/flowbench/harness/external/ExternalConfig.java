package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The configuration of an external method as recorded in config.json and hashed into the run id: the agent's name and
 * version (a new version is another method configuration, never resumed into an old run) and its own parameters,
 * defaults merged with the user's {@code --set}.
 */
public record ExternalConfig(String agent, String version, JsonNode params) {}

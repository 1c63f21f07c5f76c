package dev.zero.service.config;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The seed's {@code ~/.config/zero/config.yml} as a configuration source of the service, so B2
 * keys reach the store without passing through a shell or a command line. Read from the file
 * named by {@code zero.seed-config} (./zero up sets it to ZERO_CONFIG); its keys map to
 * {@code zero.store.b2.*}, and with all three present the store is {@code b2}. Anything set in
 * application.properties, the environment or system properties wins (ordinal 150).
 */
public class SeedConfigSource implements ConfigSourceFactory {
    static final Map<String, String> KEYS = Map.of(
            "accountId", "zero.store.b2.account-id",
            "applicationKey", "zero.store.b2.application-key",
            "bucketId", "zero.store.b2.bucket-id",
            "namePrefix", "zero.store.b2.name-prefix");

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue file = context.getValue("zero.seed-config");
        if (file == null || file.getValue() == null || file.getValue().isBlank()) {
            return List.of();
        }
        return List.of(new MapBackedConfigSource("seed config.yml " + file.getValue(), read(Path.of(file.getValue())), 150) {
        });
    }

    static Map<String, String> read(Path path) {
        Map<String, String> properties = new HashMap<>();
        if (!Files.isRegularFile(path)) {
            return properties;
        }
        Object document;
        try (Reader reader = Files.newBufferedReader(path)) {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (org.yaml.snakeyaml.error.MarkedYAMLException e) {
            // the line, never the parser's excerpt of it: it could hold a key
            throw new IllegalStateException("cannot read " + path + " as YAML: " + e.getProblem() + " at line "
                    + (e.getProblemMark() == null ? "?" : e.getProblemMark().getLine() + 1));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + path + ": " + e.getClass().getSimpleName());
        }
        if (document instanceof Map<?, ?> map) {
            KEYS.forEach((seedKey, property) -> {
                Object value = map.get(seedKey);
                if (value != null && !value.toString().isBlank()) {
                    properties.put(property, value.toString().trim());
                }
            });
        }
        if (properties.containsKey("zero.store.b2.account-id") && properties.containsKey("zero.store.b2.application-key")
                && properties.containsKey("zero.store.b2.bucket-id")) {
            properties.put("zero.store.kind", "b2");
        }
        return properties;
    }
}

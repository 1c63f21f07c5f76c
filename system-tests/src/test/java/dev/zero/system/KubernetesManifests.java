package dev.zero.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PriorityClass;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Checks Kubernetes manifests as strictly as an API server would where no cluster can run:
 * each object against the API's own models ({@code io.kubernetes:client-java-api}: unknown
 * fields at any depth, missing required fields, wrong types), the enum values and string-only
 * maps the models leave open, and the rules between objects that no schema holds (selectors
 * match labels, probes and Services name ports that exist, mounts name volumes, referenced
 * Secret and ConfigMap keys exist, Bidirectional propagation only in privileged containers).
 */
final class KubernetesManifests {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, Class<?>> MODELS = Map.of(
            "v1/Namespace", V1Namespace.class,
            "v1/ConfigMap", V1ConfigMap.class,
            "v1/Secret", V1Secret.class,
            "v1/Service", V1Service.class,
            "apps/v1/Deployment", V1Deployment.class,
            "apps/v1/StatefulSet", V1StatefulSet.class,
            "apps/v1/DaemonSet", V1DaemonSet.class,
            "policy/v1/PodDisruptionBudget", V1PodDisruptionBudget.class,
            "scheduling.k8s.io/v1/PriorityClass", V1PriorityClass.class);
    private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet");
    private static final Set<String> PROPAGATIONS = Set.of("None", "HostToContainer", "Bidirectional");
    private static final Set<String> HOST_PATH_TYPES = Set.of("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice");
    private static final Set<String> SERVICE_TYPES = Set.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName");
    private static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");
    private static final Set<String> TOLERATION_OPERATORS = Set.of("Exists", "Equal");

    /** One object of a manifest file. */
    record Doc(String source, ObjectNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        @Override
        public String toString() {
            return kind() + "/" + name() + " (" + source + ")";
        }
    }

    private KubernetesManifests() {
    }

    static List<Doc> read(Path file) throws IOException {
        return parse(file.toString(), Files.readString(file));
    }

    /** The objects of a (multi-document) YAML text; a document that is not a mapping is an error. */
    static List<Doc> parse(String source, String yaml) throws IOException {
        List<Doc> docs = new ArrayList<>();
        try (var values = YAML.readerFor(JsonNode.class).readValues(YAML.getFactory().createParser(yaml))) {
            while (values.hasNext()) {
                JsonNode n = (JsonNode) values.next();
                if (n == null || n.isNull() || n.isMissingNode() || (n.isObject() && n.isEmpty())) {
                    continue;
                }
                if (!n.isObject()) {
                    throw new IOException(source + ": a document is not a mapping: " + n);
                }
                docs.add(new Doc(source, (ObjectNode) n));
            }
        }
        return docs;
    }

    /** Schema problems of one object: its kind, fields, types, enum values and string-only maps. */
    static List<String> schemaProblems(Doc doc) {
        List<String> problems = new ArrayList<>();
        String type = doc.node.path("apiVersion").asText() + "/" + doc.kind();
        Class<?> model = MODELS.get(type);
        if (model == null) {
            problems.add(doc + ": no model for " + type);
            return problems;
        }
        try {
            model.getMethod("fromJson", String.class).invoke(null, JSON.writeValueAsString(doc.node));
        } catch (InvocationTargetException e) {
            problems.add(doc + ": " + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
        } catch (ReflectiveOperationException | IOException e) {
            throw new IllegalStateException(e);
        }
        if (doc.name().isEmpty()) {
            problems.add(doc + ": metadata.name is missing");
        }
        walk(doc.node, "", (path, node) -> {
            if (path.endsWith("/metadata/labels") || path.endsWith("/metadata/annotations") || path.endsWith("/matchLabels")
                    || path.endsWith("/nodeSelector") || path.equals("/data") || path.equals("/stringData") || path.endsWith("/spec/selector") && doc.kind().equals("Service")) {
                node.fields().forEachRemaining(e -> {
                    if (!e.getValue().isTextual()) {
                        problems.add(doc + ": " + path + "/" + e.getKey() + " must be a string, not " + e.getValue().getNodeType());
                    }
                });
            }
            check(problems, doc, path, node, "mountPropagation", PROPAGATIONS);
            check(problems, doc, path, node, "imagePullPolicy", PULL_POLICIES);
            check(problems, doc, path, node, "protocol", PROTOCOLS);
            if (path.endsWith("/hostPath")) {
                check(problems, doc, path, node, "type", HOST_PATH_TYPES);
            }
            if (path.endsWith("/tolerations[]")) {
                check(problems, doc, path, node, "operator", TOLERATION_OPERATORS);
            }
            if (path.endsWith("/env[]") && node.has("value") && !node.get("value").isTextual()) {
                problems.add(doc + ": " + path + " " + node.path("name").asText() + ": value must be a string");
            }
        });
        if (doc.kind().equals("Service")) {
            check(problems, doc, "/spec", doc.node.path("spec"), "type", SERVICE_TYPES);
        }
        return problems;
    }

    private static void check(List<String> problems, Doc doc, String path, JsonNode node, String field, Set<String> allowed) {
        JsonNode v = node.get(field);
        if (v != null && !allowed.contains(v.asText())) {
            problems.add(doc + ": " + path + "/" + field + " is " + v + ", not one of " + allowed);
        }
    }

    /** Calls {@code visit} on every object node with its path ({@code []} marks array elements). */
    private static void walk(JsonNode node, String path, java.util.function.BiConsumer<String, JsonNode> visit) {
        if (node.isObject()) {
            visit.accept(path, node);
            node.fields().forEachRemaining(e -> walk(e.getValue(), path + "/" + e.getKey(), visit));
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                walk(element, path + "[]", visit);
            }
        }
    }

    static JsonNode podSpec(Doc workload) {
        return workload.node.path("spec").path("template").path("spec");
    }

    static JsonNode podLabels(Doc workload) {
        return workload.node.path("spec").path("template").path("metadata").path("labels");
    }

    static List<JsonNode> containers(Doc workload) {
        List<JsonNode> all = new ArrayList<>();
        podSpec(workload).path("initContainers").forEach(all::add);
        podSpec(workload).path("containers").forEach(all::add);
        return all;
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        if (!selector.isObject() || selector.isEmpty()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The rules between objects. {@code secretKeys} names the keys of Secrets made elsewhere
     * (a kustomize generator, an operator); Secrets among {@code docs} count too.
     */
    static List<String> crossProblems(List<Doc> docs, Map<String, Set<String>> secretKeys) {
        List<String> problems = new ArrayList<>();
        Map<String, Set<String>> secrets = new HashMap<>(secretKeys);
        Map<String, Set<String>> configMaps = new HashMap<>();
        for (Doc d : docs) {
            Set<String> keys = new HashSet<>();
            d.node.path("data").fieldNames().forEachRemaining(keys::add);
            d.node.path("stringData").fieldNames().forEachRemaining(keys::add);
            if (d.kind().equals("Secret")) {
                secrets.put(d.name(), keys);
            } else if (d.kind().equals("ConfigMap")) {
                configMaps.put(d.name(), keys);
            }
        }
        List<Doc> workloads = docs.stream().filter(d -> WORKLOADS.contains(d.kind())).toList();
        for (Doc w : workloads) {
            Consumer<String> problem = p -> problems.add(w + ": " + p);
            JsonNode matchLabels = w.node.path("spec").path("selector").path("matchLabels");
            if (!selects(matchLabels, podLabels(w))) {
                problem.accept("spec.selector.matchLabels " + matchLabels + " does not select the pod template's labels " + podLabels(w));
            }
            String priorityClass = podSpec(w).path("priorityClassName").asText("");
            if (!priorityClass.isEmpty() && !priorityClass.startsWith("system-")
                    && docs.stream().noneMatch(d -> d.kind().equals("PriorityClass") && d.name().equals(priorityClass))) {
                problem.accept("priorityClassName " + priorityClass + " names no PriorityClass");
            }
            Set<String> volumes = new HashSet<>();
            podSpec(w).path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
            w.node.path("spec").path("volumeClaimTemplates").forEach(v -> volumes.add(v.path("metadata").path("name").asText()));
            Set<String> mounted = new HashSet<>();
            for (JsonNode c : containers(w)) {
                String cn = "container " + c.path("name").asText();
                Set<String> portNames = new HashSet<>();
                Set<Integer> portNumbers = new HashSet<>();
                c.path("ports").forEach(p -> {
                    portNumbers.add(p.path("containerPort").asInt());
                    if (p.has("name")) {
                        portNames.add(p.path("name").asText());
                    }
                });
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    JsonNode handler = c.path(probe).has("httpGet") ? c.path(probe).path("httpGet") : c.path(probe).path("tcpSocket");
                    JsonNode port = handler.path("port");
                    if (!port.isMissingNode() && !(port.isInt() ? portNumbers.contains(port.asInt()) : portNames.contains(port.asText()))) {
                        problem.accept(cn + ": " + probe + " port " + port + " is not a port of the container " + portNames + portNumbers);
                    }
                }
                for (JsonNode m : c.path("volumeMounts")) {
                    String v = m.path("name").asText();
                    mounted.add(v);
                    if (!volumes.contains(v)) {
                        problem.accept(cn + ": volumeMount " + v + " names no volume of the pod " + volumes);
                    }
                    if (m.path("mountPropagation").asText().equals("Bidirectional") && !c.path("securityContext").path("privileged").asBoolean()) {
                        problem.accept(cn + ": mountPropagation Bidirectional is allowed only in privileged containers (the API server refuses it)");
                    }
                }
                for (JsonNode e : c.path("env")) {
                    JsonNode ref = e.path("valueFrom").path("secretKeyRef");
                    if (!ref.isMissingNode() && !ref.path("optional").asBoolean()) {
                        requireKey(problem, cn + " env " + e.path("name").asText(), "Secret", secrets, ref);
                    }
                    ref = e.path("valueFrom").path("configMapKeyRef");
                    if (!ref.isMissingNode() && !ref.path("optional").asBoolean()) {
                        requireKey(problem, cn + " env " + e.path("name").asText(), "ConfigMap", configMaps, ref);
                    }
                }
                for (JsonNode e : c.path("envFrom")) {
                    if (e.has("secretRef") && !e.path("secretRef").path("optional").asBoolean() && !secrets.containsKey(e.path("secretRef").path("name").asText())) {
                        problem.accept(cn + ": envFrom names no Secret " + e.path("secretRef").path("name"));
                    }
                    if (e.has("configMapRef") && !e.path("configMapRef").path("optional").asBoolean()
                            && !configMaps.containsKey(e.path("configMapRef").path("name").asText())) {
                        problem.accept(cn + ": envFrom names no ConfigMap " + e.path("configMapRef").path("name"));
                    }
                }
                JsonNode requests = c.path("resources").path("requests");
                if (!requests.has("cpu") || !requests.has("memory")) {
                    problem.accept(cn + ": resources.requests needs cpu and memory (the scheduler places pods by them)");
                }
            }
            JsonNode scrapePort = podAnnotations(w).path("prometheus.io/port");
            if (!scrapePort.isMissingNode() && containers(w).stream().flatMap(c -> iterable(c.path("ports")).stream())
                    .noneMatch(p -> p.path("containerPort").asText().equals(scrapePort.asText()))) {
                problem.accept("the prometheus.io/port annotation " + scrapePort + " is no container's port");
            }
            for (String v : volumes) {
                if (!mounted.contains(v)) {
                    problem.accept("volume " + v + " is mounted by no container");
                }
            }
            if (w.kind().equals("StatefulSet")) {
                String serviceName = w.node.path("spec").path("serviceName").asText();
                boolean headless = docs.stream().anyMatch(d -> d.kind().equals("Service") && d.name().equals(serviceName)
                        && d.node.path("spec").path("clusterIP").asText().equals("None"));
                if (!headless) {
                    problem.accept("spec.serviceName " + serviceName + " names no headless Service");
                }
            }
        }
        for (Doc s : docs.stream().filter(d -> d.kind().equals("Service")).toList()) {
            JsonNode selector = s.node.path("spec").path("selector");
            List<Doc> selected = workloads.stream().filter(w -> selects(selector, podLabels(w))).toList();
            if (selected.isEmpty()) {
                problems.add(s + ": its selector " + selector + " selects no pod template");
            }
            for (JsonNode port : s.node.path("spec").path("ports")) {
                JsonNode target = port.has("targetPort") ? port.path("targetPort") : port.path("port");
                for (Doc w : selected) {
                    boolean exists = containers(w).stream().flatMap(c -> iterable(c.path("ports")).stream())
                            .anyMatch(p -> target.isInt() ? p.path("containerPort").asInt() == target.asInt() : target.asText().equals(p.path("name").asText()));
                    if (!exists) {
                        problems.add(s + ": targetPort " + target + " is not a port of " + w);
                    }
                }
            }
        }
        for (Doc pdb : docs.stream().filter(d -> d.kind().equals("PodDisruptionBudget")).toList()) {
            JsonNode selector = pdb.node.path("spec").path("selector").path("matchLabels");
            if (workloads.stream().noneMatch(w -> selects(selector, podLabels(w)))) {
                problems.add(pdb + ": its selector " + selector + " selects no pod template");
            }
        }
        return problems;
    }

    static JsonNode podAnnotations(Doc workload) {
        return workload.node.path("spec").path("template").path("metadata").path("annotations");
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }

    private static void requireKey(Consumer<String> problem, String what, String kind, Map<String, Set<String>> known, JsonNode ref) {
        String name = ref.path("name").asText();
        String key = ref.path("key").asText();
        if (!known.containsKey(name)) {
            problem.accept(what + ": no " + kind + " " + name + " (known: " + known.keySet() + ")");
        } else if (!known.get(name).contains(key)) {
            problem.accept(what + ": " + kind + " " + name + " has no key " + key + " (it has " + known.get(name) + ")");
        }
    }
}

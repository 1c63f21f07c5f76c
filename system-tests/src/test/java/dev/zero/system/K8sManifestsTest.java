package dev.zero.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zero.system.KubernetesManifests.Doc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The k8s/ kustomizations, checked without a cluster: every object against the Kubernetes API's
 * models, the rules between objects, what Zero needs of each (probes, privileges, secrets), and
 * the output of {@code kubectl kustomize} where kubectl is installed.
 */
class K8sManifestsTest {
    static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
    static final Path K8S = REPO.resolve("k8s");
    /** What CloudNativePG puts in a cluster's app secret (its documentation, "Secrets"). */
    static final Map<String, Set<String>> CNPG_SECRETS = Map.of("zero-db-app",
            Set.of("username", "password", "host", "port", "dbname", "uri", "jdbc-uri", "pgpass"));

    /** The objects a kustomization lists (following sub-kustomizations), read from their files. */
    static List<Doc> objects(Path dir) throws IOException {
        List<Doc> docs = new ArrayList<>();
        for (JsonNode r : kustomization(dir).path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            docs.addAll(Files.isDirectory(p) ? objects(p) : KubernetesManifests.read(p));
        }
        return docs;
    }

    /** The Secrets a kustomization's generators make, with the keys of their .example env files. */
    static Map<String, Set<String>> generatedSecrets(Path dir) throws IOException {
        Map<String, Set<String>> secrets = new HashMap<>();
        for (JsonNode r : kustomization(dir).path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                secrets.putAll(generatedSecrets(p));
            }
        }
        for (JsonNode g : kustomization(dir).path("secretGenerator")) {
            Set<String> keys = new LinkedHashSet<>();
            for (JsonNode env : g.path("envs")) {
                Path example = dir.resolve(env.asText() + ".example");
                assertThat(example).as("the example of " + env.asText()).exists();
                for (String line : Files.readAllLines(example)) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        keys.add(line.substring(0, line.indexOf('=')));
                    }
                }
            }
            g.path("literals").forEach(l -> keys.add(l.asText().substring(0, l.asText().indexOf('='))));
            secrets.put(g.path("name").asText(), keys);
        }
        return secrets;
    }

    static JsonNode kustomization(Path dir) throws IOException {
        return KubernetesManifests.YAML.readTree(dir.resolve("kustomization.yaml").toFile());
    }

    static List<Doc> kubernetesObjects(List<Doc> docs) {
        return docs.stream().filter(d -> !d.node().path("apiVersion").asText().startsWith("postgresql.cnpg.io/")).toList();
    }

    static Doc one(List<Doc> docs, String kind, String name) {
        return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " in " + docs));
    }

    static List<String> schemaProblems(List<Doc> docs) {
        return kubernetesObjects(docs).stream().flatMap(d -> KubernetesManifests.schemaProblems(d).stream()).toList();
    }

    @Test
    @DisplayName("every object of k8s/ and k8s/cloudnativepg/ passes the Kubernetes API's schema (fields, required fields, types, enums)")
    void schema() throws IOException {
        List<Doc> bundled = objects(K8S);
        assertThat(bundled).extracting(Doc::kind).contains("Namespace", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "DaemonSet", "StatefulSet");
        assertThat(schemaProblems(bundled)).isEmpty();
        assertThat(schemaProblems(objects(K8S.resolve("cloudnativepg")))).isEmpty();
    }

    @Test
    @DisplayName("the rules between objects hold: selectors, Service and probe ports, volumes, Secret and ConfigMap keys")
    void crossObjectRules() throws IOException {
        assertThat(KubernetesManifests.crossProblems(objects(K8S), generatedSecrets(K8S))).isEmpty();
        Path cnpg = K8S.resolve("cloudnativepg");
        Map<String, Set<String>> secrets = new HashMap<>(generatedSecrets(cnpg));
        secrets.putAll(CNPG_SECRETS);
        // Before the patch that points the service at the operator's Secret: the base's references.
        secrets.putAll(generatedSecrets(K8S.resolve("postgres")));
        assertThat(KubernetesManifests.crossProblems(objects(cnpg), secrets)).isEmpty();
    }

    @Test
    @DisplayName("the tiering service: ≥ 2 non-root replicas, read-only root, startup/liveness/readiness on /q/health, a Service, a PodDisruptionBudget, scraped")
    void tieringService() throws IOException {
        List<Doc> docs = objects(K8S);
        Doc deployment = one(docs, "Deployment", "zero-service");
        assertThat(deployment.node().path("spec").path("replicas").asInt()).isGreaterThanOrEqualTo(2);
        JsonNode pod = KubernetesManifests.podSpec(deployment);
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isNotZero();
        JsonNode container = pod.path("containers").get(0);
        assertThat(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/started");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        assertThat(KubernetesManifests.podAnnotations(deployment).path("prometheus.io/scrape").asText()).isEqualTo("true");
        assertThat(KubernetesManifests.podAnnotations(deployment).path("prometheus.io/path").asText()).isEqualTo("/q/metrics");
        one(docs, "Service", "zero-service");
        Doc pdb = one(docs, "PodDisruptionBudget", "zero-service");
        assertThat(pdb.node().path("spec").path("minAvailable").asInt()).isBetween(1, deployment.node().path("spec").path("replicas").asInt() - 1);
        assertThat(pdb.node().path("spec").path("selector").path("matchLabels")).isEqualTo(deployment.node().path("spec").path("selector").path("matchLabels"));
    }

    @Test
    @DisplayName("the agent DaemonSet: /dev/fuse, SYS_ADMIN, Bidirectional hostPath mount, hostPath cache, preStop unmount, tolerations; no Service, probes only on /q/health")
    void agentDaemonSet() throws IOException {
        List<Doc> docs = objects(K8S);
        Doc agent = one(docs, "DaemonSet", "zero-agent");
        JsonNode pod = KubernetesManifests.podSpec(agent);
        JsonNode c = pod.path("containers").get(0);
        Map<String, JsonNode> volumes = new HashMap<>();
        pod.path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        Map<String, JsonNode> mounts = new HashMap<>();
        c.path("volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(), m));

        JsonNode fuse = volumes.get(mounts.get("/dev/fuse").path("name").asText());
        assertThat(fuse.path("hostPath").path("path").asText()).isEqualTo("/dev/fuse");
        assertThat(fuse.path("hostPath").path("type").asText()).isEqualTo("CharDevice");
        assertThat(c.path("securityContext").path("capabilities").path("add").toString()).contains("SYS_ADMIN");
        String mountpoint = env(c, "ZERO_AGENT_MOUNTPOINT").path("value").asText();
        // the FUSE mount goes below the Bidirectional hostPath, never on it: a dead mount left by a
        // killed agent must not stop the next container from starting
        JsonNode mountParent = mounts.values().stream().filter(m -> mountpoint.startsWith(m.path("mountPath").asText() + "/")).findFirst()
                .orElseThrow(() -> new AssertionError("no volumeMount above the mountpoint " + mountpoint));
        assertThat(mounts).doesNotContainKey(mountpoint);
        assertThat(mountParent.path("mountPropagation").asText()).isEqualTo("Bidirectional");
        assertThat(volumes.get(mountParent.path("name").asText()).path("hostPath").path("path").asText()).isNotEmpty();
        assertThat(pod.path("priorityClassName").asText()).as("no system class (some providers admit those only with a quota)").doesNotStartWith("system-");
        String cache = env(c, "ZERO_AGENT_CACHE_DIR").path("value").asText();
        assertThat(volumes.get(mounts.get(cache).path("name").asText()).path("hostPath").path("path").asText())
                .as("the cache (and the host credential in it) outlives the pod").isNotEmpty();
        assertThat(c.path("lifecycle").path("preStop").path("exec").path("command").toString()).contains("fusermount -u " + mountpoint);
        assertThat(pod.path("tolerations").toString()).contains("Exists");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(c.path(probe).path("httpGet").path("path").asText()).as(probe).startsWith("/q/health/");
        }
        assertThat(env(c, "ZERO_AGENT_HOST").path("valueFrom").path("fieldRef").path("fieldPath").asText())
                .as("each node is its own host, with its own credential").isEqualTo("spec.nodeName");
        assertThat(env(c, "ZERO_AGENT_SERVICE_URL").path("value").asText()).startsWith("http://zero-service.");
        JsonNode agentLabels = KubernetesManifests.podLabels(agent);
        for (Doc s : docs.stream().filter(d -> d.kind().equals("Service")).toList()) {
            JsonNode selector = s.node().path("spec").path("selector");
            boolean selectsAgent = selector.properties().stream().allMatch(e -> e.getValue().asText().equals(agentLabels.path(e.getKey()).asText()));
            assertThat(selectsAgent).as(s + " must not expose the agent's API").isFalse();
        }
    }

    @Test
    @DisplayName("secrets come only from Secrets: no literal token, password or key; B2 keys reach the service only; the secret files are gitignored")
    void secrets() throws IOException {
        for (Path dir : List.of(K8S, K8S.resolve("cloudnativepg"))) {
            List<Doc> docs = objects(dir);
            assertThat(docs).extracting(Doc::kind).doesNotContain("Secret");
            for (Doc w : docs.stream().filter(d -> Set.of("Deployment", "DaemonSet", "StatefulSet").contains(d.kind())).toList()) {
                for (JsonNode c : KubernetesManifests.containers(w)) {
                    for (JsonNode e : c.path("env")) {
                        if (e.path("name").asText().matches(".*(TOKEN|PASSWORD|APPLICATION_KEY|ACCOUNT_ID|JDBC_URL|USERNAME).*")) {
                            assertThat(e.has("value")).as(w + " " + e.path("name").asText() + " is set from a Secret").isFalse();
                            assertThat(e.path("valueFrom").has("secretKeyRef")).as(w + " " + e.path("name").asText()).isTrue();
                        }
                        if (w.name().equals("zero-agent")) {
                            assertThat(e.path("name").asText()).as("the agent gets no B2 key").doesNotStartWith("ZERO_STORE_B2");
                        }
                    }
                }
            }
        }
        String gitignore = Files.readString(REPO.resolve(".gitignore"));
        assertThat(gitignore).contains("/k8s/base/secrets.env").contains("/k8s/postgres/database.env");
    }

    @Test
    @DisplayName("k8s/cloudnativepg/: a CloudNativePG cluster of ≥ 2 instances, the bundled PostgreSQL left out")
    void cloudNativePg() throws IOException {
        List<Doc> docs = objects(K8S.resolve("cloudnativepg"));
        Doc cluster = one(docs, "Cluster", "zero-db");
        assertThat(cluster.node().path("apiVersion").asText()).isEqualTo("postgresql.cnpg.io/v1");
        assertThat(cluster.node().path("spec").path("instances").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(cluster.node().path("spec").path("bootstrap").path("initdb").path("database").asText()).isEqualTo("zero");
        assertThat(docs).extracting(Doc::kind).doesNotContain("StatefulSet");
    }

    static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no env " + name + " in " + container.path("name"));
    }

    /** The checker itself: each kind of mistake in a copy of the real manifests is reported. */
    @Nested
    @DisplayName("the checks catch what an API server or a kubelet would refuse")
    class Mistakes {
        List<Doc> docs;

        List<String> after(String kind, String name, Consumer<ObjectNode> mistake) throws IOException {
            docs = objects(K8S);
            mistake.accept(one(docs, kind, name).node());
            List<String> problems = new ArrayList<>(schemaProblems(docs));
            problems.addAll(KubernetesManifests.crossProblems(docs, generatedSecrets(K8S)));
            return problems;
        }

        static ObjectNode container(ObjectNode workload) {
            return (ObjectNode) workload.path("spec").path("template").path("spec").path("containers").get(0);
        }

        @Test
        @DisplayName("an unknown field, deep in a pod spec")
        void unknownField() throws IOException {
            assertThat(after("DaemonSet", "zero-agent", d -> container(d).put("imagePolicy", "Always")))
                    .anyMatch(p -> p.contains("imagePolicy"));
        }

        @Test
        @DisplayName("a missing required field (a container's name)")
        void missingRequired() throws IOException {
            assertThat(after("Deployment", "zero-service", d -> container(d).remove("name"))).anyMatch(p -> p.contains("name"));
        }

        @Test
        @DisplayName("a wrong type (replicas: \"two\"), an annotation that is not a string, an unknown enum value")
        void wrongTypes() throws IOException {
            assertThat(after("Deployment", "zero-service", d -> ((ObjectNode) d.path("spec")).put("replicas", "two"))).anyMatch(p -> p.contains("two") || p.contains("NumberFormat"));
            assertThat(after("Deployment", "zero-service", d -> ((ObjectNode) d.path("spec").path("template").path("metadata").path("annotations")).put("prometheus.io/scrape", true)))
                    .anyMatch(p -> p.contains("prometheus.io/scrape must be a string"));
            assertThat(after("DaemonSet", "zero-agent", d -> ((ObjectNode) container(d).path("volumeMounts").get(2)).put("mountPropagation", "Shared")))
                    .anyMatch(p -> p.contains("mountPropagation is \"Shared\""));
        }

        @Test
        @DisplayName("a selector that does not match the template, a Service or PDB that selects nothing")
        void selectors() throws IOException {
            assertThat(after("Deployment", "zero-service", d -> ((ObjectNode) d.path("spec").path("selector").path("matchLabels")).put("app.kubernetes.io/name", "other")))
                    .anyMatch(p -> p.contains("does not select the pod template"));
            assertThat(after("Service", "zero-service", d -> ((ObjectNode) d.path("spec").path("selector")).put("app.kubernetes.io/name", "typo")))
                    .anyMatch(p -> p.contains("selects no pod template"));
            assertThat(after("PodDisruptionBudget", "zero-service", d -> ((ObjectNode) d.path("spec").path("selector").path("matchLabels")).put("x", "y")))
                    .anyMatch(p -> p.contains("selects no pod template"));
        }

        @Test
        @DisplayName("a probe or a Service on a port the container does not have")
        void ports() throws IOException {
            assertThat(after("Deployment", "zero-service", d -> ((ObjectNode) container(d).path("readinessProbe").path("httpGet")).put("port", "metrics")))
                    .anyMatch(p -> p.contains("readinessProbe port \"metrics\""));
            assertThat(after("Service", "zero-service", d -> ((ObjectNode) d.path("spec").path("ports").get(0)).put("targetPort", 8080)))
                    .anyMatch(p -> p.contains("targetPort 8080"));
        }

        @Test
        @DisplayName("a mount of a volume that does not exist; Bidirectional propagation in an unprivileged container")
        void volumes() throws IOException {
            assertThat(after("DaemonSet", "zero-agent", d -> ((ObjectNode) container(d).path("volumeMounts").get(1)).put("name", "cach")))
                    .anyMatch(p -> p.contains("volumeMount cach names no volume"));
            assertThat(after("DaemonSet", "zero-agent", d -> ((ObjectNode) container(d).path("securityContext")).put("privileged", false)))
                    .anyMatch(p -> p.contains("Bidirectional is allowed only in privileged containers"));
        }

        @Test
        @DisplayName("a PriorityClass that does not exist")
        void priorityClass() throws IOException {
            assertThat(after("DaemonSet", "zero-agent", d -> ((ObjectNode) d.path("spec").path("template").path("spec")).put("priorityClassName", "zero-agnet")))
                    .anyMatch(p -> p.contains("priorityClassName zero-agnet names no PriorityClass"));
        }

        @Test
        @DisplayName("a Secret key or ConfigMap that does not exist")
        void references() throws IOException {
            assertThat(after("Deployment", "zero-service", d -> ((ObjectNode) container(d).path("env").get(3).path("valueFrom").path("secretKeyRef")).put("key", "ADMIN_TOKEN")))
                    .anyMatch(p -> p.contains("has no key ADMIN_TOKEN"));
            assertThat(after("Deployment", "zero-service", d -> ((ObjectNode) container(d).path("envFrom").get(0).path("configMapRef")).put("name", "zero-conf")))
                    .anyMatch(p -> p.contains("names no ConfigMap"));
        }
    }

    /** {@code kubectl kustomize} (offline: kustomize is built into kubectl) renders both kustomizations. */
    @Nested
    @DisplayName("kubectl kustomize")
    class Rendered {
        @TempDir
        Path tmp;

        List<Doc> render(String overlay) throws IOException, InterruptedException {
            String kubectl = Stream.of((System.getenv("PATH") + ":/usr/local/bin:/usr/bin").split(":")).map(d -> Path.of(d, "kubectl"))
                    .filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
            assumeTrue(kubectl != null, "kubectl is not installed here (it renders kustomizations offline; e.g. apt-get install kubernetes-client)");
            ZeroStack.Result version = Shell.exec(REPO, Map.of(), 1, kubectl, "version", "--client");
            Matcher kustomize = Pattern.compile("Kustomize Version: v(\\d+)").matcher(version.output());
            assumeTrue(kustomize.find() && Integer.parseInt(kustomize.group(1)) >= 4,
                    "this kubectl's built-in kustomize is older than v4 (patches and envs need it): " + version.output().strip());
            Path copy = tmp.resolve("k8s");
            try (Stream<Path> files = Files.walk(K8S)) {
                for (Path f : files.toList()) {
                    Path to = copy.resolve(K8S.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else if (!f.getFileName().toString().endsWith(".env")) {
                        Files.copy(f, to);
                        if (f.getFileName().toString().endsWith(".env.example")) {
                            Files.copy(f, to.resolveSibling(f.getFileName().toString().replace(".example", "")));
                        }
                    }
                }
            }
            ZeroStack.Result out = Shell.exec(REPO, Map.of(), 2, kubectl, "kustomize", copy.resolve(overlay).toString());
            assertThat(out.exit()).as(out.output()).isZero();
            return KubernetesManifests.parse("kubectl kustomize k8s/" + overlay, out.output());
        }

        @Test
        @DisplayName("k8s/: every object valid and in namespace zero; the generated Secrets' hashed names are what the pods reference")
        void bundled() throws Exception {
            List<Doc> docs = render("");
            assertThat(schemaProblems(docs)).isEmpty();
            assertThat(KubernetesManifests.crossProblems(docs, Map.of())).isEmpty();
            for (Doc d : docs) {
                if (!Set.of("Namespace", "PriorityClass").contains(d.kind())) {
                    assertThat(d.node().path("metadata").path("namespace").asText()).as(d.toString()).isEqualTo("zero");
                }
            }
            Doc secrets = docs.stream().filter(d -> d.kind().equals("Secret") && d.name().startsWith("zero-secrets-")).findFirst().orElseThrow();
            assertThat(env(KubernetesManifests.containers(one(docs, "DaemonSet", "zero-agent")).get(0), "ZERO_AGENT_ENROLMENT_TOKEN")
                    .path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo(secrets.name());
            assertThat(KubernetesManifests.containers(one(docs, "Deployment", "zero-service")).get(0).path("image").asText()).isEqualTo("zero/tiering-service:0.1.0");
        }

        @Test
        @DisplayName("k8s/cloudnativepg/: the service reads the operator's zero-db-app Secret, no bundled PostgreSQL")
        void cloudNativePg() throws Exception {
            List<Doc> docs = render("cloudnativepg");
            assertThat(schemaProblems(docs)).isEmpty();
            assertThat(KubernetesManifests.crossProblems(kubernetesObjects(docs), CNPG_SECRETS)).isEmpty();
            assertThat(docs).extracting(Doc::kind).doesNotContain("StatefulSet");
            JsonNode service = KubernetesManifests.containers(one(docs, "Deployment", "zero-service")).get(0);
            for (String name : List.of("QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD")) {
                assertThat(env(service, name).path("valueFrom").path("secretKeyRef").path("name").asText()).as(name).isEqualTo("zero-db-app");
            }
            assertThat(((ArrayNode) service.path("env")).size()).isGreaterThan(3);
        }
    }
}

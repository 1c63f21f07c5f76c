package dev.zero.service.rest;

import dev.zero.api.CommandView;
import dev.zero.api.FileView;
import dev.zero.api.PlanPreview;
import dev.zero.api.PlannerRound;
import dev.zero.api.PolicyChange;
import dev.zero.api.PolicyUpdate;
import dev.zero.api.VersionView;
import dev.zero.api.VolumePolicy;
import dev.zero.api.VolumeStatus;
import dev.zero.api.Sizes;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.Provider;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Plain-text renderings of a file's story and of a command's outcome, for operators at a
 * terminal ({@code ./zero where}, the summary of {@code ./zero upload|evict|restore}); the same
 * calls answer JSON to anything that asks for it.
 */
@Provider
@Produces(MediaType.TEXT_PLAIN)
public class TextViews implements MessageBodyWriter<Object> {
    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return (type == FileView.class || type == CommandView.class || type == VolumeStatus.class || type == VolumePolicy.class
                || type == PolicyUpdate.class || isVersionList(type, genericType)) && mediaType.isCompatible(MediaType.TEXT_PLAIN_TYPE);
    }

    @Override
    public void writeTo(Object value, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
            MultivaluedMap<String, Object> headers, OutputStream out) throws java.io.IOException {
        String text = switch (value) {
            case FileView f -> file(f);
            case CommandView c -> command(c);
            case VolumeStatus v -> status(v);
            case VolumePolicy p -> policy(p);
            case PolicyUpdate u -> policyUpdate(u);
            case List<?> l -> versions(l.stream().map(VersionView.class::cast).toList());
            default -> throw new IllegalArgumentException("no text view of " + type);
        };
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    static String file(FileView f) {
        StringBuilder b = new StringBuilder();
        String name = f.paths().isEmpty() ? "(no name)" : f.paths().get(0);
        b.append(name).append("  (volume ").append(f.volume()).append(", file ").append(f.fileId()).append(")\n");
        if (f.paths().size() > 1) {
            b.append(line("names", String.join(", ", f.paths())));
        }
        b.append(line("catalogue", f.state() + ", content version " + f.meta().contentVersion() + ", " + Sizes.human(f.meta().size())
                + ", mtime " + f.meta().mtime() + ", ctime " + f.meta().ctime()));
        if (f.stored() == null) {
            b.append(line("stored", "no copy in the object store"));
        } else {
            FileView.StoredCopy s = f.stored();
            b.append(line("stored", s.key() + " (version " + s.contentVersion() + ", " + Sizes.human(s.size()) + ", " + s.chunks() + " chunk"
                    + (s.chunks() == 1 ? "" : "s") + " of " + Sizes.human(s.chunkSize()) + ", stored " + s.storedAt() + ")"));
            b.append(line("sha256", s.sha256()));
        }
        if (f.transfers().isEmpty()) {
            b.append(line("transfers", "none"));
        }
        String label = "transfers";
        for (FileView.Transfer t : f.transfers()) {
            b.append(line(label, String.format(Locale.ROOT, "%s %-4s %10s %-8s%s%s", t.startedAt(), t.direction(), Sizes.human(t.bytes()), t.outcome(),
                    t.range() == null ? "" : " " + t.range(), t.error() == null ? "" : "  " + t.error())));
            label = "";
        }
        return b.toString();
    }

    static String command(CommandView c) {
        StringBuilder b = new StringBuilder();
        String verb = c.action().name().toLowerCase(Locale.ROOT);
        b.append(verb).append(": ").append(c.files()).append(c.files() == 1 ? " file, " : " files, ").append(Sizes.human(c.bytes())).append(": ")
                .append(c.done()).append(" done");
        if (c.refused() > 0) {
            b.append(", ").append(c.refused()).append(" refused");
        }
        if (c.failed() > 0) {
            b.append(", ").append(c.failed()).append(" failed");
        }
        long pending = c.files() - c.done() - c.refused() - c.failed();
        if (pending > 0) {
            b.append(", ").append(pending).append(" pending");
        }
        b.append("; ").append(Sizes.human(c.bytesDone())).append(" moved");
        if (c.finishedAt() != null && c.bytesDone() > 0) {
            Duration took = Duration.between(c.createdAt(), c.finishedAt());
            double seconds = Math.max(0.001, took.toMillis() / 1000.0);
            b.append(String.format(Locale.ROOT, " in %.1f s (%s/s)", seconds, Sizes.human((long) (c.bytesDone() / seconds))));
        }
        b.append('\n');
        for (CommandView.Problem p : c.problems()) {
            b.append(String.format(Locale.ROOT, "  %-8s %s: %s%n", p.outcome().name().toLowerCase(Locale.ROOT), p.path(), p.message()));
        }
        if (!c.notFound().isEmpty()) {
            b.append("  not in the catalogue: ").append(c.notFound().stream().collect(Collectors.joining(", "))).append('\n');
        }
        return b.toString();
    }

    private static boolean isVersionList(Class<?> type, Type genericType) {
        return List.class.isAssignableFrom(type) && genericType instanceof ParameterizedType p
                && p.getActualTypeArguments().length == 1 && p.getActualTypeArguments()[0] == VersionView.class;
    }

    static String status(VolumeStatus v) {
        StringBuilder b = new StringBuilder();
        b.append("volume ").append(v.volume()).append(" on host ").append(v.host()).append(" (last report ")
                .append(v.lastHeartbeat() == null ? "never" : v.lastHeartbeat()).append(")\n");
        String disk = Sizes.human(v.cacheBytes()) + " on disk";
        if (v.targetBytes() != null) {
            disk += String.format(Locale.ROOT, " of a %s target (%.0f%%; evicts above %s down to %s)", Sizes.human(v.targetBytes()),
                    100.0 * v.cacheBytes() / v.targetBytes(), Sizes.human(v.highBytes()), Sizes.human(v.lowBytes()));
        } else {
            disk += ", no target (nothing is evicted for space; set one with ./zero policy set targetDiskUsage=...)";
        }
        if (v.maxBytes() != null) {
            disk += ", hard limit " + Sizes.human(v.maxBytes());
        }
        b.append(line("disk", disk));
        if (v.neededBytes() > 0) {
            b.append(line("waiting", Sizes.human(v.neededBytes()) + " of restores or writes wait for room"));
        }
        if (v.neverUploadBytes() > 0) {
            b.append(line("local only", Sizes.human(v.neverUploadBytes()) + " kept on the host by never-upload rules"
                    + (v.targetBytes() != null && v.neverUploadBytes() > v.targetBytes() ? " - MORE THAN THE TARGET: it cannot be met" : "")));
        }
        String label = "files";
        if (v.states().isEmpty()) {
            b.append(line(label, "none"));
        }
        for (VolumeStatus.StateTotal t : v.states()) {
            b.append(line(label, String.format(Locale.ROOT, "%-9s %8d files %10s", t.state(), t.files(), Sizes.human(t.bytes()))));
            label = "";
        }
        label = "queued";
        if (v.pending().isEmpty()) {
            b.append(line(label, "nothing"));
        }
        for (VolumeStatus.Pending p : v.pending()) {
            b.append(line(label, String.format(Locale.ROOT, "%-9s %8d files %10s", p.kind(), p.tasks(), Sizes.human(p.bytes()))));
            label = "";
        }
        VolumeStatus.StoreUsage store = v.store();
        if (store != null) {
            String kept = store.objects() + " objects, " + Sizes.human(store.storedBytes()) + " in the " + store.kind() + " store; "
                    + store.downloads30d() + " downloads (" + Sizes.human(store.downloadedBytes30d()) + ") in 30 days";
            b.append(line("store", kept));
            if (!store.callsByClass().isEmpty()) {
                StringBuilder calls = new StringBuilder("since this service started: ");
                store.callsByClass().forEach((c, n) -> calls.append("class ").append(c).append(' ').append(n).append(", "));
                calls.setLength(calls.length() - 2);
                b.append(line("calls", calls.toString()));
            }
            if (store.estimatedMonthlyUsd() != null) {
                b.append(line("cost", String.format(Locale.ROOT,
                        "about $%.2f a month at B2's prices (storage of everything kept, and the last 30 days' downloads as a month)",
                        store.estimatedMonthlyUsd())));
            }
        }
        PlannerRound r = v.lastRound();
        b.append(line("planner", r == null ? "has not planned this volume yet" : round(r)));
        label = "failures";
        for (VolumeStatus.Failure f : v.lastFailures()) {
            b.append(line(label, f.at() + " " + f.kind() + " " + f.path() + ": " + f.outcome() + " " + f.message()));
            label = "";
        }
        return b.toString();
    }

    private static String round(PlannerRound r) {
        String moves = r.uploads() + r.evictions() + r.restores() == 0 ? "nothing to move"
                : r.uploads() + " uploads (" + Sizes.human(r.uploadBytes()) + "), " + r.evictions() + " evictions ("
                        + Sizes.human(r.evictionBytes()) + "), " + r.restores() + " restores (" + Sizes.human(r.restoreBytes()) + ")";
        return r.at() + ", took " + r.millis() + " ms: " + moves + (r.note() == null ? "" : "; " + r.note());
    }

    static String policy(VolumePolicy p) {
        StringBuilder b = new StringBuilder();
        PolicyChange.describe(p).forEach((k, v) -> b.append(String.format(Locale.ROOT, "%-16s %s%n", k, v)));
        List<String> rules = PolicyChange.describeRules(p);
        b.append(rules.isEmpty() ? "rules            none\n" : "rules            (first match decides)\n");
        for (String rule : rules) {
            b.append("  ").append(rule).append('\n');
        }
        return b.toString();
    }

    static String policyUpdate(PolicyUpdate u) {
        StringBuilder b = new StringBuilder(u.saved() ? "policy saved; the planner follows it from its next round:\n"
                : "dry run: nothing saved. The policy would be:\n");
        b.append(policy(u.policy()).indent(2));
        PlanPreview p = u.preview();
        PlannerRound r = p.round();
        b.append(u.saved() ? "the next round would, now:\n" : "under it the planner would, now:\n");
        b.append(line("upload", r.uploads() + " files, " + Sizes.human(r.uploadBytes()) + " (" + p.uploadCalls() + " store calls)"));
        b.append(line("evict", r.evictions() + " files, " + Sizes.human(r.evictionBytes()) + " freed (no store calls)"));
        b.append(line("restore", r.restores() + " files, " + Sizes.human(r.restoreBytes()) + " downloaded (" + p.downloadCalls() + " store calls)"));
        if (r.note() != null) {
            b.append(line("note", r.note()));
        }
        return b.toString();
    }

    static String versions(List<VersionView> versions) {
        if (versions.isEmpty()) {
            return "no stored versions\n";
        }
        StringBuilder b = new StringBuilder();
        for (VersionView v : versions) {
            String what = v.current() ? "current" : v.deletedAt() != null ? "deleted " + v.deletedAt() : "older version";
            b.append(String.format(Locale.ROOT, "%s  file %d version %d  %10s  stored %s  %s%s%n  sha256 %s%n", v.path(), v.fileId(),
                    v.contentVersion(), Sizes.human(v.size()), v.storedAt(), what, v.keptUntil() == null ? "" : ", kept until " + v.keptUntil(),
                    v.sha256()));
        }
        return b.toString();
    }

    private static String line(String label, String value) {
        return String.format(Locale.ROOT, "  %-10s %s%n", label.isEmpty() ? "" : label + ":", value);
    }
}

package dev.zero.service.rest;

import dev.zero.api.CommandView;
import dev.zero.api.FileView;
import dev.zero.api.Sizes;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.Provider;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
        return (type == FileView.class || type == CommandView.class) && mediaType.isCompatible(MediaType.TEXT_PLAIN_TYPE);
    }

    @Override
    public void writeTo(Object value, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
            MultivaluedMap<String, Object> headers, OutputStream out) throws java.io.IOException {
        String text = value instanceof FileView f ? file(f) : command((CommandView) value);
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

    private static String line(String label, String value) {
        return String.format(Locale.ROOT, "  %-10s %s%n", label.isEmpty() ? "" : label + ":", value);
    }
}

package dev.zero.agent.status;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import dev.zero.api.Sizes;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.Provider;

/** The host's side of {@code ./zero where} as text: what this host holds of the file. */
@Provider
@Produces(MediaType.TEXT_PLAIN)
public class LocalFileText implements MessageBodyWriter<AgentResource.LocalFile> {
    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return type == AgentResource.LocalFile.class;
    }

    @Override
    public void writeTo(AgentResource.LocalFile f, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
            MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
        StringBuilder b = new StringBuilder();
        if (f.tier() == null) {
            b.append(line("host", "no tier record (created behind the agent's back?)"));
        } else {
            b.append(line("host", f.tier().state() + ", content version " + f.tier().contentVersion() + ", " + Sizes.human(f.bytesOnDisk())
                    + " on disk of " + Sizes.human(f.size()) + (f.pinned() ? ", pinned" : "")));
            if (f.tier().storedVersion() != null) {
                b.append(line("copy", "version " + f.tier().storedVersion() + " uploaded as " + f.tier().nonce()
                        + (f.tier().storedVersion() == f.tier().contentVersion() ? " (current)" : " (older than the content)")));
            }
            if (f.chunks() != null) {
                b.append(line("restored", f.chunksPresent() + " of " + f.chunks() + " chunks back and verified"));
            }
            if (f.openHandles() > 0) {
                b.append(line("open", f.openHandles() + " handle" + (f.openHandles() == 1 ? "" : "s")));
            }
            if (f.trueCtime() != null) {
                b.append(line("ctime", f.trueCtime() + " (kept by the agent; the backing file's own moved with tiering)"));
            }
        }
        if (f.lastRestoreFailure() != null) {
            b.append(line("failed", "last restore: " + f.lastRestoreFailure()));
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String line(String label, String value) {
        return String.format(Locale.ROOT, "  %-10s %s%n", label + ":", value);
    }
}

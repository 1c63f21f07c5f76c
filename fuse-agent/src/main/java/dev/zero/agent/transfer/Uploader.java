package dev.zero.agent.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.zero.agent.cache.Refused;
import dev.zero.agent.cache.TieredFile;
import dev.zero.agent.cache.TieredFile.UploadTicket;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.client.TieringClient;
import dev.zero.agent.posix.Errno;
import dev.zero.agent.posix.Native;
import dev.zero.api.StoredObject;
import dev.zero.api.TierInfo;
import dev.zero.api.UploadConfirmation;
import jakarta.enterprise.context.ApplicationScoped;
import jnr.ffi.Pointer;

/**
 * Uploads one file's current content: streams it to the service while taking its SHA-256,
 * compares that with what the service stored, and confirms the upload only if nothing wrote to
 * the file meanwhile (checked again under the file's lock before it becomes SYNCED). A file that
 * changed during its upload stays LOCAL and is uploaded again later; reads and writes of it
 * never wait for an upload.
 */
@ApplicationScoped
public class Uploader {
    private static final int BLOCK = 1 << 20;

    private final ServiceHttp http;
    private final TieringClient client;
    private final TieredFiles tiered;
    private final ObjectMapper json;

    /** How long an upload waits for one of the same file already running (the planner's and a user's can meet). */
    static final java.time.Duration JOIN_RUNNING = java.time.Duration.ofMinutes(2);

    Uploader(ServiceHttp http, TieringClient client, TieredFiles tiered, ObjectMapper json) {
        this.http = http;
        this.client = client;
        this.tiered = tiered;
        this.json = json;
    }

    /**
     * Uploads the file behind {@code fd}; returns the bytes sent (0 when its content was stored
     * already). {@code sent} follows the bytes as they go, for progress reports.
     */
    public long upload(TieredFile file, int fd, java.util.concurrent.atomic.AtomicLong sent) throws Refused, IOException {
        UploadTicket ticket = file.onUploadStarted(fd, JOIN_RUNNING);
        if (ticket.alreadyStored()) {
            return 0;
        }
        try {
            MessageDigest sha = sha256();
            HttpResponse<String> answer;
            try {
                answer = http.client().send(http.file(file.fileId(), "content?version=" + ticket.contentVersion())
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.fromPublisher(
                                HttpRequest.BodyPublishers.ofInputStream(() -> new FileStream(fd, ticket.size(), sha, sent)), ticket.size()))
                        .build(), HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            if (answer.statusCode() == 409) {
                throw new Refused("the catalogue holds newer content than this upload: " + answer.body());
            }
            if (answer.statusCode() != 200) {
                throw new IOException("the service did not store the upload (" + answer.statusCode() + "): " + answer.body());
            }
            StoredObject stored = json.readValue(answer.body(), StoredObject.class);
            String sha256 = HexFormat.of().formatHex(sha.digest());
            if (!sha256.equals(stored.sha256()) || stored.size() != ticket.size()) {
                throw new IOException("the service stored other bytes than were sent (SHA-256 " + stored.sha256() + ", " + stored.size()
                        + " bytes; sent " + sha256 + ", " + ticket.size() + " bytes); not confirmed");
            }
            if (!file.unchangedSince(ticket)) {
                throw new Refused("the file was written during its upload; it is uploaded again later");
            }
            try {
                client.confirm(http.volume(), file.fileId(), stored.nonce(), new UploadConfirmation(ticket.contentVersion(), sha256));
            } catch (TieringClient.Refused e) {
                throw new Refused("the service did not confirm the upload: " + e.getMessage());
            }
            if (!file.onUploadConfirmed(fd, ticket, TierInfo.parseNonce("nonce", stored.nonce()))) {
                throw new Refused("the file was written during its upload; it is uploaded again later");
            }
            tiered.counters().uploaded(ticket.size());
            return ticket.size();
        } catch (Refused | IOException | RuntimeException e) {
            file.onUploadAbandoned(fd, ticket);
            throw e;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code size} bytes of the file read with pread (the descriptor's offset is left alone),
     * hashed on the way. A file that shrank meanwhile is padded with zeros to the announced
     * length; that upload is never confirmed, since the shrinking was a write.
     */
    private static final class FileStream extends InputStream {
        private final int fd;
        private final long size;
        private final MessageDigest sha;
        private final java.util.concurrent.atomic.AtomicLong sent;
        private final Pointer buffer = Native.allocate(BLOCK);
        private long position;

        FileStream(int fd, long size, MessageDigest sha, java.util.concurrent.atomic.AtomicLong sent) {
            this.fd = fd;
            this.size = size;
            this.sha = sha;
            this.sent = sent;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position >= size) {
                return -1;
            }
            int want = (int) Math.min(Math.min(len, BLOCK), size - position);
            long n;
            do {
                n = Native.LIBC.pread(fd, buffer, want, position);
            } while (n < 0 && Native.errno() == Errno.EINTR);
            if (n < 0) {
                throw new IOException("reading the file for upload failed: errno " + Native.errno());
            }
            if (n == 0) {
                java.util.Arrays.fill(b, off, off + want, (byte) 0);
                n = want;
            } else {
                buffer.get(0, b, off, (int) n);
            }
            sha.update(b, off, (int) n);
            position += n;
            sent.addAndGet(n);
            return (int) n;
        }
    }

}

package dev.zero.service.rest;

import dev.zero.api.Checks;
import dev.zero.api.JournalAck;
import dev.zero.api.JournalBatch;
import dev.zero.api.ObjectManifest;
import dev.zero.api.StoredObject;
import dev.zero.api.UploadConfirmation;
import dev.zero.api.VolumeRegistration;
import dev.zero.api.VolumeView;
import dev.zero.service.auth.BearerTokens;
import dev.zero.service.auth.CurrentCaller;
import dev.zero.api.VolumesApi;
import dev.zero.service.catalogue.JournalIngest;
import dev.zero.service.catalogue.Volumes;
import dev.zero.service.transfer.ContentTransfers;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

public class VolumesResource implements VolumesApi {
    private final Volumes volumes;
    private final JournalIngest journal;
    private final ContentTransfers transfers;
    private final HttpHeaders headers;

    private final CurrentCaller caller;

    VolumesResource(Volumes volumes, JournalIngest journal, ContentTransfers transfers, HttpHeaders headers, CurrentCaller caller) {
        this.caller = caller;
        this.volumes = volumes;
        this.journal = journal;
        this.transfers = transfers;
        this.headers = headers;
    }

    @Override
    public VolumeView register(String volume, VolumeRegistration registration) {
        Checks.name("volume", volume);
        String host = Checks.present("request body", registration).host();
        if (!caller.get().actsFor(host)) {
            throw ApiException.forbidden(BearerTokens.otherHost(caller.get(), host));
        }
        return volumes.register(volume, host);
    }

    @Override
    public JournalAck ingest(String volume, JournalBatch batch) {
        return journal.ingest(Checks.name("volume", volume), Checks.present("request body", batch));
    }

    /**
     * The contract's upload, as OpenAPI shows it. Requests to this path are served by
     * {@link dev.zero.service.transfer.UploadRoute}, which streams the body with bounded buffering
     * into the same {@link ContentTransfers#upload}; this stays for any way the route is not in front.
     */
    @Override
    public StoredObject upload(String volume, long file, Long version, String sha256, InputStream body) {
        return transfers.upload(Checks.name("volume", volume), file, version, sha256, headers.getLength(), body);
    }

    @Override
    public StoredObject confirm(String volume, long file, String nonce, UploadConfirmation confirmation) {
        return transfers.confirm(Checks.name("volume", volume), file, nonce, Checks.present("request body", confirmation));
    }

    @Override
    public Response download(String volume, long file, Long version, String nonce, String range) {
        return transfers.download(Checks.name("volume", volume), file, version, nonce, range);
    }

    @Override
    public ObjectManifest manifest(String volume, long file, Long version, String nonce) {
        return transfers.manifest(Checks.name("volume", volume), file, version, nonce);
    }
}

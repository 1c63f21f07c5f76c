package dev.zero.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;

/** Agent calls about a volume: registration, the change journal and content transfers. */
@Path("/api/v1/volumes")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface VolumesApi {
    /** Header carrying the hex SHA-256 the uploader computed; the service refuses the upload if the bytes differ. */
    String SHA256_HEADER = "X-Zero-Sha256";

    /** Declares that the volume is served from a host (creating the volume on first call) and tells where its journal stands. */
    @PUT
    @Path("/{volume}")
    VolumeView register(@PathParam("volume") String volume, VolumeRegistration registration);

    /**
     * Applies a batch of journal records. Records at or below the applied sequence are skipped
     * (a batch can be sent twice); a batch that starts after a gap is refused with 409.
     */
    @POST
    @Path("/{volume}/journal")
    JournalAck ingest(@PathParam("volume") String volume, JournalBatch batch);

    /**
     * Streams one content version of a file into the object store, with per-chunk SHA-256
     * hashes taken on the way. The body is never held in memory whole; its SHA-256 is checked
     * against {@link #SHA256_HEADER} when given. The stored object becomes the file's content
     * only when {@link #confirm} says so.
     */
    @PUT
    @Path("/{volume}/files/{file}/content")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    StoredObject upload(@PathParam("volume") String volume, @PathParam("file") long file,
            @QueryParam("version") Long version, @HeaderParam(SHA256_HEADER) String sha256, InputStream body);

    /**
     * Makes an uploaded object the file's stored content, if the file still has that content
     * version and the uploader's SHA-256 matches what was stored; 409 otherwise (the object is dropped).
     */
    @POST
    @Path("/{volume}/files/{file}/content/{nonce}/confirm")
    StoredObject confirm(@PathParam("volume") String volume, @PathParam("file") long file, @PathParam("nonce") String nonce,
            UploadConfirmation confirmation);

    /**
     * Streams a stored object of the file: the one uploaded as {@code version} with {@code nonce},
     * or without them the file's current stored copy. Honours a single {@code Range: bytes=...}.
     */
    @GET
    @Path("/{volume}/files/{file}/content")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    Response download(@PathParam("volume") String volume, @PathParam("file") long file, @QueryParam("version") Long version,
            @QueryParam("nonce") String nonce, @HeaderParam("Range") String range);

    /** The hashes that verify a stored object of the file, chosen as for {@link #download}. */
    @GET
    @Path("/{volume}/files/{file}/manifest")
    ObjectManifest manifest(@PathParam("volume") String volume, @PathParam("file") long file, @QueryParam("version") Long version,
            @QueryParam("nonce") String nonce);
}

package dev.zero.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Operator calls: what the catalogue holds, tiering policy, and commands that move files now. Needs the admin token. */
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface AdminApi {
    @GET
    @Path("/hosts")
    List<HostView> hosts();

    /** Issues the host a new credential (creating the host if needed); any earlier one stops working at once. */
    @POST
    @Path("/hosts/{host}/credential")
    HostCredential issueCredential(@PathParam("host") String host);

    /** Revokes the host's credential: its agent is refused from now on and cannot enrol again by itself. */
    @DELETE
    @Path("/hosts/{host}/credential")
    void revokeCredential(@PathParam("host") String host);

    @GET
    @Path("/volumes")
    List<VolumeView> volumes();

    /** Every name of the volume with its path, file and state, in path order. */
    @GET
    @Path("/volumes/{volume}/tree")
    List<CatalogueEntry> tree(@PathParam("volume") String volume);

    /** One file by one of its paths: names, attributes, tier state, stored object and recent transfers. */
    @GET
    @Path("/volumes/{volume}/files")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    FileView file(@PathParam("volume") String volume, @QueryParam("path") String path);

    @GET
    @Path("/volumes/{volume}/policy")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    VolumePolicy policy(@PathParam("volume") String volume);

    /** Replaces the volume's policy; a policy that does not validate is refused with 400 and changes nothing. */
    @PUT
    @Path("/volumes/{volume}/policy")
    VolumePolicy setPolicy(@PathParam("volume") String volume, VolumePolicy policy);

    /**
     * Changes some settings of the volume's policy, written as operators do ({@code 64MiB},
     * {@code 10s}, {@code 90%}); with {@code dryRun} nothing is saved. Either way the answer says
     * what the planner would upload, evict and restore under the new policy now.
     */
    @PATCH
    @Path("/volumes/{volume}/policy")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    PolicyUpdate changePolicy(@PathParam("volume") String volume, @QueryParam("dryRun") boolean dryRun, PolicyChange change);

    /** Adds a path rule at {@code position} (0 first; default last), replacing any rule with the same glob. */
    @POST
    @Path("/volumes/{volume}/policy/rules")
    VolumePolicy addRule(@PathParam("volume") String volume, @QueryParam("position") Integer position, PathRule rule);

    /** Removes the path rule with exactly this glob. */
    @DELETE
    @Path("/volumes/{volume}/policy/rules")
    VolumePolicy removeRule(@PathParam("volume") String volume, @QueryParam("glob") String glob);

    /** Pins a file or directory (a PIN rule, first) and restores what of it is evicted; answers the restore. */
    @POST
    @Path("/volumes/{volume}/pins")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    CommandView pin(@PathParam("volume") String volume, @QueryParam("path") String path);

    /** Removes the pin of a file or directory. */
    @DELETE
    @Path("/volumes/{volume}/pins")
    VolumePolicy unpin(@PathParam("volume") String volume, @QueryParam("path") String path);

    /** The volume at a glance: disk against target, files per state, queued moves, the last planning round, recent failures. */
    @GET
    @Path("/volumes/{volume}/status")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    VolumeStatus status(@PathParam("volume") String volume);

    /** What the planner would do now under {@code policy}, computed from the catalogue; nothing changes. */
    @POST
    @Path("/volumes/{volume}/policy/preview")
    PlanPreview preview(@PathParam("volume") String volume, VolumePolicy policy);

    /** The stored versions of the file at {@code path} (or of files deleted from it) still held in the store. */
    @GET
    @Path("/volumes/{volume}/versions")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    List<VersionView> versions(@PathParam("volume") String volume, @QueryParam("path") String path);

    /** Brings a deleted file back from its last stored version (a task for the volume's host). */
    @POST
    @Path("/volumes/{volume}/undelete")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    CommandView undelete(@PathParam("volume") String volume, UndeleteRequest request);

    /** Queues {@code request.action} for every regular file under the given paths, as tasks for the volume's host. */
    @POST
    @Path("/volumes/{volume}/commands")
    CommandView command(@PathParam("volume") String volume, CommandRequest request);

    /** How far a command has come. */
    @GET
    @Path("/commands/{id}")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    CommandView commandProgress(@PathParam("id") long id);
}

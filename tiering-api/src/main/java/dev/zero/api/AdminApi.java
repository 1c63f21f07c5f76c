package dev.zero.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
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
    VolumePolicy policy(@PathParam("volume") String volume);

    /** Replaces the volume's policy; a policy that does not validate is refused with 400 and changes nothing. */
    @PUT
    @Path("/volumes/{volume}/policy")
    VolumePolicy setPolicy(@PathParam("volume") String volume, VolumePolicy policy);

    /** The volume at a glance: disk against target, files per state, queued moves, the last planning round, recent failures. */
    @GET
    @Path("/volumes/{volume}/status")
    VolumeStatus status(@PathParam("volume") String volume);

    /** What the planner would do now under {@code policy}, computed from the catalogue; nothing changes. */
    @POST
    @Path("/volumes/{volume}/policy/preview")
    PlanPreview preview(@PathParam("volume") String volume, VolumePolicy policy);

    /** The stored versions of the file at {@code path} (or of files deleted from it) still held in the store. */
    @GET
    @Path("/volumes/{volume}/versions")
    List<VersionView> versions(@PathParam("volume") String volume, @QueryParam("path") String path);

    /** Brings a deleted file back from its last stored version (a task for the volume's host). */
    @POST
    @Path("/volumes/{volume}/undelete")
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

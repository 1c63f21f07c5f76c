package dev.zero.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Agent calls about a host: registration and heartbeat, and the tasks the service hands it. */
@Path("/api/v1/hosts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface HostsApi {
    /** Longest a poll may wait for tasks to appear. */
    int MAX_WAIT_SECONDS = 60;

    /**
     * Exchanges the enrolment token (the only call it is good for) for this host's own credential,
     * once: a host that holds a credential, or whose credential was revoked, is refused with 409
     * (an admin issues a new one with {@link AdminApi#issueCredential}).
     */
    @POST
    @Path("/{host}/enrolment")
    HostCredential enrol(@PathParam("host") String host);

    /** Registers the host on first call and records a heartbeat on every call. */
    @PUT
    @Path("/{host}")
    HostView heartbeat(@PathParam("host") String host, HostReport report);

    /**
     * Claims up to {@code max} pending tasks for the host; each is leased to it for a while.
     * With {@code waitSeconds} > 0 and nothing to do, the answer waits that long for a task to be
     * queued (a long poll), so work starts within moments of being asked for.
     */
    @GET
    @Path("/{host}/tasks")
    List<TaskView> pollTasks(@PathParam("host") String host, @QueryParam("max") @DefaultValue("16") int max,
            @QueryParam("wait") @DefaultValue("0") int waitSeconds);

    /**
     * Reports how far a claimed task has come (bytes moved so far) and extends its lease: a long
     * transfer keeps its task as long as its agent keeps reporting.
     */
    @POST
    @Path("/{host}/tasks/{task}/progress")
    void taskProgress(@PathParam("host") String host, @PathParam("task") long task, TaskProgress progress);

    /** Reports how a claimed task ended. */
    @POST
    @Path("/{host}/tasks/{task}/result")
    void completeTask(@PathParam("host") String host, @PathParam("task") long task, TaskResult result);
}

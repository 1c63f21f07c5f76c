package dev.zero.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Operator calls: what the catalogue holds, and tiering policy. Needs the admin token. */
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

    @GET
    @Path("/volumes/{volume}/policy")
    VolumePolicy policy(@PathParam("volume") String volume);

    /** Replaces the volume's policy; a policy that does not validate is refused with 400 and changes nothing. */
    @PUT
    @Path("/volumes/{volume}/policy")
    VolumePolicy setPolicy(@PathParam("volume") String volume, VolumePolicy policy);
}

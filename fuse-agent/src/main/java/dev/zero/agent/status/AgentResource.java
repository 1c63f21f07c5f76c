package dev.zero.agent.status;

import dev.zero.agent.journal.JournalShipper;
import dev.zero.agent.journal.Reconciler;
import dev.zero.agent.reconcile.TreeWalker;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;

/**
 * The agent's own small API, bound to the loopback interface by the launcher: where the
 * journal stands, and a reconciling walk on demand (its findings arrive with the service's
 * acknowledgement and show in {@code lastReconcile}).
 */
@Path("/agent/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AgentResource {
    private final JournalShipper shipper;
    private final Reconciler reconciler;

    AgentResource(JournalShipper shipper, Reconciler reconciler) {
        this.shipper = shipper;
        this.reconciler = reconciler;
    }

    @GET
    @Path("/status")
    public JournalShipper.Status status() {
        return shipper.status();
    }

    /** Walks the tree now; returns what the walk saw (the catalogue's fixes follow in {@code /status}). */
    @POST
    @Path("/reconcile")
    public TreeWalker.Totals reconcile() throws IOException {
        return reconciler.walk(false);
    }
}

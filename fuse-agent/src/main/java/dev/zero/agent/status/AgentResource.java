package dev.zero.agent.status;

import java.io.IOException;
import java.time.Duration;

import dev.zero.agent.cache.DiskBudget;
import dev.zero.agent.cache.SpaceAccounting;
import dev.zero.agent.cache.TierAttr;
import dev.zero.agent.cache.TierCounters;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.journal.JournalShipper;
import dev.zero.agent.journal.Reconciler;
import dev.zero.agent.posix.ErrnoException;
import dev.zero.agent.posix.Native;
import dev.zero.agent.reconcile.TreeWalker;
import dev.zero.api.TierInfo;
import dev.zero.api.VolumePath;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * The agent's own small API, bound to the loopback interface by the launcher: where the
 * journal stands and what the cache holds, one file as this host holds it, a reconciling walk on
 * demand (its findings arrive with the service's acknowledgement and show in
 * {@code lastReconcile}), and a journal sync before operator commands.
 */
@Path("/agent/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AgentResource {
    private final JournalShipper shipper;
    private final Reconciler reconciler;
    private final TieredFiles tiered;

    AgentResource(JournalShipper shipper, Reconciler reconciler, TieredFiles tiered) {
        this.shipper = shipper;
        this.reconciler = reconciler;
        this.tiered = tiered;
    }

    /** The journal, and the cache: bytes on disk against the target, what restores wait for, what has moved. */
    public record Status(JournalShipper.Status journal, Cache cache) {
    }

    public record Cache(long allocatedBytes, long logicalBytes, long files, Long targetBytes, Long maxBytes, long usedBytes, long neededBytes, int filesInUse,
            long uploads, long uploadedBytes, long evictions, long evictedBytes, long restores, long restoredBytes, long restoreFailures,
            long corruptChunks) {
    }

    /** One file as this host holds it. */
    public record LocalFile(String path, long fileId, TierInfo tier, boolean pinned, long size, long bytesOnDisk, int openHandles,
            String trueCtime, Integer chunksPresent, Integer chunks, String lastRestoreFailure) {
    }

    @GET
    @Path("/status")
    public Status status() {
        SpaceAccounting space = tiered.space();
        DiskBudget budget = tiered.budget();
        TierCounters c = tiered.counters();
        return new Status(shipper.status(), new Cache(space.allocatedBytes(), space.logicalBytes(), space.files(), budget.target(),
                budget.max(), budget.usedBytes(), budget.neededBytes(), tiered.inUse(), c.uploads(), c.uploadedBytes(), c.evictions(), c.evictedBytes(), c.restores(),
                c.restoredBytes(), c.restoreFailures(), c.corrupt()));
    }

    @GET
    @Path("/files")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    public LocalFile file(@QueryParam("path") String path) throws IOException {
        String rel;
        try {
            rel = VolumePath.normalise("path", path);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        }
        TieredFiles.LocalState s;
        try {
            s = tiered.inspect(rel.isEmpty() ? Native.DOT : Native.cstr(rel));
        } catch (ErrnoException e) {
            throw new NotFoundException("no regular file at '" + rel + "' on this host (" + e.getMessage() + ")");
        }
        TierAttr a = s.attr();
        return new LocalFile(rel, a == null ? 0 : a.fileId(), a == null ? null : a.info(), a != null && a.pinned(), s.size(), s.allocated(),
                s.openHandles(), a == null || a.trueCtime() == null ? null : a.trueCtime().toInstant().toString(),
                s.chunks() > 0 ? s.chunksPresent() : null, s.chunks() > 0 ? s.chunks() : null, s.lastFailure());
    }

    /** Walks the tree now; returns what the walk saw (the catalogue's fixes follow in {@code /status}). */
    @POST
    @Path("/reconcile")
    public TreeWalker.Totals reconcile() throws IOException {
        return reconciler.walk(false);
    }

    /** Returns once the service has applied every change made on the mount so far (409 if it could not within 30 s). */
    @POST
    @Path("/sync")
    public JournalShipper.Status sync() throws InterruptedException {
        if (!shipper.sync(Duration.ofSeconds(30))) {
            throw new jakarta.ws.rs.ClientErrorException("the service has not applied the journal within 30 s: " + shipper.status().lastError(), 409);
        }
        return shipper.status();
    }
}

package dev.zero.service.catalogue;

import dev.zero.api.JournalAck;
import dev.zero.api.JournalBatch;
import dev.zero.api.JournalRecord;
import dev.zero.api.ReconcileReport;
import dev.zero.service.rest.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import org.jboss.logging.Logger;

/**
 * Applies agents' journal batches to the catalogue, in order and exactly once: the volume row
 * is locked for the batch, records at or below its applied sequence are skipped, and a batch
 * that would leave a gap is refused. A record that does not fit the catalogue (drift after a
 * lost journal tail) is skipped and counted, never allowed to block the journal.
 */
@ApplicationScoped
public class JournalIngest {
    private static final Logger LOG = Logger.getLogger(JournalIngest.class);

    private final Db db;
    private final TierTransitions tiers;
    private final MeterRegistry meters;

    JournalIngest(Db db, TierTransitions tiers, MeterRegistry meters) {
        this.db = db;
        this.tiers = tiers;
        this.meters = meters;
    }

    public JournalAck ingest(String volume, JournalBatch batch) {
        try {
            return db.inTransaction(c -> apply(c, volume, batch, false));
        } catch (Db.CatalogueException e) {
            // One record did not fit: apply the batch again, each record under a savepoint.
            LOG.warnf("volume %s: batch %d-%d failed as a whole (%s); retrying record by record",
                    volume, batch.firstSeq(), batch.lastSeq(), e.getCause().getMessage());
            return db.inTransaction(c -> apply(c, volume, batch, true));
        }
    }

    private JournalAck apply(Connection c, String volume, JournalBatch batch, boolean isolateRecords) throws SQLException {
        long volumeId;
        long appliedSeq;
        Long generation;
        try (var s = Db.bind(c.prepareStatement("select id, applied_seq, reconcile_gen from volume where name = ? for update"), volume);
                var rs = s.executeQuery()) {
            if (!rs.next()) {
                throw ApiException.notFound("no volume named " + volume + "; register it with PUT /api/v1/volumes/" + volume);
            }
            volumeId = rs.getLong(1);
            appliedSeq = rs.getLong(2);
            long gen = rs.getLong(3);
            generation = rs.wasNull() ? null : gen;
        }
        if (batch.firstSeq() > appliedSeq + 1) {
            throw ApiException.conflict("journal gap: volume " + volume + " has applied up to " + appliedSeq
                    + " but the batch starts at " + batch.firstSeq());
        }
        JournalApplier applier = new JournalApplier(c, tiers, volumeId, generation);
        int applied = 0;
        int drift = 0;
        ReconcileReport report = null;
        for (JournalRecord record : batch.records()) {
            if (record.seq() <= appliedSeq) {
                continue;
            }
            applied++;
            Savepoint savepoint = isolateRecords ? c.setSavepoint() : null;
            try {
                boolean fitted = applier.apply(record);
                if (!fitted) {
                    drift++;
                }
                if (applier.finishedReport() != null) {
                    report = applier.finishedReport();
                }
            } catch (SQLException e) {
                if (savepoint == null) {
                    throw e;
                }
                c.rollback(savepoint);
                drift++;
                LOG.warnf("volume %s: record %d (%s) does not fit the catalogue and was skipped: %s",
                        volume, record.seq(), record.op(), e.getMessage());
            }
            meters.counter("zero.journal.records", "op", record.op().name()).increment();
        }
        applier.finishBatch();
        if (drift > 0) {
            meters.counter("zero.journal.drift").increment(drift);
        }
        long last = Math.max(appliedSeq, batch.lastSeq());
        try (var s = Db.bind(c.prepareStatement("update volume set applied_seq = ? where id = ?"), last, volumeId)) {
            s.executeUpdate();
        }
        return new JournalAck(last, applied, drift, report);
    }
}

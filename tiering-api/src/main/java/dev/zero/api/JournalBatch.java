package dev.zero.api;

import java.util.List;

/** Consecutive journal records of one volume, in sequence order. */
public record JournalBatch(List<JournalRecord> records) {
    /** Bounded so that one batch is one reasonable transaction. */
    public static final int MAX_RECORDS = 10_000;

    public JournalBatch {
        Checks.present("records", records);
        if (records.isEmpty() || records.size() > MAX_RECORDS) {
            throw new IllegalArgumentException("records must hold 1 to " + MAX_RECORDS + " records, got " + records.size());
        }
        for (int i = 1; i < records.size(); i++) {
            long previous = Checks.present("records[" + (i - 1) + "]", records.get(i - 1)).seq();
            long seq = Checks.present("records[" + i + "]", records.get(i)).seq();
            if (seq != previous + 1) {
                throw new IllegalArgumentException("records must have consecutive sequence numbers, got " + seq + " after " + previous);
            }
        }
        records = List.copyOf(records);
    }

    public long firstSeq() {
        return records.get(0).seq();
    }

    public long lastSeq() {
        return records.get(records.size() - 1).seq();
    }
}

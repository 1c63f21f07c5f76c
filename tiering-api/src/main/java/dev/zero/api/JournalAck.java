package dev.zero.api;

/**
 * The answer to a journal batch: the highest sequence number now applied, how many records
 * of the batch were new, how many of those did not fit the catalogue (drift the agent should
 * repair with a reconciling walk), and, when the batch closed a walk, what the walk fixed.
 */
public record JournalAck(long appliedSeq, int applied, int drift, ReconcileReport reconciled) {
}

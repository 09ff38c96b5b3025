// Package facts keeps the long-lived facts of first_seen and change rules
// (correlate.Fact) that the pipeline shares between the Correlators of all
// partitions, in this process and in others, and keeps across restarts.
//
// Its place in the flow:
//
//	shard A: Engine ──OnFact──► pipeline publisher ──Publish──► store ──► Table ──┬─► Inbox of shard A
//	                                                              (durable)        ├─► Inbox of shard B ──Restore──► its Engines
//	other processes ──────────── state topic (Kafka store) ───── tail ─► Table ────┘
//	new Engine ◄──Restore── Table.Snapshot
//
// A Table is the in-memory view: one entry per fact key (Key), bounded per
// rule, with a fan-out to the Inbox of each shard. Memory is a FactStore
// for tests and single-process runs; ingest/kafka/state is the durable one.
// docs/state.md describes the design.
package facts

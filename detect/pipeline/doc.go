// Package pipeline runs the whole detection path: it reads records from an
// ingest.Source, decodes them, runs them through detect Engines on shards,
// delivers the alerts to a sinks.Sink in batches, and acknowledges each
// record once every alert it produced has been accepted.
//
//	Source.Read ─→ shard (partition % N) ─→ decode ─→ Engine.Process
//	     ↑                                   │ bad         │ alerts
//	     │                          dead letter ◄┘          ▼
//	     └──── AckFunc(nil) ◄── all alerts accepted ◄── batch → Sink.Write
//
// The records of one partition are processed in order by one shard, which
// owns one Engine (and so one correlation state) per partition. When a
// partition is reassigned (Record.Generation changes) its Engine starts
// afresh; warm-up records rebuild its state without emitting alerts.
// Backpressure is end to end: bounded queues between the stages, and a
// source that stops fetching when too many records are unsettled. A sink
// that is down stops the pipeline; nothing is dropped.
//
// With Options.Facts, what first_seen and change rules learn (correlate.Fact)
// is published to a FactStore, and a record is acknowledged only once its
// facts are durable too. Each shard drains the facts learnt elsewhere (other
// partitions, other processes) from its facts.Inbox before each record and
// restores them into its engines; a new engine restores the store's snapshot
// before its first record (docs/state.md).
package pipeline

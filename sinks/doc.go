// Package sinks delivers alerts to their destinations with acknowledgements:
// a Sink's Write returns only when the alerts are durably accepted, so the
// pipeline can commit the Kafka offsets they came from.
//
//	engine → batch → Sink.Write ─ nil ─────────→ ack records → commit
//	                           └ *BatchError ─→ retry the failed alerts only
//
// A sink that is down slows the pipeline (Write blocks and retries); it never
// drops alerts.
package sinks

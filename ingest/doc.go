// Package ingest reads raw audit records from where producers put them
// (Kafka topics, NDJSON files) and settles them once everything derived from
// them is safe.
//
//	producer → Kafka topic → Source.Read → Record + AckFunc
//	                                        │
//	     decode, detect, deliver alerts ────┘ then AckFunc(nil) → commit
//
// The offset of a record is committed only when it and every record before
// it on its partition have been acknowledged.
package ingest

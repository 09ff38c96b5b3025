// Package deadletter writes records that mcpsoc cannot process (an audit
// event that does not decode, an alert that a sink rejects for good) to a
// Kafka dead-letter topic, so that nothing is dropped and an operator can
// inspect and replay them.
//
//	Source.Read → decode fails → deadletter.Writer.Write → broker acks → AckFunc(nil)
//
// The value is the raw record, byte for byte (see Config.MaxValueBytes);
// the key is the original key, so a flow stays on one partition. Headers
// say why and where the record came from:
//
//	mcpsoc.reason            the decode error text (at most 1 KiB)
//	mcpsoc.source.topic      mcp.audit
//	mcpsoc.source.partition  3
//	mcpsoc.source.offset     18422
//	mcpsoc.source.timestamp  2026-11-25T12:00:00.123Z
//	mcpsoc.time              2026-11-25T12:00:01.5Z
//
// Writes are synchronous with acks=all. A failed write returns an error and
// the caller retries with backoff; the source record is acknowledged only
// after the write succeeded, so a broker outage holds the partition back
// rather than losing the record.
package deadletter

// Package kafka is the Kafka ingest.Source of mcpsoc, built on
// segmentio/kafka-go's ConsumerGroup and Generation API.
//
// A Source is one member of a consumer group. For each generation it is
// given partitions; it reads each one in order with its own partition
// reader, from the committed offset (or earlier, for a warm-up), and merges
// them into Read:
//
//	ConsumerGroup.Next → Generation ─┬─ partition reader p0 ─┐
//	                                 ├─ partition reader p1 ─┼─→ Read → Record + AckFunc
//	                                 ├─ ...                  ─┘          │
//	                                 └─ committer ←── marks ←── tracker ←┘ ack
//
// Commits. Per assignment a tracker notes every record handed out and every
// acknowledgement. The committable mark of a partition is the highest
// offset below which every record is acknowledged; the committer commits
// mark+1 (Kafka's "next offset to read") every CommitInterval, when the
// generation ends, and on Close. A commit never goes backwards. A nack stops
// the mark at that record for the rest of the assignment: the record and
// those after it are read again by the next owner. Acknowledgements that
// arrive after the assignment ended are ignored.
//
// Backpressure. A partition with MaxInFlight records above its mark stops
// fetching until acknowledgements move the mark; nothing is dropped.
//
// Generations. Record.Generation counts the assignments of a partition to
// this Source; it changes on every rebalance that leaves the partition here
// too, since the partition is read again from the committed offset.
// Correlation state kept for a partition must be rebuilt when it changes.
//
// Warm-up. With Config.Rewind set, a partition assigned with committed
// offset C is read from the first record whose timestamp is at most Rewind
// before that of record C-1. Records before C come with Record.Warmup set
// and an AckFunc that does nothing: the pipeline feeds them to its stateful
// rules to rebuild their windows and raises no alert for them.
//
// StartEmbedded runs an in-process broker (franz-go's kfake) for trying
// mcpsoc without Kafka. It is not for production.
//
// docs/kafka.md describes the configuration and the design in full.
package kafka

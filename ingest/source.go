package ingest

import (
	"context"
	"time"
)

// Record is one raw audit event as it arrived, with its coordinates in the
// source.
type Record struct {
	Topic     string
	Partition int
	Offset    int64
	// Key is organization.id + "|" + mcp.flow.id when the producer follows
	// the recommendation, so that a flow stays on one partition.
	Key   []byte
	Value []byte
	Time  time.Time
	// Origin names where the record came from for messages, when Topic,
	// Partition and Offset do not say it (a file's name and line: "day.jsonl:17").
	Origin string
	// Generation counts the assignments of the partition to this consumer.
	// When it changes, the partition was (re)assigned: correlation state
	// kept for the partition must be dropped and rebuilt from the records
	// that follow.
	Generation int
	// Warmup marks a record that was committed before the current
	// assignment began. It is read again only to rebuild correlation state
	// (the rules' windows reach back before the committed offset) and must
	// produce no alert. Its AckFunc does nothing.
	Warmup bool
}

// AckFunc settles everything derived from one Record. A nil err means the
// record is durably handled (every alert it produced accepted by the sinks, or
// the record dead-lettered) and may be committed. A non-nil err means it must
// be delivered again: the source never commits past it. It must be called
// exactly once; later calls are ignored.
type AckFunc func(ctx context.Context, err error) error

// Source delivers records in order per partition.
type Source interface {
	// Read blocks until a record is available, the context ends or the
	// source is closed. It applies backpressure: when too many records are
	// unsettled, Read waits until some are acknowledged.
	Read(ctx context.Context) (Record, AckFunc, error)
	// Close stops reading, commits what was acknowledged and releases the
	// source. It is safe to call more than once.
	Close(ctx context.Context) error
}

package kafka

import "sort"

// entry states in a tracker.
const (
	entryPending uint8 = iota // handed out (or about to be), not settled
	entryAcked                // settled with a nil error
	entryFailed               // nacked, or dropped before it was handed out
)

type entry struct {
	offset int64
	state  uint8
}

// tracker computes the committable offset of one partition for one
// assignment from the records dispatched and their acknowledgements.
//
// Records are tracked in offset order. The mark is the highest offset below
// which, inclusively, every tracked record is acked; Kafka's committed offset
// is the next one to read, so the tracker commits mark+1. Offsets need not be
// consecutive (compaction and transaction markers leave holes): only the
// records that were actually tracked count.
//
// A failed record (a nack, or a record dropped because its assignment ended
// before it was handed out) stops the mark at its offset for good: nothing at
// or after it is committed by this tracker. The record is read again by
// whoever next owns the partition from the committed offset on.
//
// A tracker is not safe for concurrent use; its owner locks.
type tracker struct {
	// q holds the tracked entries above the mark, oldest first, from q[head].
	q    []entry
	head int

	unsettled int   // entries in q still pending
	mark      int64 // highest contiguous acked offset; -1 when none yet
	last      int64 // highest tracked offset; -1 when none yet
	committed int64 // next offset known committed; -1 when unknown
	anyFailed bool  // some entry failed: the mark stops at the first one
}

// newTracker returns a tracker for an assignment whose committed offset is
// committed (the next offset to read), or -1 when the group has none.
func newTracker(committed int64) *tracker {
	if committed < 0 {
		committed = -1
	}
	return &tracker{mark: committed - 1, last: committed - 1, committed: committed}
}

// track records that the record at offset is being dispatched. Offsets must
// increase; a stale or duplicate offset (one at or below the last tracked
// one) is refused and must not be handed out with a live acknowledgement.
func (t *tracker) track(offset int64) bool {
	if offset <= t.last {
		return false
	}
	if t.head == len(t.q) {
		// Empty: reuse the backing array from the start.
		t.q, t.head = t.q[:0], 0
	}
	if len(t.q) == 0 && t.mark < offset-1 {
		// Everything tracked so far is acked: the hole before offset holds
		// no record we handed out (a transaction marker, a compacted record
		// or the first record of the assignment), so the mark may sit right
		// below offset.
		t.mark = offset - 1
	}
	t.q = append(t.q, entry{offset: offset})
	t.last = offset
	t.unsettled++
	return true
}

// settle acks (failed == false) or fails the record at offset. It reports
// whether the call changed anything: settling an unknown offset or one
// settled already is ignored.
func (t *tracker) settle(offset int64, failed bool) bool {
	live := t.q[t.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i].offset >= offset })
	if i == len(live) || live[i].offset != offset || live[i].state != entryPending {
		return false
	}
	t.unsettled--
	if failed {
		live[i].state = entryFailed
		t.anyFailed = true
	} else {
		live[i].state = entryAcked
	}
	t.advance()
	return true
}

// advance moves the mark over the acked entries at the head of the queue.
func (t *tracker) advance() {
	for t.head < len(t.q) {
		e := t.q[t.head]
		if e.state != entryAcked {
			break
		}
		t.mark = e.offset
		t.head++
	}
	if t.head == len(t.q) {
		t.q, t.head = t.q[:0], 0
	} else if t.head > 1024 && t.head > len(t.q)/2 {
		n := copy(t.q, t.q[t.head:])
		t.q, t.head = t.q[:n], 0
	}
}

// inFlight returns the number of tracked records above the mark: the ones
// not settled and the settled ones waiting behind an unsettled or failed
// record. It bounds both the memory held and what a crash would redeliver.
func (t *tracker) inFlight() int { return len(t.q) - t.head }

// pending returns the number of tracked records not settled yet.
func (t *tracker) pending() int { return t.unsettled }

// failed reports whether a failed record holds the mark back for good.
func (t *tracker) failed() bool { return t.anyFailed }

// commitOffset returns the offset to commit (mark+1, the next one to read)
// and whether it is ahead of what is known committed. It never goes
// backwards.
func (t *tracker) commitOffset() (int64, bool) {
	next := t.mark + 1
	if t.mark < 0 || next <= t.committed {
		return t.committed, false
	}
	return next, true
}

// committedAt records a successful commit of next.
func (t *tracker) committedAt(next int64) {
	if next > t.committed {
		t.committed = next
	}
}

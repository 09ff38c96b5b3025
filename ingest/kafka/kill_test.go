package kafka

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/internal/kafkatest"
)

// childEnv carries the broker address to a re-executed test binary that
// acts as a second group member (see TestMain).
const (
	childEnv      = "MCPSOC_KAFKA_CHILD_BROKER"
	childGroupEnv = "MCPSOC_KAFKA_CHILD_GROUP"
)

// runChildMember is the body of the child process: it consumes the group,
// acknowledges every record and prints "rec PARTITION OFFSET" for each, and
// "owned P,P,..." whenever its partitions change. It runs until killed or
// until its standard input closes (the parent went away).
func runChildMember(addr string) int {
	cfg := testConfig(addr, os.Getenv(childGroupEnv))
	// Commit only when a generation ends: everything the child acks after
	// its last rebalance is lost with it and must be redelivered.
	cfg.CommitInterval = time.Hour
	s, err := New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kafkatest.ExitWithParent(cancel)
	out := kafkatest.NewPrinter(os.Stdout)
	kafkatest.ReportOwned(ctx, out, 20*time.Millisecond, func() []int { return owned(s) })
	for {
		rec, ack, err := s.Read(ctx)
		if err != nil {
			break
		}
		out.Say("rec %d %d", rec.Partition, rec.Offset)
		_ = ack(ctx, nil)
	}
	_ = s.Close(context.Background())
	return 0
}

// childMember is the parent's view of a child process.
type childMember struct {
	*kafkatest.Child
	mu    sync.Mutex
	owned []int
}

// startChild starts a child process that joins group on addr; the records
// it reads are added to all.
func startChild(t *testing.T, addr, group string, all *seen) *childMember {
	t.Helper()
	c := &childMember{}
	c.Child = kafkatest.StartChild(t, []string{childEnv + "=" + addr, childGroupEnv + "=" + group}, func(f []string) {
		if ps, ok := kafkatest.ParseOwned(f); ok {
			c.mu.Lock()
			c.owned = ps
			c.mu.Unlock()
			return
		}
		if len(f) == 3 && f[0] == "rec" {
			p, _ := strconv.Atoi(f[1])
			off, _ := strconv.ParseInt(f[2], 10, 64)
			all.addLive(p, off)
		}
	})
	return c
}

func (c *childMember) ownedPartitions() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.owned)
}

// TestKilledMemberHandsOver runs a second group member in a child process,
// SIGKILLs it (no LeaveGroup, no final commit), and checks that the
// in-process member takes its partitions over after the session timeout,
// loses nothing, and redelivers only records past the committed offsets.
func TestKilledMemberHandsOver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process and waits for a session timeout")
	}
	t.Parallel()
	const parts, per = 4, 50
	e := startBroker(t, parts)
	cfg := testConfig(e.Addr(), "g-kill")
	produce(t, e.Addr(), parts, per, time.Now())

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var all seen
	a := newSource(t, cfg)
	wg.Go(func() {
		if err := consumeAll(ctx, a, &all); err != nil {
			t.Errorf("consuming: %v", err)
		}
	})
	waitFor(t, "a to read the first batch", func() bool { return all.count() == parts*per })

	child := startChild(t, e.Addr(), cfg.GroupID, &all)
	waitFor(t, "the child to own 2 partitions", func() bool {
		return len(owned(a)) == 2 && len(child.ownedPartitions()) == 2
	})
	childParts := child.ownedPartitions()
	produce(t, e.Addr(), parts, per, time.Now())
	waitFor(t, "both members to read the second batch", func() bool { return all.count() == 2*parts*per })
	genBefore := a.Stats().Generations

	child.Kill(t)
	frozen := committed(t, e.Addr(), cfg.GroupID, parts)

	waitFor(t, "a to own all partitions", func() bool { return len(owned(a)) == parts })
	if got := a.Stats().Generations; got <= genBefore {
		t.Fatalf("Generations = %d after the takeover, want > %d", got, genBefore)
	}
	produce(t, e.Addr(), parts, per, time.Now())
	waitFor(t, "a to read the third batch", func() bool { return all.count() == 3*parts*per })
	waitCommitted(t, e.Addr(), cfg.GroupID, []int64{3 * per, 3 * per, 3 * per, 3 * per})

	all.mu.Lock()
	defer all.mu.Unlock()
	var dups []string
	for k, n := range all.live {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%d@%d", k[0], k[1]))
			if k[1] < frozen[k[0]] {
				t.Errorf("record %d@%d redelivered although committed (committed offsets at the kill %v)", k[0], k[1], frozen)
			}
		}
	}
	slices.Sort(dups)
	t.Logf("child owned %v; committed at the kill %v; redelivered: %d records", childParts, frozen, len(dups))
	// The child acked the second batch of its 2 partitions but never
	// committed it: exactly those records come again.
	if len(dups) != 2*per {
		t.Errorf("%d records redelivered, want %d (the child's uncommitted second batch): %v", len(dups), 2*per, dups)
	}
}

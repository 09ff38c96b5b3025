package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/detect/pipeline"
	"github.com/mcpsoc/mcpsoc/ingest/kafka"
	"github.com/mcpsoc/mcpsoc/internal/kafkatest"
	"github.com/mcpsoc/mcpsoc/rules"
)

// Environment of a re-executed test binary that runs a pipeline as a group
// member (see TestMain): a separate process, so that it can be SIGKILLed
// without a LeaveGroup or a final commit.
const (
	childEnv         = "MCPSOC_E2E_CHILD" // the broker's address
	childGroupEnv    = "MCPSOC_E2E_GROUP"
	childLatenessEnv = "MCPSOC_E2E_LATENESS"
	// childSessionTimeout is the child's session timeout: how long after
	// a SIGKILL the coordinator evicts it. Shorter ones made the child miss
	// its session on a loaded machine running -race.
	childSessionTimeout = 3 * time.Second
)

// runChild is the body of the child process. It runs the production
// pipeline (Kafka Source with warm-up, Runner, sink wrapped in
// sinks.Retry) and prints on stdout:
//
//	owned P,P,...          whenever its partitions change
//	alert ID RULE TRIGGER  for every alert its sink accepted
//
// It runs until killed, until its stdin closes (the parent went away) or for
// two minutes at most.
func runChild() int {
	addr := os.Getenv(childEnv)
	lateness, err := time.ParseDuration(os.Getenv(childLatenessEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: lateness:", err)
		return 2
	}
	set, err := rules.Parse("e2e.yaml", []byte(testRules))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: rules:", err)
		return 2
	}
	cfg := sourceConfig(addr, os.Getenv(childGroupEnv))
	cfg.SessionTimeout = childSessionTimeout
	cfg.HeartbeatInterval = 250 * time.Millisecond
	src, err := kafka.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	out := kafkatest.NewPrinter(os.Stdout)
	sink := newTestSink()
	sink.onAccept = func(a accepted) { out.Say("alert %s %s %s", a.id, a.rule, a.trigger) }
	run := pipeline.New(src, set, sink.retried(), pipelineOptions(lateness))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kafkatest.ExitWithParent(cancel)
	kafkatest.ReportOwned(ctx, out, 10*time.Millisecond, func() []int {
		var ps []int
		for _, p := range src.Stats().Partitions {
			ps = append(ps, p.Partition)
		}
		return ps
	})
	err = run.Run(ctx)
	closeCtx, cancelClose := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelClose()
	_ = src.Close(closeCtx)
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "child: run:", err)
		return 1
	}
	return 0
}

// child is the parent's view of a child process.
type child struct {
	*kafkatest.Child

	mu      sync.Mutex
	owned   []int
	history []string // every "owned" line, for failure messages
	got     []accepted
}

// startChild starts a child process that joins group on b.
func startChild(t *testing.T, b *broker, group string, lateness time.Duration) *child {
	t.Helper()
	c := &child{}
	env := []string{childEnv + "=" + b.Addr(), childGroupEnv + "=" + group, childLatenessEnv + "=" + lateness.String()}
	c.Child = kafkatest.StartChild(t, env, func(f []string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if ps, ok := kafkatest.ParseOwned(f); ok {
			c.history = append(c.history, strings.Join(f, " "))
			c.owned = ps
			return
		}
		if len(f) == 4 && f[0] == "alert" {
			c.got = append(c.got, accepted{id: f[1], rule: f[2], trigger: f[3]})
		}
	})
	return c
}

func (c *child) snapshot() []accepted {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]accepted(nil), c.got...)
}

// ownership returns the child's partition changes so far.
func (c *child) ownership() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.history, "; ")
}

func (c *child) ownedPartitions() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.owned...)
}

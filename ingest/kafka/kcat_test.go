package kafka

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEmbeddedWithKcat produces to the embedded broker with kcat, an
// independent librdkafka-based client, and reads the records back through a
// Source. It is skipped where kcat is not installed.
func TestEmbeddedWithKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat not installed")
	}
	t.Parallel()
	e := startBroker(t, 4)
	lines := []string{
		`org-1|flow-1` + "\t" + `{"event":{"id":"a"}}`,
		`org-1|flow-1` + "\t" + `{"event":{"id":"b"}}`,
		`org-2|flow-9` + "\t" + `{"event":{"id":"c"}}`,
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, kcat, "-P", "-b", e.Addr(), "-t", testTopic, "-K", "\t")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	s := newSource(t, testConfig(e.Addr(), "g-kcat"))
	got := make(map[string][]string)
	parts := make(map[string]int)
	for _, r := range readN(t, s, len(lines)) {
		k := string(r.rec.Key)
		got[k] = append(got[k], string(r.rec.Value))
		if p, ok := parts[k]; ok && p != r.rec.Partition {
			t.Errorf("key %s on partitions %d and %d", k, p, r.rec.Partition)
		}
		parts[k] = r.rec.Partition
		if r.rec.Time.IsZero() || time.Since(r.rec.Time) > time.Hour {
			t.Errorf("record time %v, want the produce time", r.rec.Time)
		}
		ack(t, r, nil)
	}
	if want := []string{`{"event":{"id":"a"}}`, `{"event":{"id":"b"}}`}; !slices.Equal(got["org-1|flow-1"], want) {
		t.Errorf("org-1|flow-1 values %q, want %q in order", got["org-1|flow-1"], want)
	}
	if len(got["org-2|flow-9"]) != 1 {
		t.Errorf("org-2|flow-9 values %q, want 1", got["org-2|flow-9"])
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// run runs the command line in-process.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		now: func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) }}
	code = c.run(context.Background(), args)
	return out.String(), errb.String(), code
}

func TestReplayDemoGolden(t *testing.T) {
	out, stderr, code := run(t, "", "replay", "../../testdata/events/demo.jsonl")
	if code != 0 {
		t.Fatalf("replay exited %d: %s", code, stderr)
	}
	golden := filepath.Join("testdata", "demo.alerts.golden.jsonl")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		gotLines, wantLines := strings.Split(out, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gotLines), len(wantLines)) {
			if gotLines[i] != wantLines[i] {
				t.Fatalf("replay output differs from %s at line %d (run with -update after checking):\ngot:  %.300s\nwant: %.300s", golden, i+1, gotLines[i], wantLines[i])
			}
		}
		t.Fatalf("replay output has %d lines, %s has %d", len(gotLines), golden, len(wantLines))
	}
	if !strings.Contains(stderr, "alerts per rule:") {
		t.Errorf("summary missing from stderr:\n%s", stderr)
	}
}

// TestReplayDeterministic replays the same input twice and gets the same
// alert ids, in the same order.
func TestReplayDeterministic(t *testing.T) {
	ids := func() []string {
		out, stderr, code := run(t, "", "replay", "--quiet", "../../testdata/events/demo.jsonl")
		if code != 0 {
			t.Fatalf("replay exited %d: %s", code, stderr)
		}
		var ids []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var a struct {
				Event struct{ ID string } `json:"event"`
				MCP   struct {
					Alert struct{ Count int } `json:"alert"`
				} `json:"mcp"`
			}
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatal(err)
			}
			if a.MCP.Alert.Count > 1 {
				// A suppression summary: the first alert again, updated.
				continue
			}
			ids = append(ids, a.Event.ID)
		}
		return ids
	}
	first, second := ids(), ids()
	if len(first) == 0 {
		t.Fatal("no alerts")
	}
	if strings.Join(first, ",") != strings.Join(second, ",") {
		t.Errorf("replays differ:\n%v\n%v", first, second)
	}
	seen := map[string]bool{}
	for _, id := range first {
		if seen[id] {
			t.Errorf("alert id %s appears twice", id)
		}
		seen[id] = true
	}
}

func TestReplayBadLines(t *testing.T) {
	input := strings.Join([]string{
		`{"@timestamp":"2026-11-20T10:00:00Z","event":{"id":"ok1"},"mcp":{"method":{"name":"tools/call"},"server":{"name":"s"}}}`,
		`{"truncated":`,
		`{"@timestamp":"2026-11-20T10:00:01Z","event":{"id":"x"},"mcp":{"method":{"name":"tools/call"}}}`,
		`["not","an","object"]`,
		`{"@timestamp":"2026-11-20T10:00:02Z","event":{"id":"ok2"},"mcp":{"method":{"name":"tools/call"},"server":{"name":"s"}}}`,
	}, "\n")
	out, stderr, code := run(t, input, "replay", "-")
	if code != 0 {
		t.Fatalf("replay exited %d: %s", code, stderr)
	}
	for _, want := range []string{"5 events (3 bad)", "bad events:", "(first at stdin:2)", "/mcp/server/name"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
	_ = out
}

func TestRulesCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - id: X-1\n    name: x\n    severity: high\n    condition: mcp.methd.name == \"tools/call\"\n"), 0o644)
	_, stderr, code := run(t, "", "rules", "check", bad)
	if code != exitFailure || !strings.Contains(stderr, "bad.yaml:5:") {
		t.Errorf("rules check of a misspelt field: exit %d, stderr:\n%s", code, stderr)
	}
	out, stderr, code := run(t, "", "rules", "check")
	if code != 0 || !strings.Contains(out, "rules OK") {
		t.Errorf("rules check of the built-in pack: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = run(t, "", "rules", "test")
	if code != 0 || !strings.Contains(out, " 0 failed") {
		t.Errorf("rules test of the built-in pack: exit %d\n%s%s", code, out, stderr)
	}
	failing := filepath.Join(dir, "failing.yaml")
	os.WriteFile(failing, []byte(`rules:
  - id: X-2
    name: x
    severity: low
    condition: mcp.method.name == "tools/call"
    tests:
      - name: wrong expectation
        events:
          - {"@timestamp": "2026-11-20T10:00:00Z", "event": {"id": "e1"}, "mcp": {"method": {"name": "tools/call"}, "server": {"name": "s"}}}
        expect: [{rule: X-2, count: 2}]
`), 0o644)
	out, _, code = run(t, "", "rules", "test", failing)
	if code != exitFailure || !strings.Contains(out, "FAIL X-2/wrong expectation") || !strings.Contains(out, "raised 1 alerts, want 2") {
		t.Errorf("rules test of a failing test: exit %d\n%s", code, out)
	}
}

func TestConfigCheck(t *testing.T) {
	_, stderr, code := run(t, "", "config", "check", "../../deploy/mcpsoc.example.yaml")
	// The example names a CA file that does not exist here, and no password.
	if code != exitFailure || !strings.Contains(stderr, "kafka.sasl") {
		t.Errorf("config check of the example without a password: exit %d: %s", code, stderr)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "c.yaml")
	os.WriteFile(good, []byte("kafka: {brokers: [k:9092]}\nsinks: {file: "+filepath.Join(dir, "alerts.jsonl")+"}\n"), 0o644)
	out, stderr, code := run(t, "", "config", "check", good)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("config check: exit %d: %s%s", code, out, stderr)
	}
}

package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/rules"
)

// suppressStep is one step of a TestSuppressor case.
type suppressStep struct {
	admit   string // alert id to admit ("" for an Advance or Flush)
	key     string
	sev     string
	at      time.Duration
	advance bool // Advance(t0+at)
	flush   bool
	want    string // returned alerts: "id count last; ..."
}

func TestSuppressor(t *testing.T) {
	min := time.Minute
	type step = suppressStep
	tests := []struct {
		name    string
		maxKeys int
		steps   []step
	}{
		{
			name: "repeats within the window are folded into the first",
			steps: []step{
				{admit: "a1", key: "k", sev: "medium", at: 0, want: "a1 1 0s"},
				{admit: "a2", key: "k", sev: "medium", at: min},
				{admit: "a3", key: "k", sev: "low", at: 5 * min},
				{advance: true, at: 10 * min},
				{advance: true, at: 10*min + time.Nanosecond, want: "a1 3 5m0s"},
				{advance: true, at: 20 * min},
			},
		},
		{
			name: "a repeat exactly at the window end is folded, just past it opens a new window",
			steps: []step{
				{admit: "a1", key: "k", sev: "medium", at: 0, want: "a1 1 0s"},
				{admit: "a2", key: "k", sev: "medium", at: 10 * min},
				{admit: "a3", key: "k", sev: "medium", at: 10*min + time.Nanosecond, want: "a1 2 10m0s; a3 1 10m0.000000001s"},
			},
		},
		{
			name: "a higher severity passes and becomes the alert folded into",
			steps: []step{
				{admit: "a1", key: "k", sev: "medium", at: 0, want: "a1 1 0s"},
				{admit: "a2", key: "k", sev: "medium", at: min},
				{admit: "a3", key: "k", sev: "high", at: 2 * min, want: "a1 2 1m0s; a3 1 2m0s"},
				{admit: "a4", key: "k", sev: "high", at: 3 * min},
				{admit: "a5", key: "k", sev: "low", at: 4 * min},
				{flush: true, want: "a3 3 4m0s"},
			},
		},
		{
			name: "no repeat, no summary",
			steps: []step{
				{admit: "a1", key: "k", sev: "high", at: 0, want: "a1 1 0s"},
				{advance: true, at: time.Hour},
				{flush: true},
			},
		},
		{
			name: "keys are independent",
			steps: []step{
				{admit: "a1", key: "k1", sev: "low", at: 0, want: "a1 1 0s"},
				{admit: "b1", key: "k2", sev: "low", at: min, want: "b1 1 1m0s"},
				{admit: "b2", key: "k2", sev: "low", at: 2 * min},
				{admit: "a2", key: "k1", sev: "low", at: 3 * min},
				{flush: true, want: "a1 2 3m0s; b1 2 2m0s"},
			},
		},
		{
			name: "an empty key is never suppressed",
			steps: []step{
				{admit: "a1", sev: "low", at: 0, want: "a1 1 0s"},
				{admit: "a2", sev: "low", at: 0, want: "a2 1 0s"},
			},
		},
		{
			name:    "eviction closes the window early with its summary",
			maxKeys: 1,
			steps: []step{
				{admit: "a1", key: "k1", sev: "low", at: 0, want: "a1 1 0s"},
				{admit: "a2", key: "k1", sev: "low", at: min},
				{admit: "b1", key: "k2", sev: "low", at: 2 * min, want: "a1 2 1m0s; b1 1 2m0s"},
				{admit: "a3", key: "k1", sev: "low", at: 3 * min, want: "a3 1 3m0s"},
			},
		},
	}
	// Each case runs as the engine runs it too: Fold first (no alert
	// built), Admit only when Fold did not take the alert. Both ways must
	// give the same alerts and summaries.
	for _, fold := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/fold=%v", tt.name, fold), func(t *testing.T) {
				runSuppressorSteps(t, tt.maxKeys, tt.steps, fold)
			})
		}
	}
}

// runSuppressorSteps runs the steps of a TestSuppressor case; with fold,
// as the engine does: Fold first, Admit when Fold did not take the alert.
func runSuppressorSteps(t *testing.T, maxKeys int, steps []suppressStep, fold bool) {
	t.Helper()
	const window = 10 * time.Minute
	s := NewSuppressor(maxKeys)
	for i, st := range steps {
		var got []*alert.Alert
		switch {
		case st.flush:
			got = s.Flush()
		case st.advance:
			got = s.Advance(t0.Add(st.at))
		default:
			sev, err := rules.ParseSeverity(st.sev)
			if err != nil {
				t.Fatal(err)
			}
			if fold && s.Fold(st.key, window, t0.Add(st.at), sev.Score()) {
				break
			}
			a := &alert.Alert{}
			a.Event.ID = st.admit
			a.MCP.Alert.Severity = st.sev
			a.MCP.Alert.Count = 1
			a.MCP.Alert.LastSeen = t0.Add(st.at)
			got = s.Admit(a, st.key, window, t0.Add(st.at))
		}
		if f := alertLines(got); f != st.want {
			t.Errorf("step %d: got %q, want %q", i, f, st.want)
		}
	}
}

// alertLines renders alerts as "id count last_seen; ...".
func alertLines(as []*alert.Alert) string {
	var s []string
	for _, a := range as {
		s = append(s, fmt.Sprintf("%s %d %s", a.Event.ID, a.MCP.Alert.Count, a.MCP.Alert.LastSeen.Sub(t0)))
	}
	return strings.Join(s, "; ")
}

func TestSuppressorKey(t *testing.T) {
	rs := loadRules(t, `
rules:
  - id: R1
    name: suppressed
    severity: low
    condition: event.action == "x"
    suppress:
      by: [organization.id, user.id]
      for: 10m
  - id: R2
    name: not suppressed
    severity: low
    condition: event.action == "x"
`)
	s := NewSuppressor(0)
	e := ev(0, "e", user("a|b"))
	if got, want := s.Key(rs[0], e), `R1|acme|a\|b`; got != want {
		t.Errorf("Key(R1) = %q, want %q", got, want)
	}
	if got := s.Key(rs[1], e); got != "" {
		t.Errorf("Key(R2) = %q, want \"\"", got)
	}
}

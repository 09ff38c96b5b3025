package facts

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/detect/correlate"
	"github.com/mcpsoc/mcpsoc/rules"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func seen(key, value string, at time.Duration) correlate.Fact {
	return correlate.Fact{Rule: "NEWSRV", Version: "1", Kind: rules.KindFirstSeen, Key: key, Value: value, Time: t0.Add(at)}
}

func learning(at time.Duration) correlate.Fact {
	return correlate.Fact{Rule: "NEWSRV", Version: "1", Kind: rules.KindFirstSeen, Time: t0.Add(at)}
}

func def(value string, at time.Duration) correlate.Fact {
	return correlate.Fact{Rule: "RUG", Version: "1", Kind: rules.KindChange, Key: "acme|fs|read", Value: value, Time: t0.Add(at)}
}

func line(f correlate.Fact) string { return fmt.Sprintf("%s=%s@%s", Key(f), f.Value, f.Time.Sub(t0)) }

func lines(fs []correlate.Fact) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = line(f)
	}
	return out
}

func TestKey(t *testing.T) {
	tests := []struct {
		name string
		f    correlate.Fact
		want string
	}{
		{"first_seen value", seen("acme", "alpha", 0), "NEWSRV|1|acme|alpha"},
		{"learning start", learning(0), "NEWSRV|1||"},
		{"change: one key per group key", def("v1", 0), "RUG|1|acme|fs|read"},
		{"rule ids and versions are escaped", correlate.Fact{Rule: `A|B\`, Version: "2|", Kind: rules.KindChange, Key: "k", Value: "v"}, `A\|B\\|2\||k`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.f); got != tt.want {
				t.Errorf("Key(%+v) = %q, want %q", tt.f, got, tt.want)
			}
		})
	}
}

func TestTableAdd(t *testing.T) {
	tests := []struct {
		name      string
		max       int
		add       [][]correlate.Fact // one Add call each
		taught    []int              // what each Add returned
		delivered []string           // what an inbox got, in order
		snapshot  []string
	}{
		{
			name:      "first_seen values are learnt once",
			add:       [][]correlate.Fact{{seen("acme", "a", 0), seen("acme", "b", time.Minute)}, {seen("acme", "a", time.Hour)}},
			taught:    []int{2, 0},
			delivered: []string{"NEWSRV|1|acme|a=a@0s", "NEWSRV|1|acme|b=b@1m0s"},
			snapshot:  []string{"NEWSRV|1|acme|a=a@0s", "NEWSRV|1|acme|b=b@1m0s"},
		},
		{
			name:      "the earliest learning start wins",
			add:       [][]correlate.Fact{{learning(time.Hour)}, {learning(2 * time.Hour)}, {learning(0)}},
			taught:    []int{1, 0, 1},
			delivered: []string{"NEWSRV|1||=@1h0m0s", "NEWSRV|1||=@0s"},
			snapshot:  []string{"NEWSRV|1||=@0s"},
		},
		{
			name:      "the newest change wins; repeats and older ones teach nothing",
			add:       [][]correlate.Fact{{def("v1", time.Minute)}, {def("v1", 2*time.Minute)}, {def("v0", 0)}, {def("v2", time.Hour)}},
			taught:    []int{1, 0, 0, 1},
			delivered: []string{"RUG|1|acme|fs|read=v1@1m0s", "RUG|1|acme|fs|read=v2@1h0m0s"},
			snapshot:  []string{"RUG|1|acme|fs|read=v2@1h0m0s"},
		},
		{
			name:      "the bound per rule drops the least recently learnt",
			max:       2,
			add:       [][]correlate.Fact{{learning(0), seen("acme", "a", 0), seen("acme", "b", 0), seen("acme", "c", 0), def("v1", 0)}},
			taught:    []int{5},
			delivered: []string{"NEWSRV|1||=@0s", "NEWSRV|1|acme|a=a@0s", "NEWSRV|1|acme|b=b@0s", "NEWSRV|1|acme|c=c@0s", "RUG|1|acme|fs|read=v1@0s"},
			snapshot:  []string{"NEWSRV|1||=@0s", "NEWSRV|1|acme|b=b@0s", "NEWSRV|1|acme|c=c@0s", "RUG|1|acme|fs|read=v1@0s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := NewTable(tt.max)
			in := tab.Subscribe()
			defer in.Close()
			var taught []int
			for _, fs := range tt.add {
				// No Add here repeats a fact within its batch, so Novel
				// foresees exactly what Add then teaches.
				novel := tab.Novel(fs)
				n := tab.Add(fs)
				if len(novel) != n {
					t.Errorf("Novel(%q) = %q, but Add taught %d", lines(fs), lines(novel), n)
				}
				taught = append(taught, n)
			}
			if !slices.Equal(taught, tt.taught) {
				t.Errorf("Add returned %v, want %v", taught, tt.taught)
			}
			got, overflow := in.Drain(nil)
			if overflow {
				t.Error("inbox overflowed")
			}
			if !slices.Equal(lines(got), tt.delivered) {
				t.Errorf("delivered %q, want %q", lines(got), tt.delivered)
			}
			snap := lines(tab.Snapshot())
			slices.Sort(snap)
			want := slices.Sorted(slices.Values(tt.snapshot))
			if !slices.Equal(snap, want) {
				t.Errorf("Snapshot = %q, want %q", snap, want)
			}
		})
	}
}

func TestNovel(t *testing.T) {
	tab := NewTable(0)
	tab.Add([]correlate.Fact{learning(time.Hour), seen("acme", "a", 0), def("v1", time.Hour)})
	in := []correlate.Fact{
		learning(2 * time.Hour), learning(0), // later: known; earlier: novel
		seen("acme", "a", time.Hour), seen("acme", "b", 0), // known; novel
		def("v0", 0), def("v1", 2*time.Hour), def("v2", 2*time.Hour), // older; same value; newer
	}
	want := []string{"NEWSRV|1||=@0s", "NEWSRV|1|acme|b=b@0s", "RUG|1|acme|fs|read=v2@2h0m0s"}
	if got := lines(tab.Novel(in)); !slices.Equal(got, want) {
		t.Errorf("Novel = %q, want %q", got, want)
	}
}

func TestInboxOverflow(t *testing.T) {
	tab := NewTable(0)
	in := tab.Subscribe()
	closed := tab.Subscribe()
	closed.Close()
	closed.Close() // twice is fine
	var fs []correlate.Fact
	for i := range InboxSize + 1 {
		fs = append(fs, seen("acme", fmt.Sprint(i), 0))
	}
	tab.Add(fs)
	got, overflow := in.Drain(nil)
	if !overflow || len(got) != 0 {
		t.Errorf("Drain = %d facts, overflow %v; want 0, true", len(got), overflow)
	}
	if n := len(tab.Snapshot()); n != InboxSize+1 {
		t.Errorf("Snapshot holds %d facts, want %d", n, InboxSize+1)
	}
	tab.Add([]correlate.Fact{seen("acme", "next", 0)})
	if got, overflow := in.Drain(nil); overflow || len(got) != 1 {
		t.Errorf("after the overflow was drained: Drain = %d facts, overflow %v; want 1, false", len(got), overflow)
	}
	if got, _ := closed.Drain(nil); len(got) != 0 {
		t.Errorf("a closed inbox got %d facts", len(got))
	}
}

func TestMemoryPublish(t *testing.T) {
	m := NewMemory(0)
	in := m.Subscribe()
	defer in.Close()
	if err := m.Publish(context.Background(), []correlate.Fact{seen("acme", "a", 0)}); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if got, _ := in.Drain(nil); len(got) != 1 {
		t.Errorf("inbox got %d facts, want 1", len(got))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Publish(ctx, []correlate.Fact{seen("acme", "b", 0)}); err == nil {
		t.Error("Publish with an ended context = nil, want its error")
	}
}

package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// fuzzEvents decodes data into events, three bytes each: a time step (which
// may go backwards, making events late), what the event is, and which flow,
// user and server it concerns.
func fuzzEvents(data []byte) []*event.Event {
	var evs []*event.Event
	at := time.Duration(0)
	pick := func(b byte, xs ...string) string { return xs[int(b)%len(xs)] }
	for i := 0; i+2 < len(data) && len(evs) < 400; i += 3 {
		at += time.Duration(int(data[i])-96) * 5 * time.Second
		e := ev(at, fmt.Sprintf("e%d", len(evs)))
		k, w := data[i+1], data[i+2]
		e.MCP.Flow.ID = pick(w, "f1", "f2", "f3", "f4", "f5", "")
		e.User.ID = pick(w>>3, "u1", "u2", "u3")
		e.MCP.Server.Name = pick(w>>5, "a", "b", "c", "d")
		switch k % 8 {
		case 0:
			e.MCP.Method.Name = "read"
			e.MCP.Result.Text = strings.Repeat("x", int(k))
		case 1:
			e.MCP.Method.Name = "send"
		case 2:
			e.MCP.Method.Name = "end"
		case 3:
			e.Event.Action = "approval.requested"
		case 4:
			e.Event.Action = "approval.decided"
		case 5:
			e.Event.Outcome = "failure"
		case 6:
			e.Event.Action = "mcp.tool.definition"
			e.MCP.Tool.Description = pick(k>>3, "v1", "v2\nmore", "")
		case 7:
			e.Timestamp = time.Time{} // no usable time
		}
		evs = append(evs, e)
	}
	return evs
}

// checkBounds reports state beyond its bounds.
func (c *Correlator) checkBounds(maxKeys int) error {
	if n := c.buf.len(); n > c.opts.MaxBuffered {
		return fmt.Errorf("%d events buffered, bound %d", n, c.opts.MaxBuffered)
	}
	for _, r := range c.rules {
		s := r.stats()
		if s.Keys > maxKeys {
			return fmt.Errorf("rule %s holds %d keys, bound %d", s.RuleID, s.Keys, maxKeys)
		}
		var timers, keys int
		switch x := r.(type) {
		case *seqRule:
			timers, keys = len(x.st.timers), x.st.len()
		case *thrRule:
			timers, keys = len(x.st.timers), x.st.len()
		}
		if timers > 2*keys+65 {
			return fmt.Errorf("rule %s has %d timers for %d keys", s.RuleID, timers, keys)
		}
	}
	return nil
}

func FuzzCorrelate(f *testing.F) {
	f.Add([]byte{100, 0, 1, 100, 1, 1, 100, 3, 2, 200, 5, 2})
	f.Add([]byte{96, 3, 0, 96, 3, 0, 160, 4, 0, 0, 6, 1, 255, 6, 9, 90, 0, 7})
	f.Add([]byte("a late and out of order stream of mcp events, many of them"))
	rs := loadRules(f, pack)
	const maxKeys = 4
	f.Fuzz(func(t *testing.T, data []byte) {
		evs := fuzzEvents(data)
		opts := Options{MaxKeys: maxKeys, MaxBuffered: 8, AllowedLateness: time.Minute, EvidenceText: 16}
		var got []string
		c, err := New(rs, opts)
		if err != nil {
			t.Fatal(err)
		}
		emit := func(m Match) {
			for i := 1; i < len(m.Events); i++ {
				if m.Events[i].Timestamp.Before(m.Events[i-1].Timestamp) {
					t.Fatalf("%s: events out of time order", m.Rule.ID)
				}
			}
			if m.Steps != nil && len(m.Steps) != len(m.Events) {
				t.Fatalf("%s: %d steps for %d events", m.Rule.ID, len(m.Steps), len(m.Events))
			}
			if len(m.Events) == 0 {
				t.Fatalf("%s: match without events", m.Rule.ID)
			}
			got = append(got, format(m))
		}
		for _, e := range evs {
			c.Process(e, emit)
			if err := c.checkBounds(maxKeys); err != nil {
				t.Fatal(err)
			}
		}
		c.Flush(emit)
		// The same input gives the same matches.
		again, _ := run(t, rs, opts, true, fuzzEvents(data)...)
		if strings.Join(again, "\n") != strings.Join(got, "\n") {
			t.Fatalf("replay differs:\n%v\n%v", got, again)
		}
	})
}

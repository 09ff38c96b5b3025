package correlate

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// TestNativePred checks that conditions evaluated without the VM give what
// the VM gives.
func TestNativePred(t *testing.T) {
	rs := loadRules(t, `
lists:
  kinds: [email, http, a]
rules:
  - {id: N1, name: n, severity: low, condition: 'event.action == "a"'}
  - {id: N2, name: n, severity: low, condition: '"a" == event.action'}
  - {id: N3, name: n, severity: low, condition: 'event.action != "a" && user.id == "u"'}
  - {id: N4, name: n, severity: low, condition: 'event.action in ["a", "b"] || mcp.egress.kind in kinds'}
  - {id: N5, name: n, severity: low, condition: 'not (event.action == "b") and !(user.id in ["u", "v"])'}
  - {id: N6, name: n, severity: low, condition: 'mcp?.server.name == "s" || false'}
  - {id: N7, name: n, severity: low, condition: 'true && mcp.egress.kind not in kinds'}
  - {id: V1, name: v, severity: low, condition: 'event.action == "a" && lower(user.id) == "u"'}
`)
	r := rand.New(rand.NewPCG(3, 4))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var x evaluator
	for _, rule := range rs {
		k := newCond(rule.Condition)
		if wantNative := rule.ID[0] == 'N'; (k.native != nil) != wantNative {
			t.Errorf("%s: native = %v, want %v", rule.ID, k.native != nil, wantNative)
		}
		for range 500 {
			e := &event.Event{}
			e.Event.Action = pick("a", "b", "c", "")
			e.User.ID = pick("u", "v", "U", "")
			e.MCP.Egress.Kind = pick("email", "http", "ftp", "")
			e.MCP.Server.Name = pick("s", "t")
			got, err := x.eval(k, e, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := x.run(rule.Condition.Program, e, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := out.(bool); got != want {
				t.Fatalf("%s (%s) on %+v: got %v, want %v", rule.ID, rule.Condition.Source, e.Event, got, want)
			}
		}
	}
}

func TestObjectUse(t *testing.T) {
	tests := []struct {
		cond       string
		cur, steps bool
	}{
		{`mcp.method.name == "send" && steps[0].mcp.result.text != ""`, false, false},
		{`shares_text(steps[0].mcp.result.text, arg_text(gen_ai.tool.call.arguments), 24)`, true, false},
		{`json_path(steps[0].gen_ai.tool.call.arguments, "a") == arg("b")`, true, true},
		{`tojson(steps[0].mcp.tool) != tojson(mcp.tool)`, true, true},
		{`len(steps[0].labels) > 0`, false, true},
		{`steps[0].user.id == user.id`, false, false},
	}
	for _, tt := range tests {
		rs := loadRules(t, `
rules:
  - id: S
    kind: sequence
    name: s
    severity: low
    within: 1m
    steps:
      - condition: mcp.method.name == "a"
      - condition: '`+strings.ReplaceAll(tt.cond, "'", "''")+`'
`)
		cur, steps := objectUse(rs[0].Steps[1].Condition.Program.Node())
		if cur != tt.cur || steps != tt.steps {
			t.Errorf("objectUse(%s) = %v, %v; want %v, %v", tt.cond, cur, steps, tt.cur, tt.steps)
		}
	}
}

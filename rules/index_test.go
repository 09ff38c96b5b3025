package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"
	"github.com/google/go-cmp/cmp"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

var indexLists = map[string][]string{
	"mail_tools": {"send_email", "gmail_send"},
	"mixed":      {"a"},
}

var indexMacros = map[string]string{
	"tool_call":  `mcp.method.name == "tools/call"`,
	"mail_call":  `tool_call && gen_ai.tool.name in mail_tools`,
	"either":     `gen_ai.tool.name == "a" || gen_ai.tool.name == "b"`,
	"not_a_call": `!tool_call`,
}

func TestConditionIndex(t *testing.T) {
	tests := []struct {
		cond string
		want map[string][]string
	}{
		{`gen_ai.tool.name == "bash"`, map[string][]string{"gen_ai.tool.name": {"bash"}}},
		{`"bash" == gen_ai.tool.name`, map[string][]string{"gen_ai.tool.name": {"bash"}}},
		{`gen_ai.tool.name in ["a", "b", "a"]`, map[string][]string{"gen_ai.tool.name": {"a", "b"}}},
		{`in_list(gen_ai.tool.name, ["a", "b"])`, map[string][]string{"gen_ai.tool.name": {"a", "b"}}},
		{`gen_ai.tool.name in mail_tools`, map[string][]string{"gen_ai.tool.name": {"send_email", "gmail_send"}}},
		{`mail_call`, map[string][]string{"gen_ai.tool.name": {"send_email", "gmail_send"}, "mcp.method.name": {"tools/call"}}},
		{`mail_call && icontains(mcp.result.text, "x")`, map[string][]string{"gen_ai.tool.name": {"send_email", "gmail_send"}, "mcp.method.name": {"tools/call"}}},
		{`event.action == "mcp.tool.definition" and mcp.server.name == "files"`, map[string][]string{"event.action": {"mcp.tool.definition"}, "mcp.server.name": {"files"}}},
		{`gen_ai.tool.name in ["a", "b"] && gen_ai.tool.name == "b"`, map[string][]string{"gen_ai.tool.name": {"b"}}},
		{`(gen_ai.tool.name == "a" && mcp.method.name == "tools/call") && true`, map[string][]string{"gen_ai.tool.name": {"a"}, "mcp.method.name": {"tools/call"}}},
		{`mcp["method"].name == "initialize"`, map[string][]string{"mcp.method.name": {"initialize"}}},
		{`mcp?.method.name == "initialize"`, map[string][]string{"mcp.method.name": {"initialize"}}},
		{`gen_ai.tool.name == ""`, map[string][]string{"gen_ai.tool.name": {""}}},

		// No index: nothing certain of every way the condition is true.
		{`gen_ai.tool.name == "a" || gen_ai.tool.name == "b"`, nil},
		{`either`, nil},
		{`either && user.id == "x"`, nil},
		{`not_a_call`, nil},
		{`!(gen_ai.tool.name == "a")`, nil},
		{`gen_ai.tool.name != "a"`, nil},
		{`gen_ai.tool.name not in ["a"]`, nil},
		{`lower(gen_ai.tool.name) == "bash"`, nil},
		{`iequals(gen_ai.tool.name, "bash")`, nil},
		{`gen_ai.tool.name == mcp.server.name`, nil},
		{`gen_ai.tool.name in [mcp.server.name, "a"]`, nil},
		{`gen_ai.tool.name contains "bash"`, nil},
		{`user.id == "alice"`, nil},
		{`gen_ai.tool.name == "a" ? true : false`, nil},
		{`let t = gen_ai.tool.name; t == "a"`, nil},
		{`true`, nil},
	}
	for _, tt := range tests {
		out, err := compileText(tt.cond, true, indexLists, indexMacros)
		if err != nil {
			t.Errorf("%s: %v", tt.cond, err)
			continue
		}
		if diff := cmp.Diff(tt.want, out.index); diff != "" {
			t.Errorf("index of %s (-want +got):\n%s", tt.cond, diff)
		}
	}
}

func TestConditionIndexNeverTrue(t *testing.T) {
	for _, cond := range []string{
		`gen_ai.tool.name == "a" && gen_ai.tool.name == "b"`,
		`gen_ai.tool.name in [] && true`,
		`mail_call && gen_ai.tool.name == "bash"`,
	} {
		_, err := compileText(cond, true, indexLists, indexMacros)
		if err == nil || !strings.Contains(err.Error(), "can never be true") {
			t.Errorf("%s: error %v, want can never be true", cond, err)
		}
	}
}

// TestIndexIsSound evaluates indexed conditions over events with every
// combination of index field values: whenever the index would skip the
// event (a field's value is not among its index values), the condition must
// be false.
func TestIndexIsSound(t *testing.T) {
	conds := []string{
		`gen_ai.tool.name == "a"`,
		`gen_ai.tool.name in ["a", "send_email"] && mcp.method.name == "tools/call"`,
		`mail_call`,
		`mail_call && (mcp.server.name == "x" || user.id == "u")`,
		`"x" == mcp.server.name && event.action in ["a", "b"]`,
		`in_list(event.action, ["a"]) && gen_ai.tool.name != "a"`,
	}
	values := []string{"", "a", "b", "x", "send_email", "gmail_send", "tools/call"}
	var v vm.VM
	for _, cond := range conds {
		out, err := compileText(cond, true, indexLists, indexMacros)
		if err != nil {
			t.Fatal(err)
		}
		c := &Condition{Program: out.program, Index: out.index}
		if !c.Indexed() {
			t.Errorf("%s: not indexed", cond)
		}
		for _, tool := range values {
			for _, action := range values {
				for _, method := range values {
					for _, server := range values {
						ev := &event.Event{}
						ev.GenAI.Tool.Name, ev.Event.Action, ev.MCP.Method.Name, ev.MCP.Server.Name = tool, action, method, server
						ev.User.ID = "u"
						got := map[string]string{"gen_ai.tool.name": tool, "event.action": action, "mcp.method.name": method, "mcp.server.name": server}
						skipped := false
						for f, vals := range c.Index {
							if !slices.Contains(vals, got[f]) {
								skipped = true
							}
						}
						match, err := c.Eval(&v, &Env{Event: ev})
						if err != nil {
							t.Fatal(err)
						}
						if skipped && match {
							t.Fatalf("%s: index %v skips %v, but the condition is true", cond, c.Index, got)
						}
					}
				}
			}
		}
	}
}

func TestRuleIndexed(t *testing.T) {
	set, err := Parse("i.yaml", []byte(`
rules:
  - {id: A, name: a, severity: low, condition: 'gen_ai.tool.name == "x"'}
  - {id: B, name: b, severity: low, condition: 'user.id == "x"'}
  - id: C
    kind: sequence
    name: c
    severity: low
    within: 1m
    steps:
      - condition: 'mcp.method.name == "a"'
      - condition: 'gen_ai.tool.name in ["b"]'
  - id: D
    kind: sequence
    name: d
    severity: low
    within: 1m
    steps:
      - condition: 'mcp.method.name == "a"'
      - condition: 'user.id == "b"'
  - id: E
    kind: sequence
    name: e
    severity: low
    within: 1m
    condition: 'mcp.server.name == "s"'
    steps:
      - condition: 'user.id == "b"'
  - id: F
    kind: sequence
    name: f
    severity: low
    within: 1m
    steps:
      - condition: 'mcp.method.name == "a"'
    until: user.id == "x"
  - {id: G, kind: threshold, name: g, severity: low, within: 1m, count: 2}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range set.Rules {
		got = append(got, fmt.Sprintf("%s=%v", r.ID, r.Indexed()))
	}
	want := []string{"A=true", "B=false", "C=true", "D=false", "E=true", "F=false", "G=false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Indexed (-want +got):\n%s", diff)
	}
}

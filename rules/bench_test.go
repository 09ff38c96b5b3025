package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// benchText is 4 KiB of tool output with no instruction in it.
var benchText = strings.Repeat("The quarterly report lists revenue by region and product line. ", 66)[:4096]

func BenchmarkHelpers(b *testing.B) {
	lists := map[string][]string{
		"paths":     {"/.ssh/", "/.aws/credentials", "/etc/shadow", "id_rsa", ".env", "/.kube/config", "wallet.dat", ".git-credentials"},
		"pastebins": {"pastebin.com", "transfer.sh", "0x0.st", "paste.ee", "hastebin.com"},
	}
	ev := testEvent()
	ev.MCP.Result.Text = benchText
	cases := []struct{ name, expr string }{
		{"icontains/4KiB", `icontains(mcp.result.text, "ignore previous")`},
		{"icontains_any/8/4KiB", `icontains_any(mcp.result.text, paths)`},
		{"regex_gated/4KiB", `regex(mcp.result.text, "(?i)ignore\\s+(all\\s+)?previous\\s+instructions")`},
		{"regex_alternation/4KiB", `regex(mcp.result.text, "(?i)(disregard|forget)\\s+(the|all)")`},
		{"regex_no_literal/4KiB", `regex(mcp.result.text, "[a-z]{3}\\d{4}")`},
		{"glob", `glob(mcp.resource.uri, "file:///home/*/.ssh/**")`},
		{"domain_matches", `domain_matches(url_domain(url.full), pastebins)`},
		{"cidr_match", `cidr_match(source.ip, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])`},
		{"arg", `arg("files[0].path") == "/etc/passwd"`},
		{"arg_text", `arg_text(gen_ai.tool.call.arguments) != ""`},
		{"arg_urls", `len(arg_urls(gen_ai.tool.call.arguments)) > 0`},
	}
	for _, c := range cases {
		out, err := compileText(c.expr, true, lists, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			var v vm.VM
			env := &Env{Event: ev}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Run(out.program, env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCondition evaluates typical conditions with a reused VM, as the
// engine does.
func BenchmarkCondition(b *testing.B) {
	set, err := Parse("bench.yaml", []byte(`
lists:
  shell_tools: [bash, sh, shell, run_command, execute_command, terminal]
  mail_tools: [send_email, gmail_send]
macros:
  tool_call: mcp.method.name == "tools/call"
rules:
  - id: EQ
    name: one equality
    severity: low
    condition: gen_ai.tool.name == "send_email"
  - id: TYPICAL
    name: macro, list, argument and domain checks
    severity: high
    condition: >
      tool_call && gen_ai.tool.name in mail_tools &&
      !domain_matches(email_domain(arg("to")), ["example.com"]) &&
      icontains(arg_text(gen_ai.tool.call.arguments), "report")
  - id: TEXT
    name: gated regex over 4 KiB of output
    severity: high
    condition: >
      tool_call &&
      icontains(mcp.result.text, "previous") &&
      regex(mcp.result.text, "(?i)ignore\\s+(all\\s+)?previous\\s+instructions")
`))
	if err != nil {
		b.Fatal(err)
	}
	ev := testEvent()
	ev.MCP.Result.Text = benchText
	for _, r := range set.Rules {
		b.Run(r.ID, func(b *testing.B) {
			var v vm.VM
			env := &Env{Event: ev}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Condition.Eval(&v, env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	set, err := Parse("r.yaml", []byte(`
id: R
name: r
severity: low
condition: "true"
reason: "{{ user.id }} ran {{ gen_ai.tool.name }} on {{ mcp.server.name }} with {{ arg(\"to\") }}"
`))
	if err != nil {
		b.Fatal(err)
	}
	r := set.Rule("R")
	var v vm.VM
	env := &Env{Event: testEvent()}
	b.ReportAllocs()
	for b.Loop() {
		r.Reason.Render(&v, env)
	}
}

func BenchmarkLoad(b *testing.B) {
	data, err := readTestdata("example.good.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(mapFS{"x.yaml": data, "benign.jsonl": "{}\n"}.fs(), "x.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadBuiltin measures loading the built-in pack, what a hot
// reload of a pack of its size costs before the swap (27 rules, 66 tests
// not run, every regex analysed for its gates).
func BenchmarkLoadBuiltin(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Builtin(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPack evaluates every condition of the built-in pack (match rules
// and sequence steps, through one Cache as the engine shares it) over the
// demo traffic: the cost of condition evaluation alone, without the
// engine's index, correlation state or alerts.
func BenchmarkPack(b *testing.B) {
	evs := loadEvents(b, "../testdata/events/demo.jsonl")
	set, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	// Each condition is skipped, as the engine's index skips it, for events
	// whose first index field has none of the values it allows.
	type cond struct {
		c      *Condition
		get    func(*event.Event) string
		values []string
	}
	var conds []cond
	add := func(c *Condition) {
		if c == nil {
			return
		}
		for _, f := range IndexFields {
			if vs, ok := c.Index[f]; ok && StringField(f) != nil {
				conds = append(conds, cond{c, StringField(f), vs})
				return
			}
		}
		conds = append(conds, cond{c: c})
	}
	for _, r := range set.Rules {
		if r.Enabled {
			add(r.Condition)
			if len(r.Steps) > 0 {
				add(r.Steps[0].Condition) // later steps need steps
			}
		}
	}
	var cache Cache
	var v vm.VM
	env := &Env{}
	env.SetCache(&cache)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ev := evs[i%len(evs)]
		cache.Begin(ev)
		env.Event = ev
		for _, c := range conds {
			if c.get == nil || slices.Contains(c.values, c.get(ev)) {
				c.c.Eval(&v, env)
			}
		}
		cache.End()
	}
}

// BenchmarkArgText runs arg_text and tojson over the arguments and input
// schemas of the demo traffic.
func BenchmarkArgText(b *testing.B) {
	evs := loadEvents(b, "../testdata/events/demo.jsonl")
	var args, schemas []any
	for _, ev := range evs {
		if ev.GenAI.Tool.Call.Arguments != nil {
			args = append(args, ev.GenAI.Tool.Call.Arguments)
		}
		if ev.MCP.Tool.InputSchema != nil {
			schemas = append(schemas, ev.MCP.Tool.InputSchema)
		}
	}
	for _, c := range []struct {
		name string
		vals []any
		fn   func(any) string
	}{
		{"arg_text/arguments", args, argText},
		{"arg_text/input_schema", schemas, argText},
		{"tojson/input_schema", schemas, canonicalJSON},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c.fn(c.vals[i%len(c.vals)])
			}
		})
	}
}

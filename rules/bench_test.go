package rules

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"
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

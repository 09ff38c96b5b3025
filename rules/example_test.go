package rules_test

import (
	"fmt"
	"testing/fstest"

	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

func Example() {
	fsys := fstest.MapFS{"mail.yaml": {Data: []byte(`
lists:
  mail_tools: [send_email, gmail_send]
rules:
  - id: MCP-MAIL-001
    name: Mail sent to a personal address
    severity: medium
    condition: >
      gen_ai.tool.name in mail_tools &&
      domain_matches(email_domain(arg("to")), ["gmail.com", "outlook.com"])
    reason: "{{ user.id }} mailed {{ arg(\"to\") }}"
`)}}
	set, err := rules.Load(fsys, "*.yaml")
	if err != nil {
		fmt.Println(err) // every error, each with file:line:col
		return
	}
	r := set.Rule("MCP-MAIL-001")
	fmt.Println("indexed on:", r.Condition.Index)

	ev := &event.Event{}
	ev.User.ID = "alice"
	ev.GenAI.Tool.Name = "send_email"
	ev.GenAI.Tool.Call.Arguments = map[string]any{"to": "bob@GMAIL.com"}

	var v vm.VM // one per goroutine; programs are shared
	env := &rules.Env{Event: ev}
	if ok, err := r.Condition.Eval(&v, env); err == nil && ok {
		fmt.Println(r.ID, r.Severity, r.Reason.Render(&v, env))
	}
	// Output:
	// indexed on: map[gen_ai.tool.name:[send_email gmail_send]]
	// MCP-MAIL-001 medium alice mailed bob@GMAIL.com
}

func ExampleParse() {
	_, err := rules.Parse("bad.yaml", []byte(`
id: MCP-X-001
name: typo
severity: hihg
condition: mcp.method.nmae == "tools/call"
`))
	fmt.Println(err)
	// Output:
	// bad.yaml:4:11: rule "MCP-X-001": severity: unknown severity "hihg": want low, medium, high or critical
	// bad.yaml:5:23: rule "MCP-X-001": condition: type event.Named has no field nmae
}

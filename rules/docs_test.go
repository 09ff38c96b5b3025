package rules

import (
	"strconv"
	"strings"
	"testing"
)

// TestDocExamples loads the YAML examples of docs/rules.md together: the
// full file, and the rule fragments ("  - id: ...") as rules of their own
// files. The spec others write rules against must compile.
func TestDocExamples(t *testing.T) {
	doc := readDoc(t)
	files := mapFS{"testdata/benign.jsonl": `{"event":{"id":"b1"}}` + "\n"}
	n := 0
	for _, block := range strings.Split(doc, "```yaml\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		switch {
		case strings.HasPrefix(block, "lists:"), strings.HasPrefix(block, "rules:"):
		case strings.HasPrefix(block, "  - id:"):
			block = "rules:\n" + block
		default:
			continue // a fragment of keys
		}
		n++
		files["example"+strconv.Itoa(n)+".yaml"] = block
	}
	if n < 5 {
		t.Fatalf("found %d examples in docs/rules.md", n)
	}
	set, err := Load(files.fs(), "*.yaml")
	if err != nil {
		t.Fatalf("the examples of docs/rules.md do not load:\n%v", err)
	}
	for _, id := range []string{"MCP-EXEC-001", "MCP-FLOW-001", "MCP-AUTH-002", "MCP-SUPPLY-001", "MCP-TOOL-001"} {
		if set.Rule(id) == nil {
			t.Errorf("example rule %s not loaded", id)
		}
	}
}

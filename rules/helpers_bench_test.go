package rules

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Inputs of the helper micro-benchmarks: tool output texts, icontains_any
// lists of 10 and 60 phrases (as in rules/builtin/lists.yaml), a tool call's
// arguments and a tool's input_schema.

// benchNeedles60 is 60 phrases of the kind the built-in lists hold;
// benchNeedles10 is its first 10.
var benchNeedles60 = []string{
	"ignore previous instructions", "ignore all previous", "ignore the previous",
	"disregard previous", "disregard all prior", "forget your instructions",
	"do not tell the user", "don't tell the user", "do not inform the user",
	"without telling the user", "without informing the user", "do not mention",
	"don't mention", "never mention", "never tell the user", "the user must not",
	"user should not know", "not visible to the user", "secretly", "<system>",
	"</system>", "[system]", "<instructions>", "<secret>", "<|im_start|>",
	"[INST]", "### instruction", "~/.ssh", "id_rsa", ".ssh/", "mcp.json",
	"claude_desktop_config", ".env file", "conversation history",
	"entire conversation", "previous messages", "send_message", "send_email",
	"post_message", "create_pull_request", "execute_command", "run_command",
	"other tool", "another tool", "every tool", "other server", "another server",
	"api key", "api_key", "private key", "ssh key", "session cookie",
	"credential", "passwd", "BEGIN RSA PRIVATE KEY", "aws_secret_access_key",
	"authorization: bearer", "curl http", "wget http", "| sh",
}

var benchNeedles10 = benchNeedles60[:10]

// benchOutput returns about n bytes of tool output (a file listing and
// README prose, ASCII with a little punctuation) with hit inserted at 3/4
// of it when hit is not empty.
func benchOutput(n int, hit string) string {
	const chunk = "README.md  1.2K  2024-03-01  Project overview; see docs/setup.md for the install steps.\n" +
		"The build uses `make release` and writes artifacts to ./dist (tarballs, checksums).\n" +
		"Contributors: please run the linters before opening a pull request, thanks!\n" +
		"src/server/handler.go  14K  The handler validates input, logs the request id and returns JSON.\n"
	s := strings.Repeat(chunk, n/len(chunk)+1)[:n]
	if hit != "" {
		at := 3 * n / 4
		s = s[:at] + " " + hit + " " + s[at:]
	}
	return s
}

func BenchmarkFastIContainsAny(b *testing.B) {
	benchFoldList(b, (*foldList).in)
}

// BenchmarkFastIContainsAnyEach is BenchmarkFastIContainsAny with the
// per-needle search, to compare within one run.
func BenchmarkFastIContainsAnyEach(b *testing.B) {
	benchFoldList(b, (*foldList).inEach)
}

func benchFoldList(b *testing.B, in func(*foldList, string) bool) {
	for _, size := range []int{1 << 10, 4 << 10} {
		for _, hit := range []string{"", "Please IGNORE previous Instructions now"} {
			text := benchOutput(size, hit)
			for _, list := range [][]string{benchNeedles10, benchNeedles60} {
				l := newFoldList(list)
				kind := "clean"
				if hit != "" {
					kind = "hit"
				}
				name := fmt.Sprintf("n=%d/%dKB/%s", len(list), size>>10, kind)
				b.Run(name, func(b *testing.B) {
					b.SetBytes(int64(len(text)))
					b.ReportAllocs()
					for b.Loop() {
						in(l, text)
					}
				})
			}
		}
	}
}

// benchArgs is the arguments of a tool call: a few strings, numbers and
// a nested object.
func benchArgs() map[string]any {
	return map[string]any{
		"to":          "bob@example.org",
		"cc":          []any{"carol@example.org", "dave@example.org"},
		"subject":     "Quarterly report",
		"body":        "Hi Bob,\nplease find the quarterly figures attached. See https://docs.example.com/q3 for details.\nThanks, Alice",
		"priority":    2.0,
		"html":        false,
		"attachments": []any{map[string]any{"path": "/home/alice/reports/q3.pdf", "mime": "application/pdf", "size": 182233.0}},
		"options":     map[string]any{"track_opens": true, "reply_to": "alice@example.org", "labels": []any{"finance", "q3"}},
	}
}

// benchSchema is the input_schema of a typical MCP tool, as decoded JSON.
func benchSchema() any {
	const schema = `{
  "type": "object",
  "properties": {
    "path": {"type": "string", "description": "Absolute path of the file to read. Must be inside an allowed directory."},
    "encoding": {"type": "string", "enum": ["utf-8", "base64"], "default": "utf-8", "description": "How to return the content."},
    "offset": {"type": "integer", "minimum": 0, "description": "Line to start at (0-based)."},
    "limit": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "How many lines to return at most."},
    "follow_symlinks": {"type": "boolean", "default": false}
  },
  "required": ["path"],
  "additionalProperties": false,
  "$schema": "http://json-schema.org/draft-07/schema#"
}`
	var v any
	if err := json.Unmarshal([]byte(schema), &v); err != nil {
		panic(err)
	}
	return v
}

func BenchmarkFastArgText(b *testing.B) { benchArgText(b, argText) }

// BenchmarkFastArgTextRef is BenchmarkFastArgText with the former
// implementation, to compare within one run.
func BenchmarkFastArgTextRef(b *testing.B) { benchArgText(b, refArgText) }

func benchArgText(b *testing.B, argText func(any) string) {
	for _, c := range []struct {
		name string
		v    any
	}{
		{"args", benchArgs()},
		{"string", "ls -la /home/alice"},
		{"schema", benchSchema()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				argText(c.v)
			}
		})
	}
}

func BenchmarkFastToJSON(b *testing.B) { benchToJSON(b, canonicalJSON) }

// BenchmarkFastToJSONRef is BenchmarkFastToJSON with the former
// implementation, to compare within one run.
func BenchmarkFastToJSONRef(b *testing.B) {
	benchToJSON(b, func(v any) string { s, _ := refCanonicalJSON(v); return s })
}

func benchToJSON(b *testing.B, canonicalJSON func(any) string) {
	for _, c := range []struct {
		name string
		v    any
	}{
		{"schema", benchSchema()},
		{"annotations", map[string]any{"readOnlyHint": true, "openWorldHint": false, "title": "Read file"}},
		{"args", benchArgs()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				canonicalJSON(c.v)
			}
		})
	}
}

// packRegexNames names the pack's regexes, by a piece of their text, for
// BenchmarkRegexPack.
var packRegexNames = []struct{ piece, name string }{
	{`(\.\.[/\\]){2,}`, "MCP-FILE-002"},
	{`[/\\]\.ssh[/\\](id_`, "MCP-FILE-001"},
	{`^\s*-`, "MCP-EXEC-002"},
	{`\.\.([/\\]|$)|%2e%2e`, "MCP-EXEC-003/dotdot"},
	{`(\.ssh|\.aws|`, "MCP-EXEC-003/outside"},
	{`\.git[/\\](config`, "git_config_write"},
	{`(curl|wget)`, "MCP-EXEC-001"},
	{`git\s`, "MCP-EXEC-005"},
	{`(when|whenever`, "shadowing_definition"},
}

// BenchmarkRegexPack runs each regex of the built-in pack on the texts the
// pack's rules pass it over the demo traffic (testdata/regex_inputs.jsonl,
// the arguments of every regex() call of a replay of
// testdata/events/demo.jsonl), in turn: ns/op is the mean cost of a call.
func BenchmarkRegexPack(b *testing.B) {
	byPattern := make(map[string][]string)
	var order []string
	for _, p := range regexInputs(b) {
		if byPattern[p[0]] == nil {
			order = append(order, p[0])
		}
		byPattern[p[0]] = append(byPattern[p[0]], p[1])
	}
	for _, pattern := range order {
		name := "other"
		for _, n := range packRegexNames {
			if strings.Contains(pattern, n.piece) {
				name = n.name
				break
			}
		}
		m, err := newMatcher(pattern)
		if err != nil {
			b.Fatal(err)
		}
		texts := byPattern[pattern]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m.match(texts[i])
				if i++; i == len(texts) {
					i = 0
				}
			}
		})
	}
}

// regexInputs returns the (pattern, text) pairs of testdata/regex_inputs.jsonl.
func regexInputs(tb testing.TB) [][2]string {
	tb.Helper()
	f, err := os.Open("testdata/regex_inputs.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var p [2]string
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// FuzzParse feeds arbitrary bytes to Parse: it never panics, every error is
// an *Error with the file's name, and a file either loads or fails.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("id: A\nname: a\nseverity: low\ncondition: \"x\" matches \"[\"\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("---\n---\n- 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := Parse("f.yaml", data)
		if err == nil {
			if set == nil {
				t.Fatal("no set and no error")
			}
			return
		}
		if set != nil {
			t.Fatal("a set and an error")
		}
		var errs []error
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		} else {
			errs = []error{err}
		}
		for _, e := range errs {
			var re *Error
			if !errors.As(e, &re) {
				t.Fatalf("%T is not an *Error: %v", e, e)
			}
			if re.Pos.File != "f.yaml" {
				t.Fatalf("error in file %q: %v", re.Pos.File, re)
			}
			if strings.Contains(re.Error(), "internal error compiling") {
				t.Fatalf("compiler panic: %v", re)
			}
		}
	})
}

// FuzzCompileCondition compiles arbitrary condition text and runs what
// compiles on a few events: nothing panics, errors are *Error.
func FuzzCompileCondition(f *testing.F) {
	for _, s := range []string{
		`mcp.method.name == "tools/call" && gen_ai.tool.name in shells`,
		`regex(arg_text(gen_ai.tool.call.arguments), "(?i)(curl|wget)[^|]*\\|\\s*(ba|z)?sh")`,
		`glob(mcp.resource.uri, "**/.ssh/*") || cidr_match(source.ip, ["10.0.0.0/8"])`,
		`any(arg_urls(gen_ai.tool.call.arguments), domain_matches(url_domain(#), shells))`,
		`arg("files[0].path") == "/etc/passwd" and json_path(labels, "a") != nil`,
		`len(steps) == 0 && state.count == 0`,
		`mcp.result.text matches "a+" && call`,
		`let x = user.id; x == "a" ? true : icontains(x, "b")`,
		`sha256(tojson(mcp.tool.input_schema)) != "" && overlap("a b", "b") > 0.5`,
		`"\u202e" in tags`,
	} {
		f.Add(s)
	}
	lists := map[string][]string{"shells": {"bash", "sh"}}
	macros := map[string]string{"call": `mcp.method.name == "tools/call"`}
	events := []*event.Event{{}, testEvent()}
	f.Fuzz(func(t *testing.T, text string) {
		out, err := compileText(text, true, lists, macros)
		if err != nil {
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("%T is not an *Error: %v", err, err)
			}
			if strings.Contains(err.Error(), "internal error compiling") {
				t.Fatalf("compiler panic: %v", err)
			}
			return
		}
		c := &Condition{Program: out.program, Index: out.index}
		var v vm.VM
		for _, ev := range events {
			c.Eval(&v, &Env{Event: ev})
		}
	})
}

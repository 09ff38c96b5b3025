package rules

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// mapFS builds an fstest.MapFS from file contents.
type mapFS map[string]string

func (m mapFS) fs() fs.FS {
	out := fstest.MapFS{}
	for name, data := range m {
		out[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return out
}

const ruleA = "id: A\nname: a\nseverity: low\ncondition: \"true\"\n"

func TestLoad(t *testing.T) {
	fsys := mapFS{
		"rules/b.yaml":         "id: B\nname: b\nseverity: low\ncondition: \"true\"\n---\nid: B2\nname: b2\nseverity: low\ncondition: \"true\"\n",
		"rules/a.yml":          ruleA,
		"rules/sub/c.yaml":     "id: C\nname: c\nseverity: low\ncondition: \"true\"\ntests:\n  - file: ../events/c.jsonl\n    expect: []\n",
		"rules/events/c.jsonl": "{\"a\":1}\n",
		"rules/.hidden/d.yaml": "not: [valid",
		"rules/README.md":      "# not a rule file",
		"other/e.yaml":         "id: E\nname: e\nseverity: low\ncondition: \"true\"\n",
	}.fs()
	tests := []struct {
		name     string
		patterns []string
		ids      []string
		err      string
	}{
		{"directory", []string{"rules"}, []string{"A", "B", "B2", "C"}, ""},
		{"glob", []string{"rules/*.yaml"}, []string{"B", "B2"}, ""},
		{"glob order, no duplicates", []string{"other/*.yaml", "rules/b.yaml", "rules/*.yaml"}, []string{"E", "B", "B2"}, ""},
		{"everything", nil, []string{"E", "A", "B", "B2", "C"}, ""},
		{"no match", []string{"nope/*.yaml"}, nil, "nope/*.yaml: no files match"},
		{"bad pattern", []string{"[x"}, nil, "[x: bad pattern"},
		{"hidden file named", []string{"rules/.hidden/d.yaml"}, nil, "rules/.hidden/d.yaml:1: yaml: "},
		{"duplicate across files", []string{"rules/b.yaml", "rules/b.yaml", "rules"}, []string{"B", "B2", "A", "C"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Load(fsys, tt.patterns...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Load(%q) error %v, want %q", tt.patterns, err, tt.err)
				}
				if set != nil {
					t.Errorf("Load returned a set with errors")
				}
				return
			}
			if err != nil {
				t.Fatalf("Load(%q): %v", tt.patterns, err)
			}
			var ids []string
			for _, r := range set.Rules {
				ids = append(ids, r.ID)
			}
			if diff := cmp.Diff(tt.ids, ids); diff != "" {
				t.Errorf("rule order (-want +got):\n%s", diff)
			}
		})
	}
	set, err := Load(fsys, "rules/sub/c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Rule("C").Tests[0].EventsFile; got != "rules/events/c.jsonl" {
		t.Errorf("EventsFile = %q", got)
	}
}

func TestLoadDuplicateIDAcrossFiles(t *testing.T) {
	_, err := Load(mapFS{"a.yaml": ruleA, "b.yaml": "# comment\n" + ruleA}.fs(), "*.yaml")
	want := `b.yaml:2:1: rule "A": duplicate rule id: first defined at a.yaml:1:1`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestLoadAllErrors checks that every error of every file comes back at
// once, sorted by file and position.
func TestLoadAllErrors(t *testing.T) {
	_, err := Load(mapFS{
		"a.yaml": "id: A\nname: a\nseverity: bad\ncondition: nope\n",
		"b.yaml": "id: B\nname: b\nseverity: low\ncondition: \"1 +\"\nrisk_score: 200\n",
	}.fs(), "b.yaml", "a.yaml")
	var lines []string
	for _, e := range joinedErrors(t, err) {
		lines = append(lines, e.Error())
	}
	want := []string{
		`b.yaml:4:15: rule "B": condition: unexpected token EOF`,
		`b.yaml:5:13: rule "B": risk_score: 200 is out of range 0-100`,
		`a.yaml:3:11: rule "A": severity: unknown severity "bad": want low, medium, high or critical`,
		`a.yaml:4:12: rule "A": condition: unknown name nope`,
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pack/a.yaml", ruleA+"tests:\n  - file: data/a.jsonl\n    expect: [{rule: A, count: 1}]\n")
	write("pack/data/a.jsonl", "{\"event\":{\"id\":\"1\"}}\n")
	write("pack/z/b.yml", "id: B\nname: b\nseverity: low\ncondition: \"true\"\n")
	write("single.rules", "id: S\nname: s\nseverity: low\ncondition: \"true\"\n")
	write("empty/readme.txt", "")

	set, err := LoadPaths(filepath.Join(dir, "pack"), filepath.Join(dir, "single.rules"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range set.Rules {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"A", "B", "S"}, ids); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	tt := set.Rule("A").Tests[0]
	if tt.EventsFile != filepath.Join(dir, "pack", "data", "a.jsonl") || len(tt.Events) != 1 {
		t.Errorf("test events from %q: %d", tt.EventsFile, len(tt.Events))
	}

	_, err = LoadPaths(filepath.Join(dir, "missing.yaml"), filepath.Join(dir, "empty"))
	for _, want := range []string{"missing.yaml: stat: no such file or directory", "empty: no *.yaml or *.yml files in the directory"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadPaths error %v, want %q", err, want)
		}
	}
	var re *Error
	if !errors.As(err, &re) {
		t.Errorf("LoadPaths error is not an *Error")
	}
}

func TestBuiltin(t *testing.T) {
	set, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin():\n%v", err)
	}
	for _, r := range set.Rules {
		if !strings.HasPrefix(r.Source, "builtin/") {
			t.Errorf("rule %s from %s", r.ID, r.Source)
		}
	}
	entries, _ := fs.Glob(builtinFS, "builtin/*.y*ml")
	if len(entries) != len(set.Files) {
		t.Errorf("loaded %d files, the pack has %d", len(set.Files), len(entries))
	}
	empty, err := loadBuiltin(fstest.MapFS{"builtin/README.md": {}})
	if err != nil || len(empty.Rules) != 0 {
		t.Errorf("loading an empty pack: %v, %v", empty, err)
	}
}

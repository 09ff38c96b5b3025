package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Set is a loaded and compiled rule set: every rule of the files loaded
// together, with the lists and macros they share.
type Set struct {
	// Rules are the rules in a stable order: files in load order, rules
	// in the order they are written.
	Rules []*Rule
	// Lists are the named lists, by name.
	Lists map[string][]string
	// Macros are the macros' sources, by name.
	Macros map[string]string
	// Files are the rule files loaded, in load order.
	Files []string

	byID map[string]*Rule
}

// Rule returns the rule with the given id, or nil.
func (s *Set) Rule(id string) *Rule { return s.byID[id] }

// loadFile is a rule file to load.
type loadFile struct {
	name string
	data []byte
}

// load parses and compiles files as one set. readTest reads the events file
// of a test (nil: tests may not name files). It returns every error at
// once; a Set only when there are none.
func load(files []loadFile, readErrs *errorList, readTest func(ruleFile, name string) (string, []byte, error)) (*Set, error) {
	errs := readErrs
	if errs == nil {
		errs = &errorList{}
	}
	order := make(map[string]int, len(files))
	p := &parser{errs: errs, readTest: readTest}
	set := &Set{Lists: make(map[string][]string), Macros: make(map[string]string), byID: make(map[string]*Rule)}
	for i, f := range files {
		order[f.name] = i
		set.Files = append(set.Files, f.name)
		p.parseFile(newSrcFile(f.name, f.data))
	}

	c := newCompiler(errs)
	c.addLists(p.lists)
	c.addMacros(p.macros)
	for name, l := range c.lists {
		set.Lists[name] = l.values
	}
	for name, m := range c.macros {
		set.Macros[name] = m.def.src.text
	}

	for _, d := range p.rules {
		r := d.rule
		if r.ID != "" {
			if prev, ok := set.byID[r.ID]; ok {
				errs.addf(r.Pos, r.ID, "duplicate rule id: first defined at %s", prev.Pos)
			} else {
				set.byID[r.ID] = r
			}
		}
		c.compileRule(d)
		set.Rules = append(set.Rules, r)
	}
	// Expectations may name any rule of the set.
	for _, r := range set.Rules {
		for _, t := range r.Tests {
			for _, x := range t.Expect {
				if x.Rule != "" && set.byID[x.Rule] == nil {
					errs.addf(x.Pos, r.ID, "test %q expects rule %q, which is not loaded", t.Name, x.Rule)
				}
			}
		}
	}
	if err := errs.err(order); err != nil {
		return nil, err
	}
	return set, nil
}

// Parse parses and compiles the rule file named name (for positions) held
// in data, on its own. Tests that name an events file are an error: there
// is no file system to read it from (use Load or LoadPaths).
func Parse(name string, data []byte) (*Set, error) {
	return load([]loadFile{{name: name, data: data}}, nil, nil)
}

// isRuleFile reports whether a file found in a directory is a rule file.
func isRuleFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// ruleFilesIn returns the rule files under the directory dir, in lexical
// order, hidden files and directories below dir skipped; walk is
// fs.WalkDir on a file system or filepath.WalkDir.
func ruleFilesIn(dir string, walk func(root string, fn fs.WalkDirFunc) error) ([]string, error) {
	var out []string
	err := walk(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && isRuleFile(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// Load loads the rule files of fsys matching patterns (fs.Glob patterns) as
// one set. A pattern that names a directory loads every *.yaml and *.yml
// file under it (hidden files and directories skipped); no pattern loads
// the whole of fsys that way. A pattern matching nothing is an error. Test
// events files are read from fsys, relative to their rule file.
//
// Loading is all or nothing: it returns every error of every file at once
// (each an *Error, joined with errors.Join), and a Set only when there are
// none, so a reload can keep the previous set on error.
func Load(fsys fs.FS, patterns ...string) (*Set, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	errs := &errorList{}
	var names []string
	for _, pat := range patterns {
		matches, err := fs.Glob(fsys, pat)
		if err != nil {
			errs.addf(Pos{File: pat}, "", "bad pattern: %v", err)
			continue
		}
		if len(matches) == 0 {
			errs.addf(Pos{File: pat}, "", "no files match")
			continue
		}
		for _, m := range matches {
			info, err := fs.Stat(fsys, m)
			if err != nil {
				errs.add(Pos{File: m}, "", err)
				continue
			}
			if !info.IsDir() {
				names = append(names, m)
				continue
			}
			found, err := ruleFilesIn(m, func(root string, fn fs.WalkDirFunc) error { return fs.WalkDir(fsys, root, fn) })
			names = append(names, found...)
			if err != nil {
				errs.add(Pos{File: m}, "", err)
			} else if len(found) == 0 && pat != "." {
				errs.addf(Pos{File: m}, "", "no *.yaml or *.yml files in the directory")
			}
		}
	}
	files := readAll(dedupeNames(names), errs, func(name string) ([]byte, error) { return fs.ReadFile(fsys, name) })
	return load(files, errs, func(ruleFile, name string) (string, []byte, error) {
		p := path.Join(path.Dir(ruleFile), name)
		if path.IsAbs(name) || !fs.ValidPath(p) {
			return "", nil, fmt.Errorf("%q is outside the rule files", name)
		}
		data, err := fs.ReadFile(fsys, p)
		return p, data, err
	})
}

// LoadPaths loads rule files and directories of the operating system's file
// system as one set, as Load does: a directory loads every *.yaml and *.yml
// file under it, in lexical order. Test events files are read relative to
// their rule file.
func LoadPaths(paths ...string) (*Set, error) {
	errs := &errorList{}
	var names []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			errs.add(Pos{File: p}, "", unwrapPathError(err))
			continue
		}
		if !info.IsDir() {
			names = append(names, p)
			continue
		}
		found, err := ruleFilesIn(p, filepath.WalkDir)
		names = append(names, found...)
		if err != nil {
			errs.add(Pos{File: p}, "", err)
		} else if len(found) == 0 {
			errs.addf(Pos{File: p}, "", "no *.yaml or *.yml files in the directory")
		}
	}
	files := readAll(dedupeNames(names), errs, func(name string) ([]byte, error) {
		data, err := os.ReadFile(name)
		return data, unwrapPathError(err)
	})
	return load(files, errs, func(ruleFile, name string) (string, []byte, error) {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(ruleFile), filepath.FromSlash(name))
		}
		data, err := os.ReadFile(p)
		return p, data, unwrapPathError(err)
	})
}

// unwrapPathError drops the path of an *fs.PathError: positions already
// name the file.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

func dedupeNames(names []string) []string {
	out := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return slices.Clip(out)
}

func readAll(names []string, errs *errorList, read func(string) ([]byte, error)) []loadFile {
	var files []loadFile
	for _, n := range names {
		data, err := read(n)
		if err != nil {
			errs.add(Pos{File: n}, "", err)
			continue
		}
		files = append(files, loadFile{name: n, data: data})
	}
	return files
}

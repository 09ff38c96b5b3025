package rules

import (
	"embed"
	"io/fs"
)

// builtinFS holds the built-in rule pack (rules/builtin/*.yaml).
//
//go:embed builtin
var builtinFS embed.FS

// Builtin loads the built-in rule pack embedded in the binary: every *.yaml
// and *.yml file of rules/builtin, positions naming them builtin/NAME.yaml.
// It loads afresh on each call, so callers may change what they get.
func Builtin() (*Set, error) {
	return loadBuiltin(builtinFS)
}

func loadBuiltin(fsys fs.FS) (*Set, error) {
	var names []string
	for _, pat := range []string{"builtin/*.yaml", "builtin/*.yml"} {
		m, err := fs.Glob(fsys, pat)
		if err != nil {
			return nil, err
		}
		names = append(names, m...)
	}
	if len(names) == 0 {
		return load(nil, nil, nil)
	}
	return Load(fsys, names...)
}

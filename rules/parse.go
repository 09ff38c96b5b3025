package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits of what a rule file may hold.
const (
	// maxAliasNodes bounds the nodes reached through YAML aliases in one
	// file, against "billion laughs" documents.
	maxAliasNodes = 100_000
	// maxEventDepth bounds the nesting of an inline test event.
	maxEventDepth = 64
)

// The keys of each kind of mapping in a rule file.
var (
	sectionKeys     = []string{"rules", "lists", "macros"}
	commonRuleKeys  = []string{"id", "name", "description", "kind", "severity", "risk_score", "version", "enabled", "tags", "references", "false_positives", "response", "condition", "reason", "suppress", "tests"}
	correlationKeys = []string{"by", "max_keys"}
	kindKeys        = map[Kind][]string{
		KindMatch:     nil,
		KindSequence:  {"within", "steps", "until"},
		KindThreshold: {"within", "count", "distinct"},
		KindFirstSeen: {"value", "learning"},
		KindChange:    {"value", "diff"},
	}
	stepKeys        = []string{"name", "condition", "by", "not", "count"}
	suppressKeys    = []string{"by", "for"}
	testKeys        = []string{"name", "events", "file", "expect"}
	expectationKeys = []string{"rule", "count", "evidence_event_ids", "severity"}
	allRuleKeys     = ruleKeys()
)

func ruleKeys() []string {
	keys := slices.Concat(commonRuleKeys, correlationKeys)
	for _, k := range []Kind{KindMatch, KindSequence, KindThreshold, KindFirstSeen, KindChange} {
		for _, key := range kindKeys[k] {
			if !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
		}
	}
	return keys
}

// validID is what a rule id may look like: it goes into alert ids and
// document ids.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$`)

// defaultBy are the group keys of correlation rules without by.
var defaultBy = []string{"organization.id", "mcp.flow.id"}

// source is the text of an expression or template in a rule file, with the
// YAML scalar it came from, to map expression errors to file positions.
type source struct {
	text string
	node *yaml.Node
	file *srcFile
	// what names the value in messages: "condition", "steps[1].by[0]".
	what string
}

func (s *source) pos() Pos { return s.file.pos(s.node) }

// ruleDraft is a parsed rule before its expressions are compiled.
type ruleDraft struct {
	rule      *Rule
	file      *srcFile
	condition *source
	until     *source
	reason    *source
	distinct  *source
	diff      *source
	by        []*source
	byNode    *yaml.Node
	values    []*source
	steps     []*stepDraft
	suppress  *suppressDraft
}

type stepDraft struct {
	step      *Step
	condition *source
	by        []*source
	byNode    *yaml.Node
}

type suppressDraft struct {
	suppress *Suppress
	by       []*source
}

// listDef and macroDef are named lists and macros as parsed.
type listDef struct {
	name   string
	values []string
	pos    Pos
}

type macroDef struct {
	name string
	src  *source
	pos  Pos
}

// parser turns the YAML of rule files into drafts. It collects errors and
// keeps going, so one load reports every problem.
type parser struct {
	errs   *errorList
	rules  []*ruleDraft
	lists  []*listDef
	macros []*macroDef
	// readTest reads the events file of a test, named relative to the rule
	// file; nil when there is no file system to read from.
	readTest func(ruleFile, name string) (path string, data []byte, err error)

	f      *srcFile
	budget int // alias nodes left in the current file
}

// parseFile parses every document of one file.
func (p *parser) parseFile(f *srcFile) {
	p.f = f
	p.budget = maxAliasNodes
	dec := yaml.NewDecoder(bytes.NewReader(f.data))
	for {
		var doc yaml.Node
		err := decodeYAML(dec, &doc)
		if err == io.EOF {
			return
		}
		if err != nil {
			e := yamlError(f.name, err)
			e.Pos.Line = min(e.Pos.Line, len(f.lines)) // the end of the file
			p.errs.errs = append(p.errs.errs, e)
			return
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := p.resolve(doc.Content[0])
		if root == nil {
			return
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // an empty document
		}
		if root.Kind != yaml.MappingNode {
			p.errs.addf(f.pos(root), "", "want a mapping: a rule, or rules:, lists: and macros:")
			continue
		}
		if isSectionMap(root) {
			p.parseSections(root)
		} else {
			p.parseRule(root)
		}
	}
}

// decodeYAML decodes the next document, turning a panic of the YAML library
// on hostile input into an error.
func decodeYAML(dec *yaml.Decoder, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal error: %v", r)
		}
	}()
	return dec.Decode(doc)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlParserProblems are the problems yaml.v3's parser (as opposed to its
// scanner) reports. It reports their line from a 0-based mark, and scanner
// errors' from a 1-based one.
var yamlParserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: ...") into an
// *Error at that line; the library does not report the column.
func yamlError(file string, err error) *Error {
	pos := Pos{File: file}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = "yaml: " + msg[len(m[0]):]
	}
	if slices.Contains(yamlParserProblems, strings.TrimPrefix(msg, "yaml: ")) {
		pos.Line++
	}
	return &Error{Pos: pos, Err: errors.New(msg)}
}

func isSectionMap(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if slices.Contains(sectionKeys, n.Content[i].Value) {
			return true
		}
	}
	return false
}

// resolve follows an alias, charging the nodes it reaches to the file's
// budget. It returns nil (after reporting) when the budget is spent.
func (p *parser) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil
		}
		p.budget -= countNodes(n.Alias, p.budget)
		if p.budget < 0 {
			p.budget = 0
			p.errs.addf(p.f.pos(n), "", "too many nodes reached through aliases (more than %d)", maxAliasNodes)
			return nil
		}
		n = n.Alias
	}
	return n
}

// countNodes counts the nodes of n, not following aliases, stopping past max.
func countNodes(n *yaml.Node, max int) int {
	c := 1
	for _, ch := range n.Content {
		if c > max {
			break
		}
		c += countNodes(ch, max-c)
	}
	return c
}

// keyValue is one key of a mapping and its value.
type keyValue struct {
	key   *yaml.Node
	value *yaml.Node
}

// fields checks the keys of mapping n against known and returns its fields
// by key. Unknown, duplicate and non-string keys are reported; what names
// the mapping in messages.
func (p *parser) fields(n *yaml.Node, rule, what string, known []string) map[string]keyValue {
	out := make(map[string]keyValue, len(n.Content)/2)
	where := what + ": "
	switch what {
	case "rule":
		where = ""
	case "file":
		where = "top level: "
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errs.addf(p.f.pos(k), rule, "%skeys must be strings", where)
			continue
		}
		if k.Value == "<<" {
			p.errs.addf(p.f.pos(k), rule, "%smerge keys (<<) are not supported", where)
			continue
		}
		if prev, ok := out[k.Value]; ok {
			p.errs.addf(p.f.pos(k), rule, "%skey %q already set at line %d", where, k.Value, prev.key.Line)
			continue
		}
		if !slices.Contains(known, k.Value) {
			p.errs.addf(p.f.pos(k), rule, "%sunknown key %q%s", where, k.Value, suggest(k.Value, known))
			continue
		}
		out[k.Value] = keyValue{key: k, value: v}
	}
	return out
}

// suggest returns ` (did you mean "x"?)` for the known key closest to key,
// if one is close.
func suggest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// mapping resolves n and checks that it is a mapping.
func (p *parser) mapping(n *yaml.Node, rule, what string) *yaml.Node {
	n = p.resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errs.addf(p.f.pos(n), rule, "%s: want a mapping, got %s", what, describe(n))
		return nil
	}
	return n
}

// sequence resolves n and returns its items, checking that it is a
// sequence.
func (p *parser) sequence(n *yaml.Node, rule, what string) ([]*yaml.Node, bool) {
	n = p.resolve(n)
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		p.errs.addf(p.f.pos(n), rule, "%s: want a list, got %s", what, describe(n))
		return nil, false
	}
	return n.Content, true
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", truncate(n.Value, 40))
	}
	return "an alias"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// scalar resolves n and checks that it is a scalar with a value.
func (p *parser) scalar(n *yaml.Node, rule, what string) *yaml.Node {
	n = p.resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errs.addf(p.f.pos(n), rule, "%s: want a value, got %s", what, describe(n))
		return nil
	}
	return n
}

// str reads a string. Numbers and booleans are taken as written.
func (p *parser) str(n *yaml.Node, rule, what string) (string, bool) {
	n = p.scalar(n, rule, what)
	if n == nil {
		return "", false
	}
	return n.Value, true
}

// strList reads a list of strings; a single string is a list of one.
func (p *parser) strList(n *yaml.Node, rule, what string) ([]string, bool) {
	r := p.resolve(n)
	if r == nil {
		return nil, false
	}
	if r.Kind == yaml.ScalarNode && r.Tag != "!!null" {
		return []string{r.Value}, true
	}
	items, ok := p.sequence(r, rule, what)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, ok1 := p.str(it, rule, fmt.Sprintf("%s[%d]", what, i))
		if !ok1 {
			ok = false
			continue
		}
		out = append(out, s)
	}
	return out, ok
}

// integer reads an integer.
func (p *parser) integer(n *yaml.Node, rule, what string) (int, bool) {
	n = p.scalar(n, rule, what)
	if n == nil {
		return 0, false
	}
	var v int
	if n.Tag != "!!int" || n.Decode(&v) != nil {
		p.errs.addf(p.f.pos(n), rule, "%s: want an integer, got %s", what, describe(n))
		return 0, false
	}
	return v, true
}

// boolean reads true or false.
func (p *parser) boolean(n *yaml.Node, rule, what string) (bool, bool) {
	n = p.scalar(n, rule, what)
	if n == nil {
		return false, false
	}
	var v bool
	if n.Tag != "!!bool" || n.Decode(&v) != nil {
		p.errs.addf(p.f.pos(n), rule, "%s: want true or false, got %s", what, describe(n))
		return false, false
	}
	return v, true
}

// duration reads a positive duration such as 10m, 24h, 1d or 1h30m.
func (p *parser) duration(n *yaml.Node, rule, what string) (time.Duration, bool) {
	n = p.scalar(n, rule, what)
	if n == nil {
		return 0, false
	}
	d, err := ParseDuration(n.Value)
	if err != nil {
		p.errs.addf(p.f.pos(n), rule, "%s: %w", what, err)
		return 0, false
	}
	if d <= 0 {
		p.errs.addf(p.f.pos(n), rule, "%s: must be more than 0", what)
		return 0, false
	}
	return d, true
}

// expr reads the source of an expression.
func (p *parser) expr(n *yaml.Node, rule, what string) *source {
	n = p.scalar(n, rule, what)
	if n == nil {
		return nil
	}
	if strings.TrimSpace(n.Value) == "" {
		p.errs.addf(p.f.pos(n), rule, "%s: empty expression", what)
		return nil
	}
	return &source{text: n.Value, node: n, file: p.f, what: what}
}

// exprList reads a list of expressions; a single expression is a list of
// one.
func (p *parser) exprList(n *yaml.Node, rule, what string) ([]*source, bool) {
	r := p.resolve(n)
	if r == nil {
		return nil, false
	}
	if r.Kind == yaml.ScalarNode && r.Tag != "!!null" {
		s := p.expr(r, rule, what)
		return []*source{s}, s != nil
	}
	items, ok := p.sequence(r, rule, what)
	if !ok {
		return nil, false
	}
	if len(items) == 0 {
		p.errs.addf(p.f.pos(r), rule, "%s: empty list", what)
		return nil, false
	}
	out := make([]*source, 0, len(items))
	for i, it := range items {
		s := p.expr(it, rule, fmt.Sprintf("%s[%d]", what, i))
		if s == nil {
			ok = false
			continue
		}
		out = append(out, s)
	}
	return out, ok
}

// parseSections parses a mapping of rules:, lists: and macros:.
func (p *parser) parseSections(n *yaml.Node) {
	fs := p.fields(n, "", "file", sectionKeys)
	for key, fl := range fs {
		if v := p.resolve(fl.value); v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			delete(fs, key) // an empty section
		}
	}
	if fl, ok := fs["lists"]; ok {
		if m := p.mapping(fl.value, "", "lists"); m != nil {
			for i := 0; i+1 < len(m.Content); i += 2 {
				k, v := m.Content[i], m.Content[i+1]
				if k.Kind != yaml.ScalarNode {
					p.errs.addf(p.f.pos(k), "", "lists: names must be strings")
					continue
				}
				what := fmt.Sprintf("list %q", k.Value)
				r := p.resolve(v)
				if r == nil {
					continue
				}
				if r.Kind == yaml.ScalarNode && r.Tag != "!!null" {
					p.errs.addf(p.f.pos(r), "", "%s: want a list, got %s", what, describe(r))
					continue
				}
				vals, ok := p.strList(r, "", what)
				if !ok {
					continue
				}
				p.lists = append(p.lists, &listDef{name: k.Value, values: vals, pos: p.f.pos(k)})
			}
		}
	}
	if fm, ok := fs["macros"]; ok {
		if m := p.mapping(fm.value, "", "macros"); m != nil {
			for i := 0; i+1 < len(m.Content); i += 2 {
				k, v := m.Content[i], m.Content[i+1]
				if k.Kind != yaml.ScalarNode {
					p.errs.addf(p.f.pos(k), "", "macros: names must be strings")
					continue
				}
				src := p.expr(v, "", fmt.Sprintf("macro %q", k.Value))
				if src == nil {
					continue
				}
				p.macros = append(p.macros, &macroDef{name: k.Value, src: src, pos: p.f.pos(k)})
			}
		}
	}
	if fr, ok := fs["rules"]; ok {
		items, ok := p.sequence(fr.value, "", "rules")
		if !ok {
			return
		}
		for _, it := range items {
			if m := p.mapping(it, "", "rules"); m != nil {
				p.parseRule(m)
			}
		}
	}
}

// parseRule parses one rule mapping into a draft.
func (p *parser) parseRule(n *yaml.Node) {
	f := p.f
	r := &Rule{Pos: f.pos(n), Source: f.name, Version: "1", Enabled: true, Kind: KindMatch}
	d := &ruleDraft{rule: r, file: f}

	// The id first, so that every other error can name the rule.
	var id string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == "id" {
			if s, ok := p.str(n.Content[i+1], "", "id"); ok {
				if !validID.MatchString(s) {
					p.errs.addf(f.pos(n.Content[i+1]), "", "id %q: want letters, digits and . _ : - (at most 128, starting with a letter or digit)", truncate(s, 64))
				} else {
					id = s
				}
			}
			break
		}
	}
	r.ID = id
	fs := p.fields(n, id, "rule", allRuleKeys)
	if _, ok := fs["id"]; !ok {
		p.errs.addf(r.Pos, "", "rule without an id")
	}

	if fl, ok := fs["kind"]; ok {
		if s, ok := p.str(fl.value, id, "kind"); ok {
			k := Kind(s)
			if _, known := kindKeys[k]; !known {
				p.errs.addf(f.pos(fl.value), id, "kind: unknown kind %q: want match, sequence, threshold, first_seen or change", truncate(s, 40))
				r.Kind = ""
			} else {
				r.Kind = k
			}
		} else {
			r.Kind = ""
		}
	}
	// Keys that do not belong to the rule's kind.
	if r.Kind != "" {
		allowed := slices.Concat(commonRuleKeys, kindKeys[r.Kind])
		if r.Kind != KindMatch {
			allowed = append(allowed, correlationKeys...)
		}
		for _, key := range allRuleKeys {
			if fl, ok := fs[key]; ok && !slices.Contains(allowed, key) {
				p.errs.addf(f.pos(fl.key), id, "%s is not allowed in %s rules", key, r.Kind)
				delete(fs, key)
			}
		}
	}

	if fl, ok := fs["name"]; ok {
		r.Name, _ = p.str(fl.value, id, "name")
	} else {
		p.errs.addf(r.Pos, id, "missing name")
	}
	if fl, ok := fs["description"]; ok {
		r.Description, _ = p.str(fl.value, id, "description")
	}
	if fl, ok := fs["severity"]; ok {
		if s, ok := p.str(fl.value, id, "severity"); ok {
			sev, err := ParseSeverity(s)
			if err != nil {
				p.errs.addf(f.pos(fl.value), id, "severity: %w", err)
			}
			r.Severity = sev
		}
	} else {
		p.errs.addf(r.Pos, id, "missing severity")
	}
	r.RiskScore = r.Severity.Score()
	if fl, ok := fs["risk_score"]; ok {
		if v, ok := p.integer(fl.value, id, "risk_score"); ok {
			if v < 0 || v > 100 {
				p.errs.addf(f.pos(fl.value), id, "risk_score: %d is out of range 0-100", v)
			}
			r.RiskScore = v
		}
	}
	if fl, ok := fs["version"]; ok {
		if s, ok := p.str(fl.value, id, "version"); ok {
			if strings.TrimSpace(s) == "" {
				p.errs.addf(f.pos(fl.value), id, "version: empty")
			}
			r.Version = s
		}
	}
	if fl, ok := fs["enabled"]; ok {
		if b, ok := p.boolean(fl.value, id, "enabled"); ok {
			r.Enabled = b
		}
	}
	if fl, ok := fs["tags"]; ok {
		r.Tags, _ = p.strList(fl.value, id, "tags")
	}
	if fl, ok := fs["references"]; ok {
		r.References, _ = p.strList(fl.value, id, "references")
	}
	if fl, ok := fs["false_positives"]; ok {
		r.FalsePositives, _ = p.strList(fl.value, id, "false_positives")
	}
	if fl, ok := fs["response"]; ok {
		r.Response, _ = p.str(fl.value, id, "response")
	}
	if fl, ok := fs["condition"]; ok {
		d.condition = p.expr(fl.value, id, "condition")
	} else if r.Kind == KindMatch {
		p.errs.addf(r.Pos, id, "missing condition")
	}
	if fl, ok := fs["reason"]; ok {
		if s := p.scalar(fl.value, id, "reason"); s != nil {
			d.reason = &source{text: s.Value, node: s, file: f, what: "reason"}
		}
	}
	if fl, ok := fs["suppress"]; ok {
		d.suppress = p.parseSuppress(fl.value, id)
	}

	correlation := r.Kind != KindMatch && r.Kind != ""
	if fl, ok := fs["by"]; ok {
		d.by, _ = p.exprList(fl.value, id, "by")
		d.byNode = fl.key
	}
	if fl, ok := fs["max_keys"]; ok {
		if v, ok := p.integer(fl.value, id, "max_keys"); ok {
			if v < 0 {
				p.errs.addf(f.pos(fl.value), id, "max_keys: must be 0 (the engine's default) or more")
			}
			r.MaxKeys = v
		}
	}
	if fl, ok := fs["within"]; ok {
		r.Within, _ = p.duration(fl.value, id, "within")
	} else if r.Kind == KindSequence || r.Kind == KindThreshold {
		p.errs.addf(r.Pos, id, "missing within (required in %s rules)", r.Kind)
	}
	if fl, ok := fs["steps"]; ok {
		d.steps = p.parseSteps(fl.value, id)
	} else if r.Kind == KindSequence {
		p.errs.addf(r.Pos, id, "missing steps")
	}
	if fl, ok := fs["until"]; ok {
		d.until = p.expr(fl.value, id, "until")
	}
	if fl, ok := fs["count"]; ok {
		if v, ok := p.integer(fl.value, id, "count"); ok {
			if v < 1 {
				p.errs.addf(f.pos(fl.value), id, "count: must be 1 or more")
			}
			r.Count = v
		}
	} else if r.Kind == KindThreshold {
		p.errs.addf(r.Pos, id, "missing count")
	}
	if fl, ok := fs["distinct"]; ok {
		d.distinct = p.expr(fl.value, id, "distinct")
	}
	if fl, ok := fs["value"]; ok {
		d.values, _ = p.exprList(fl.value, id, "value")
	} else if r.Kind == KindFirstSeen || r.Kind == KindChange {
		p.errs.addf(r.Pos, id, "missing value")
	}
	if fl, ok := fs["learning"]; ok {
		r.Learning, _ = p.duration(fl.value, id, "learning")
	}
	if fl, ok := fs["diff"]; ok {
		d.diff = p.expr(fl.value, id, "diff")
	}
	if correlation && d.by == nil && d.byNode == nil {
		for _, b := range defaultBy {
			d.by = append(d.by, &source{text: b, node: n, file: f, what: "by"})
		}
	}
	if len(d.steps) > 0 && d.by != nil {
		for i, s := range d.steps {
			if s.by != nil && len(s.by) != len(d.by) {
				p.errs.addf(f.pos(s.byNode), id, "steps[%d].by: %d keys, but the rule's by has %d", i, len(s.by), len(d.by))
			}
		}
	}
	if fl, ok := fs["tests"]; ok {
		r.Tests = p.parseTests(fl.value, id)
	}
	p.rules = append(p.rules, d)
}

func (p *parser) parseSuppress(n *yaml.Node, id string) *suppressDraft {
	m := p.mapping(n, id, "suppress")
	if m == nil {
		return nil
	}
	s := &suppressDraft{suppress: &Suppress{Pos: p.f.pos(m)}}
	fs := p.fields(m, id, "suppress", suppressKeys)
	if fl, ok := fs["by"]; ok {
		s.by, _ = p.exprList(fl.value, id, "suppress.by")
	} else {
		p.errs.addf(s.suppress.Pos, id, "suppress: missing by")
	}
	if fl, ok := fs["for"]; ok {
		s.suppress.For, _ = p.duration(fl.value, id, "suppress.for")
	} else {
		p.errs.addf(s.suppress.Pos, id, "suppress: missing for")
	}
	return s
}

func (p *parser) parseSteps(n *yaml.Node, id string) []*stepDraft {
	items, ok := p.sequence(n, id, "steps")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		p.errs.addf(p.f.pos(n), id, "steps: want at least one step")
		return nil
	}
	var out []*stepDraft
	positive := false
	for i, it := range items {
		what := fmt.Sprintf("steps[%d]", i)
		m := p.mapping(it, id, what)
		if m == nil {
			continue
		}
		st := &stepDraft{step: &Step{Name: fmt.Sprintf("step %d", i+1), Count: 1, Pos: p.f.pos(m)}}
		fs := p.fields(m, id, what, stepKeys)
		if fl, ok := fs["name"]; ok {
			if s, ok := p.str(fl.value, id, what+".name"); ok {
				st.step.Name = s
			}
		}
		if fl, ok := fs["condition"]; ok {
			st.condition = p.expr(fl.value, id, what+".condition")
		} else {
			p.errs.addf(st.step.Pos, id, "%s: missing condition", what)
		}
		if fl, ok := fs["by"]; ok {
			st.by, _ = p.exprList(fl.value, id, what+".by")
			st.byNode = fl.key
		}
		if fl, ok := fs["not"]; ok {
			st.step.Not, _ = p.boolean(fl.value, id, what+".not")
		}
		if fl, ok := fs["count"]; ok {
			if v, ok := p.integer(fl.value, id, what+".count"); ok {
				switch {
				case v < 1:
					p.errs.addf(p.f.pos(fl.value), id, "%s.count: must be 1 or more", what)
				case st.step.Not:
					p.errs.addf(p.f.pos(fl.key), id, "%s.count: not allowed on a not step", what)
				}
				st.step.Count = v
			}
		}
		if st.step.Not && i == 0 {
			p.errs.addf(st.step.Pos, id, "%s: the first step cannot be a not step", what)
		}
		if !st.step.Not {
			positive = true
		}
		out = append(out, st)
	}
	if len(out) == len(items) && !positive {
		p.errs.addf(p.f.pos(n), id, "steps: want at least one step that is not a not step")
	}
	return out
}

func (p *parser) parseTests(n *yaml.Node, id string) []Test {
	items, ok := p.sequence(n, id, "tests")
	if !ok {
		return nil
	}
	var out []Test
	for i, it := range items {
		what := fmt.Sprintf("tests[%d]", i)
		m := p.mapping(it, id, what)
		if m == nil {
			continue
		}
		t := Test{Name: fmt.Sprintf("test %d", i+1), Pos: p.f.pos(m)}
		fs := p.fields(m, id, what, testKeys)
		if fl, ok := fs["name"]; ok {
			if s, ok := p.str(fl.value, id, what+".name"); ok {
				t.Name = s
			}
		}
		fe, hasEvents := fs["events"]
		ff, hasFile := fs["file"]
		switch {
		case hasEvents && hasFile:
			p.errs.addf(p.f.pos(ff.key), id, "%s: give events or file, not both", what)
		case !hasEvents && !hasFile:
			p.errs.addf(t.Pos, id, "%s: missing events or file", what)
		case hasEvents:
			if evs, ok := p.sequence(fe.value, id, what+".events"); ok {
				for j, ev := range evs {
					ew := fmt.Sprintf("%s.events[%d]", what, j)
					ev = p.resolve(ev)
					if ev == nil {
						continue
					}
					if ev.Kind != yaml.MappingNode {
						p.errs.addf(p.f.pos(ev), id, "%s: want an event (a mapping), got %s", ew, describe(ev))
						continue
					}
					var buf bytes.Buffer
					if err := p.toJSON(&buf, ev, 0); err != nil {
						var e *Error
						if errors.As(err, &e) {
							e.Rule = id
							e.Err = fmt.Errorf("%s: %w", ew, e.Err)
							p.errs.errs = append(p.errs.errs, e)
						}
						continue
					}
					t.Events = append(t.Events, json.RawMessage(buf.Bytes()))
					t.EventPos = append(t.EventPos, p.f.pos(ev))
				}
			}
		case hasFile:
			if name, ok := p.str(ff.value, id, what+".file"); ok {
				p.readEvents(&t, name, p.f.pos(ff.value), id, what)
			}
		}
		if fl, ok := fs["expect"]; ok {
			t.Expect = p.parseExpect(fl.value, id, what+".expect")
		} else {
			p.errs.addf(t.Pos, id, "%s: missing expect", what)
		}
		out = append(out, t)
	}
	return out
}

// readEvents reads the NDJSON events file of a test: one JSON object per
// line, blank lines skipped.
func (p *parser) readEvents(t *Test, name string, pos Pos, id, what string) {
	if p.readTest == nil {
		p.errs.addf(pos, id, "%s.file: test files can only be read by Load and LoadPaths", what)
		return
	}
	path, data, err := p.readTest(p.f.name, name)
	if err != nil {
		p.errs.addf(pos, id, "%s.file: %w", what, err)
		return
	}
	t.EventsFile = path
	line := 0
	for len(data) > 0 {
		line++
		var ln []byte
		ln, data, _ = bytes.Cut(data, []byte("\n"))
		ln = bytes.TrimSpace(ln)
		if len(ln) == 0 {
			continue
		}
		epos := Pos{File: path, Line: line, Column: 1}
		if ln[0] != '{' || !json.Valid(ln) {
			p.errs.addf(epos, id, "%s: line %d is not a JSON object", what, line)
			continue
		}
		t.Events = append(t.Events, json.RawMessage(bytes.Clone(ln)))
		t.EventPos = append(t.EventPos, epos)
	}
}

func (p *parser) parseExpect(n *yaml.Node, id, what string) []Expectation {
	items, ok := p.sequence(n, id, what)
	if !ok {
		return nil
	}
	var out []Expectation
	for i, it := range items {
		w := fmt.Sprintf("%s[%d]", what, i)
		m := p.mapping(it, id, w)
		if m == nil {
			continue
		}
		x := Expectation{Pos: p.f.pos(m)}
		fs := p.fields(m, id, w, expectationKeys)
		if fl, ok := fs["rule"]; ok {
			x.Rule, _ = p.str(fl.value, id, w+".rule")
		} else {
			p.errs.addf(x.Pos, id, "%s: missing rule", w)
		}
		if fl, ok := fs["count"]; ok {
			if v, ok := p.integer(fl.value, id, w+".count"); ok {
				if v < 0 {
					p.errs.addf(p.f.pos(fl.value), id, "%s.count: must be 0 or more", w)
				}
				x.Count = v
			}
		} else {
			p.errs.addf(x.Pos, id, "%s: missing count", w)
		}
		if fl, ok := fs["evidence_event_ids"]; ok {
			if ids, ok := p.strList(fl.value, id, w+".evidence_event_ids"); ok {
				x.EvidenceEventIDs = ids
				if x.EvidenceEventIDs == nil {
					x.EvidenceEventIDs = []string{}
				}
			}
		}
		if fl, ok := fs["severity"]; ok {
			if s, ok := p.str(fl.value, id, w+".severity"); ok {
				if _, err := ParseSeverity(s); err != nil {
					p.errs.addf(p.f.pos(fl.value), id, "%s.severity: %w", w, err)
				}
				x.Severity = s
			}
		}
		out = append(out, x)
	}
	return out
}

// toJSON writes the YAML value n as JSON, keeping the order of keys.
func (p *parser) toJSON(buf *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxEventDepth {
		return &Error{Pos: p.f.pos(n), Err: fmt.Errorf("nested deeper than %d", maxEventDepth)}
	}
	if n.Kind == yaml.AliasNode {
		if n = p.resolve(n); n == nil {
			return errors.New("alias") // already reported
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		buf.WriteByte('{')
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := p.resolve(n.Content[i])
			if k == nil {
				return errors.New("alias")
			}
			if k.Kind != yaml.ScalarNode || k.Value == "<<" {
				return &Error{Pos: p.f.pos(k), Err: errors.New("keys must be strings")}
			}
			if seen[k.Value] {
				return &Error{Pos: p.f.pos(k), Err: fmt.Errorf("key %q set twice", k.Value)}
			}
			seen[k.Value] = true
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k.Value)
			buf.WriteByte(':')
			if err := p.toJSON(buf, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, it := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := p.toJSON(buf, it, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			var b bool
			if n.Decode(&b) != nil {
				return &Error{Pos: p.f.pos(n), Err: fmt.Errorf("bad boolean %q", n.Value)}
			}
			buf.WriteString(strconv.FormatBool(b))
		case "!!int":
			var i int64
			if n.Decode(&i) == nil {
				buf.WriteString(strconv.FormatInt(i, 10))
				break
			}
			var u uint64
			if n.Decode(&u) == nil {
				buf.WriteString(strconv.FormatUint(u, 10))
				break
			}
			return &Error{Pos: p.f.pos(n), Err: fmt.Errorf("integer %s out of range", truncate(n.Value, 40))}
		case "!!float":
			var x float64
			if n.Decode(&x) != nil || math.IsInf(x, 0) || math.IsNaN(x) {
				return &Error{Pos: p.f.pos(n), Err: fmt.Errorf("number %s cannot be written as JSON", truncate(n.Value, 40))}
			}
			b, _ := json.Marshal(x)
			buf.Write(b)
		default: // !!str, !!timestamp, !!binary and custom tags: the text
			writeJSONString(buf, n.Value)
		}
	default:
		return &Error{Pos: p.f.pos(n), Err: errors.New("unsupported YAML node")}
	}
	return nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

// ParseDuration parses a duration of rule files: one or more integers each
// followed by a unit, ms, s, m, h, d (24h) or w (7d): "500ms", "10m",
// "1h30m", "7d".
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	orig := s
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("bad duration %q: want a number and a unit (ms, s, m, h, d, w), as in 10m or 1h30m", truncate(orig, 40))
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q: number out of range", truncate(orig, 40))
		}
		s = s[i:]
		j := 0
		for j < len(s) && ('a' <= s[j] && s[j] <= 'z') {
			j++
		}
		var unit time.Duration
		switch s[:j] {
		case "ms":
			unit = time.Millisecond
		case "s":
			unit = time.Second
		case "m":
			unit = time.Minute
		case "h":
			unit = time.Hour
		case "d":
			unit = 24 * time.Hour
		case "w":
			unit = 7 * 24 * time.Hour
		default:
			return 0, fmt.Errorf("bad duration %q: want a number and a unit (ms, s, m, h, d, w), as in 10m or 1h30m", truncate(orig, 40))
		}
		s = s[j:]
		if n > int64(math.MaxInt64/unit) || total > math.MaxInt64-time.Duration(n)*unit {
			return 0, fmt.Errorf("bad duration %q: too long", truncate(orig, 40))
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

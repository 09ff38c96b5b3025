package detect

import (
	"slices"

	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// ruleIndex preselects the match rules worth evaluating for an event, from
// the equality conjuncts the rules package found in their conditions. A rule
// is filed under the first field of rules.IndexFields its condition
// constrains, once per allowed value; a rule with no such conjunct is
// evaluated for every event. Cost per event is then the number of rules
// that could match it, not the number of rules (Falco's evt.type index).
type ruleIndex struct {
	always []int
	fields []fieldIndex
}

type fieldIndex struct {
	get    func(*event.Event) string
	byVal  map[string][]int
	nRules int
}

// fieldGetters reads the indexable fields of an event, in the order of
// rules.IndexFields.
var fieldGetters = map[string]func(*event.Event) string{
	"gen_ai.tool.name": func(ev *event.Event) string { return ev.GenAI.Tool.Name },
	"event.action":     func(ev *event.Event) string { return ev.Event.Action },
	"mcp.method.name":  func(ev *event.Event) string { return ev.MCP.Method.Name },
	"mcp.server.name":  func(ev *event.Event) string { return ev.MCP.Server.Name },
}

func newRuleIndex(rs []*rules.Rule) ruleIndex {
	var ix ruleIndex
	byField := make(map[string]*fieldIndex)
	for i, r := range rs {
		field, values := indexKey(r.Condition)
		if field == "" {
			ix.always = append(ix.always, i)
			continue
		}
		fi := byField[field]
		if fi == nil {
			fi = &fieldIndex{get: fieldGetters[field], byVal: make(map[string][]int)}
			byField[field] = fi
		}
		fi.nRules++
		for _, v := range dedupe(values) {
			fi.byVal[v] = append(fi.byVal[v], i)
		}
	}
	for _, f := range rules.IndexFields {
		if fi := byField[f]; fi != nil {
			ix.fields = append(ix.fields, *fi)
		}
	}
	return ix
}

// indexKey returns the field a condition is filed under and its values, or
// "" when the condition constrains none of the indexed fields.
func indexKey(c *rules.Condition) (string, []string) {
	if c == nil {
		return "", nil
	}
	for _, f := range rules.IndexFields {
		if _, ok := fieldGetters[f]; !ok {
			continue
		}
		if vs, ok := c.Index[f]; ok {
			return f, vs
		}
	}
	return "", nil
}

func dedupe(vs []string) []string {
	out := slices.Clone(vs)
	slices.Sort(out)
	return slices.Compact(out)
}

// candidates appends to buf, in rule order, the indexes of the rules that
// may match ev.
func (ix *ruleIndex) candidates(ev *event.Event, buf []int) []int {
	buf = append(buf[:0], ix.always...)
	merged := false
	for i := range ix.fields {
		f := &ix.fields[i]
		if hit := f.byVal[f.get(ev)]; len(hit) > 0 {
			buf = append(buf, hit...)
			merged = true
		}
	}
	if merged {
		slices.Sort(buf)
	}
	return buf
}

// indexed reports how many rules are indexed and how many are evaluated for
// every event.
func (ix *ruleIndex) indexed() (indexed, always int) {
	for _, f := range ix.fields {
		indexed += f.nRules
	}
	return indexed, len(ix.always)
}

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

// fieldGetters reads the indexable fields of an event, by position in
// rules.IndexFields; nil where a field is not a string field of
// event.Event (then rules constrained by it are not indexed on it).
var fieldGetters = func() []func(*event.Event) string {
	out := make([]func(*event.Event) string, len(rules.IndexFields))
	for i, f := range rules.IndexFields {
		out[i] = rules.StringField(f)
	}
	return out
}()

func newRuleIndex(rs []*rules.Rule) ruleIndex {
	var ix ruleIndex
	byField := make([]fieldIndex, len(rules.IndexFields))
	for i, r := range rs {
		field, values := indexKey(r.Condition)
		if field < 0 {
			ix.always = append(ix.always, i)
			continue
		}
		fi := &byField[field]
		if fi.byVal == nil {
			fi.get, fi.byVal = fieldGetters[field], make(map[string][]int)
		}
		fi.nRules++
		for _, v := range values {
			// Once per rule, should a value be listed twice.
			if hit := fi.byVal[v]; len(hit) == 0 || hit[len(hit)-1] != i {
				fi.byVal[v] = append(hit, i)
			}
		}
	}
	for _, fi := range byField {
		if fi.nRules > 0 {
			ix.fields = append(ix.fields, fi)
		}
	}
	return ix
}

// indexKey returns the position in rules.IndexFields of the field a
// condition is filed under and its values, or -1 when the condition
// constrains none of the indexed fields.
func indexKey(c *rules.Condition) (int, []string) {
	if c == nil {
		return -1, nil
	}
	for i, f := range rules.IndexFields {
		if fieldGetters[i] == nil {
			continue
		}
		if vs, ok := c.Index[f]; ok {
			return i, vs
		}
	}
	return -1, nil
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

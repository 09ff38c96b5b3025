package detect

import (
	"strings"
	"unicode/utf8"

	"github.com/mcpsoc/mcpsoc/detect/alert"
	"github.com/mcpsoc/mcpsoc/detect/content"
	"github.com/mcpsoc/mcpsoc/ingest/event"
	"github.com/mcpsoc/mcpsoc/rules"
)

// frameworks maps tag prefixes to the threat framework they name.
var frameworks = []struct{ prefix, name string }{
	{"atlas:", "MITRE ATLAS"},
	{"attack:", "MITRE ATT&CK"},
	{"owasp-mcp:", "OWASP MCP Top 10"},
	{"safe-mcp:", "SAFE-MCP"},
}

// threats builds the ECS threat entries from a rule's tags, one per
// framework, in the order of frameworks.
func threats(tags []string) []alert.Threat {
	var out []alert.Threat
	for _, fw := range frameworks {
		var ids []string
		for _, t := range tags {
			if id, ok := strings.CutPrefix(t, fw.prefix); ok && id != "" {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			out = append(out, alert.Threat{Framework: fw.name, Technique: alert.Technique{ID: ids}})
		}
	}
	return out
}

// finding is what a rule found, before it becomes an alert.
type finding struct {
	rule   *rules.Rule
	key    string // correlation group key, "" for match rules
	events []*event.Event
	steps  []string
	// stepEvents holds, for sequences, the event of each step by step
	// index, as step conditions see them (reason templates' steps[i]).
	stepEvents []*event.Event
	state      rules.State
	previous   string
	current    string
	diff       string
}

// newAlert turns a finding into an alert document. The reason is rendered
// by the caller; trigger is the event the finding completed on (the last
// evidence event).
func (e *Engine) newAlert(f *finding, reason string) *alert.Alert {
	r := f.rule
	trigger := f.events[len(f.events)-1]
	first := f.events[0]
	groupKey := f.key
	if groupKey == "" {
		groupKey = trigger.Organization.ID
	}
	a := &alert.Alert{
		Timestamp: trigger.Timestamp,
		Event: alert.Meta{
			ID:        alert.ID(r.ID, r.Version, groupKey, first.Event.ID),
			Kind:      "alert",
			Category:  []string{"intrusion_detection"},
			Type:      []string{"info"},
			Action:    "mcp.detection." + string(r.Kind),
			Severity:  r.Severity.Score(),
			RiskScore: r.RiskScore,
			Provider:  "mcpsoc",
			Dataset:   "mcp.alerts",
			Created:   e.opts.Now().UTC(),
		},
		Rule: alert.Rule{
			ID:          r.ID,
			Name:        r.Name,
			Version:     r.Version,
			Description: r.Description,
			Reference:   r.References,
			Ruleset:     e.opts.Ruleset,
		},
		Threat:       threats(r.Tags),
		Tags:         r.Tags,
		Organization: trigger.Organization,
		User:         trigger.User,
		MCP: alert.MCP{
			Flow:    trigger.MCP.Flow,
			Session: trigger.MCP.Session,
			Server:  alert.Named{Name: trigger.MCP.Server.Name},
			Client:  alert.Named{Name: trigger.MCP.Client.Name},
			Alert: alert.Detail{
				Severity:  r.Severity.String(),
				Reason:    reason,
				Response:  r.Response,
				GroupKey:  f.key,
				FirstSeen: first.Timestamp,
				LastSeen:  trigger.Timestamp,
				Count:     1,
				Previous:  e.trimText(f.previous),
				Current:   e.trimText(f.current),
				Diff:      f.diff,
			},
		},
		GenAI: alert.GenAI{Tool: alert.Named{Name: trigger.GenAI.Tool.Name}},
	}
	d := &a.MCP.Alert
	d.EvidenceEventIDs = make([]string, len(f.events))
	d.Evidence = make([]alert.Evidence, len(f.events))
	for i, ev := range f.events {
		d.EvidenceEventIDs[i] = ev.Event.ID
		step := ""
		if i < len(f.steps) {
			step = f.steps[i]
		}
		d.Evidence[i] = e.evidence(ev, step)
	}
	return a
}

// evidence trims one event for the alert: arguments and texts are cut to
// Options.EvidenceText bytes and credentials are masked.
func (e *Engine) evidence(ev *event.Event, step string) alert.Evidence {
	return alert.Evidence{
		Timestamp:   ev.Timestamp,
		EventID:     ev.Event.ID,
		Action:      ev.Event.Action,
		Outcome:     ev.Event.Outcome,
		Method:      ev.MCP.Method.Name,
		Server:      ev.MCP.Server.Name,
		Tool:        ev.GenAI.Tool.Name,
		Resource:    ev.MCP.Resource.URI,
		UserID:      ev.User.ID,
		Step:        step,
		Arguments:   e.trimMap(ev.GenAI.Tool.Call.Arguments, 0),
		Result:      e.trimText(ev.MCP.Result.Text),
		Description: e.trimText(ev.MCP.Tool.Description),
		DataTrust:   ev.MCP.Data.Trust,
		Labels:      ev.MCP.Data.Labels,
	}
}

// maxEvidenceDepth bounds how deep evidence copies nested arguments.
const maxEvidenceDepth = 8

// trimValue deep-copies a JSON value found depth levels below the
// arguments object, with every string trimmed and masked.
func (e *Engine) trimValue(v any, depth int) any {
	switch v := v.(type) {
	case string:
		return e.trimText(v)
	case map[string]any:
		return e.trimMap(v, depth)
	case []any:
		if depth >= maxEvidenceDepth {
			return []any{"… nested too deep"}
		}
		n := min(len(v), 64)
		out := make([]any, n, n+1)
		for i := range n {
			out[i] = e.trimValue(v[i], depth+1)
		}
		if len(v) > n {
			out = append(out, "… more items")
		}
		return out
	default:
		return v
	}
}

// trimMap is trimValue for an object (depth 0: the arguments object). A
// nil map stays nil; objects deeper than maxEvidenceDepth are replaced by
// a marker.
func (e *Engine) trimMap(m map[string]any, depth int) map[string]any {
	if m == nil {
		return nil
	}
	if depth >= maxEvidenceDepth {
		return map[string]any{"…": "nested too deep"}
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[e.trimText(k)] = e.trimValue(x, depth+1)
	}
	return out
}

// trimText masks credentials in s and cuts it to Options.EvidenceText bytes
// at a rune boundary, marking the cut.
func (e *Engine) trimText(s string) string {
	if s == "" {
		return s
	}
	s = content.MaskSecrets(s)
	max := e.opts.EvidenceText
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated]"
}

package correlate

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// trimmer makes the copies of events the Correlator keeps. A copy shares no
// memory with the caller's event (the caller may reuse it), its free-text
// fields are cut to limit bytes, and its strings live in one allocation.
//
// A full copy keeps every field, the argument and schema objects cut to a
// budget of limit bytes of text each. A light copy keeps the identity fields
// only (who, where, which tool, what happened) and drops free text, argument
// and schema objects, entities and labels: it is what a threshold match
// shows for its triggering event.
type trimmer struct {
	limit int
	ptrs  []*string // scratch
}

// kept is a copy of an event plus the storage of its boolean hints, so that
// one allocation holds both.
type kept struct {
	ev    event.Event
	hints [6]bool
}

func (t *trimmer) full(ev *event.Event) *event.Event  { return t.copy(ev, false) }
func (t *trimmer) light(ev *event.Event) *event.Event { return t.copy(ev, true) }

// copy copies ev. The lists of fields below must name every field of
// event.Event that holds memory (strings, lists, maps, pointers):
// TestTrimCoversEveryField fails when the event grows a field they miss.
func (t *trimmer) copy(ev *event.Event, light bool) *event.Event {
	k := new(kept)
	k.ev = *ev
	out := &k.ev
	t.ptrs = t.ptrs[:0]
	if light {
		out.Labels = nil
		out.GenAI.Tool.Call.Arguments = nil
		out.GenAI.Tool.Call.Result = nil
		out.MCP.Server.Instructions = ""
		out.MCP.Result.Text = ""
		out.MCP.Tool.Description = ""
		out.MCP.Tool.InputSchema = nil
		out.MCP.Tool.OutputSchema = nil
		out.MCP.Entities = nil
		out.Error.Message = ""
	} else {
		out.Labels = copyLabels(ev.Labels, t.limit)
		out.GenAI.Tool.Call.Arguments = copyObject(ev.GenAI.Tool.Call.Arguments, t.limit)
		out.GenAI.Tool.Call.Result = copyObject(ev.GenAI.Tool.Call.Result, t.limit)
		out.MCP.Tool.InputSchema = copyObject(ev.MCP.Tool.InputSchema, t.limit)
		out.MCP.Tool.OutputSchema = copyObject(ev.MCP.Tool.OutputSchema, t.limit)
		if len(ev.MCP.Entities) > 0 {
			out.MCP.Entities = slices.Clone(ev.MCP.Entities)
			for i := range out.MCP.Entities {
				e := &out.MCP.Entities[i]
				t.ptrs = append(t.ptrs, &e.Role, &e.Type, &e.ID, &e.Owner, &e.Visibility, &e.TenantID, &e.Classification)
			}
		} else {
			out.MCP.Entities = nil
		}
	}
	// Boolean hints point into k.
	for i, p := range [...]**bool{
		&out.MCP.Tool.Annotations.ReadOnlyHint, &out.MCP.Tool.Annotations.DestructiveHint,
		&out.MCP.Tool.Annotations.IdempotentHint, &out.MCP.Tool.Annotations.OpenWorldHint,
		&out.MCP.Tool.Annotations.Declared, &out.MCP.Auth.AudienceValid,
	} {
		if *p != nil {
			k.hints[i] = **p
			*p = &k.hints[i]
		}
	}
	for _, l := range [...]*event.Strings{
		&out.Event.Category, &out.Event.Type, &out.Tags, &out.User.Roles,
		&out.Email.From.Address, &out.Email.To.Address, &out.Email.CC.Address, &out.Email.BCC.Address,
		&out.MCP.Server.Roots, &out.MCP.Result.ContentTypes, &out.MCP.Tool.Capabilities,
		&out.MCP.Auth.Audience, &out.MCP.Auth.Scopes, &out.MCP.Auth.Resource, &out.MCP.Egress.Recipients,
		&out.MCP.Egress.Observed.Email.From.Address, &out.MCP.Egress.Observed.Email.To.Address,
		&out.MCP.Egress.Observed.Email.CC.Address, &out.MCP.Egress.Observed.Email.BCC.Address,
		&out.MCP.Data.Labels, &out.MCP.ToolsList.Names, &out.MCP.RedactedPaths,
	} {
		if len(*l) == 0 {
			*l = nil
			continue
		}
		*l = slices.Clone(*l)
		for i := range *l {
			t.ptrs = append(t.ptrs, &(*l)[i])
		}
	}
	t.ptrs = appendStringFields(t.ptrs, out)
	t.intern()
	return out
}

// intern moves every string t.ptrs points to into one new allocation, each
// cut to the limit.
func (t *trimmer) intern() {
	n := 0
	for _, p := range t.ptrs {
		*p = clip(*p, t.limit)
		n += len(*p)
	}
	if n == 0 {
		return
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range t.ptrs {
		b.WriteString(*p)
	}
	arena := b.String()
	off := 0
	for _, p := range t.ptrs {
		l := len(*p)
		*p = arena[off : off+l]
		off += l
	}
	clear(t.ptrs)
}

// appendStringFields appends a pointer to every scalar string field of e
// (those inside Entities, string lists and maps aside).
func appendStringFields(ps []*string, e *event.Event) []*string {
	return append(ps,
		&e.Event.ID, &e.Event.Kind, &e.Event.Action, &e.Event.Outcome, &e.Event.Provider, &e.Event.Dataset,
		&e.Organization.ID, &e.Organization.Name,
		&e.User.ID, &e.User.Name, &e.User.Email, &e.User.Domain,
		&e.Source.IP, &e.Destination.Domain, &e.Destination.IP, &e.Host.Name,
		&e.URL.Full, &e.URL.Domain,
		&e.Observer.Name, &e.Observer.Type, &e.Observer.Vendor, &e.Observer.Product, &e.Observer.Version,
		&e.Trace.ID, &e.Span.ID, (*string)(&e.JSONRPC.Request.ID),
		&e.GenAI.Agent.ID, &e.GenAI.Agent.Name, &e.GenAI.Agent.Version,
		&e.GenAI.Operation.Name, &e.GenAI.Conversation.ID, &e.GenAI.Tool.Name, &e.GenAI.Tool.Type,
		&e.GenAI.Tool.Call.ID, &e.GenAI.Prompt.Name,
		&e.Error.Type, &e.Error.Code, &e.Error.Message,
		&e.MCP.Method.Name, &e.MCP.Direction, &e.MCP.Phase, &e.MCP.Flow.ID, &e.MCP.Session.ID, &e.MCP.Protocol.Version,
		&e.MCP.Client.Name, &e.MCP.Client.Title, &e.MCP.Client.Version, &e.MCP.Client.ID,
		&e.MCP.Server.Name, &e.MCP.Server.Version, &e.MCP.Server.ID, &e.MCP.Server.URL, &e.MCP.Server.Transport,
		&e.MCP.Server.Package.Registry, &e.MCP.Server.Package.Name, &e.MCP.Server.Package.Version,
		&e.MCP.Server.Package.Digest, &e.MCP.Server.Package.Publisher,
		&e.MCP.Server.Instructions, &e.MCP.Server.InstructionsHash, &e.MCP.Server.Trust,
		&e.MCP.Resource.URI, &e.MCP.Result.Text, &e.MCP.Result.Type, &e.MCP.Result.Hash,
		&e.MCP.Tool.Title, &e.MCP.Tool.Description, &e.MCP.Tool.Annotations.Title,
		&e.MCP.Tool.DescriptionHash, &e.MCP.Tool.InputSchemaHash, &e.MCP.Tool.DefinitionHash,
		&e.MCP.Tool.PreviousDefinitionHash,
		&e.MCP.Auth.Method, &e.MCP.Auth.Subject, &e.MCP.Auth.Issuer, &e.MCP.Auth.ClientID,
		&e.MCP.Auth.TokenIDHash, &e.MCP.Auth.Actor,
		&e.MCP.Approval.Decision, &e.MCP.Approval.Source, &e.MCP.Approval.Approver, &e.MCP.Approval.PolicyID,
		&e.MCP.Egress.Kind, &e.MCP.Egress.Observed.Destination.Domain, &e.MCP.Egress.Observed.Destination.IP,
		&e.MCP.Data.Classification, &e.MCP.Data.Trust,
		&e.MCP.ToolsList.Hash, &e.MCP.Audit.SchemaVersion, &e.MCP.Audit.Adapter,
	)
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

func copyLabels(m map[string]string, limit int) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.Clone(clip(k, limit))] = strings.Clone(clip(v, limit))
	}
	return out
}

// copyObject deep-copies a JSON object keeping at most about budget bytes of
// keys and string values. When the object is larger than the budget, keys
// are visited in sorted order so that the same input always keeps the same
// part.
func copyObject(m map[string]any, budget int) map[string]any {
	if len(m) == 0 {
		return nil
	}
	b := budget
	out, _ := copyValue(m, &b, jsonSize(m, budget+1) > budget, 0).(map[string]any)
	return out
}

const maxDepth = 16

func copyValue(v any, budget *int, sorted bool, depth int) any {
	if depth > maxDepth {
		return nil
	}
	switch x := v.(type) {
	case string:
		s := clip(x, max(*budget, 0))
		*budget -= len(s)
		return strings.Clone(s)
	case map[string]any:
		out := make(map[string]any, len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		if sorted {
			slices.Sort(keys)
		}
		for _, k := range keys {
			if *budget <= 0 {
				break
			}
			*budget -= len(k)
			out[strings.Clone(k)] = copyValue(x[k], budget, sorted, depth+1)
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if *budget <= 0 {
				break
			}
			out = append(out, copyValue(e, budget, sorted, depth+1))
		}
		return out
	case []string:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if *budget <= 0 {
				break
			}
			s := clip(e, *budget)
			*budget -= len(s)
			out = append(out, strings.Clone(s))
		}
		return out
	case bool, float64, int, int64, nil:
		*budget--
		return x
	}
	// Other types (json.Number, typed maps) are kept as text.
	*budget -= 8
	return text(v)
}

// jsonSize estimates the bytes of keys and strings in v, stopping early once
// it exceeds stop.
func jsonSize(v any, stop int) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case map[string]any:
		n := 0
		for k, e := range x {
			n += len(k) + jsonSize(e, stop-n)
			if n > stop {
				return n
			}
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += jsonSize(e, stop-n)
			if n > stop {
				return n
			}
		}
		return n
	case []string:
		n := 0
		for _, e := range x {
			n += len(e)
		}
		return n
	case bool, float64, int, int64, nil:
		return 1
	}
	return 8
}

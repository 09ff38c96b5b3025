package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// Alert is one finding, written as one ECS-shaped JSON document (one line of
// NDJSON, one Elasticsearch document, one webhook body). docs/alerts.md
// documents every field.
type Alert struct {
	Timestamp    time.Time          `json:"@timestamp"`
	Event        Meta               `json:"event"`
	Rule         Rule               `json:"rule"`
	Threat       []Threat           `json:"threat,omitempty"`
	Tags         []string           `json:"tags,omitempty"`
	Organization event.Organization `json:"organization"`
	User         event.User         `json:"user"`
	MCP          MCP                `json:"mcp"`
	GenAI        GenAI              `json:"gen_ai"`
}

// Meta is the alert's ECS event field set.
type Meta struct {
	// ID is deterministic: the same rule version over the same evidence gives
	// the same ID, so a replay or a redelivery never makes a second alert
	// downstream (it is the Elasticsearch _id and the webhook idempotency key).
	ID        string    `json:"id"`
	Kind      string    `json:"kind"` // always "alert"
	Category  []string  `json:"category"`
	Type      []string  `json:"type"`
	Action    string    `json:"action"`
	Severity  int       `json:"severity"`
	RiskScore int       `json:"risk_score"`
	Provider  string    `json:"provider"`
	Dataset   string    `json:"dataset"`
	Created   time.Time `json:"created"`
}

// Rule identifies the rule that raised the alert.
type Rule struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	Description string   `json:"description,omitempty"`
	Reference   []string `json:"reference,omitempty"`
	Ruleset     string   `json:"ruleset,omitempty"`
}

// Threat is one framework's classification of the alert, built from the
// rule's tags (atlas:AML.T0051 → MITRE ATLAS, attack:T1041 → MITRE ATT&CK,
// owasp-mcp:MCP03 → OWASP MCP Top 10, safe-mcp:SAFE-T1001 → SAFE-MCP).
type Threat struct {
	Framework string    `json:"framework"`
	Technique Technique `json:"technique"`
}

// Technique lists technique ids of one framework.
type Technique struct {
	ID []string `json:"id"`
}

// MCP is the MCP context of the triggering event plus the alert itself.
type MCP struct {
	Flow    event.ID `json:"flow"`
	Session event.ID `json:"session"`
	Server  Named    `json:"server"`
	Client  Named    `json:"client"`
	Alert   Detail   `json:"alert"`
}

// Named is an object with one name field.
type Named struct {
	Name string `json:"name,omitempty"`
}

// GenAI carries the tool of the triggering event.
type GenAI struct {
	Tool Named `json:"tool"`
}

// Detail is what the analyst reads: why, how bad, what proves it, what to do.
type Detail struct {
	Severity string `json:"severity"` // low | medium | high | critical
	Reason   string `json:"reason"`
	// Response is the rule's advice on what to do next.
	Response string `json:"response,omitempty"`
	// GroupKey is the correlation key the alert was raised for, for
	// correlation rules ("" for single-event rules).
	GroupKey         string     `json:"group_key,omitempty"`
	EvidenceEventIDs []string   `json:"evidence_event_ids"`
	Evidence         []Evidence `json:"evidence"`
	FirstSeen        time.Time  `json:"first_seen"`
	LastSeen         time.Time  `json:"last_seen"`
	Count            int        `json:"count"`
	// Diff shows what changed, for change rules (a unified diff of a tool
	// description, say).
	Diff string `json:"diff,omitempty"`
	// Previous and Current are the remembered and the new value, for change
	// rules.
	Previous string `json:"previous,omitempty"`
	Current  string `json:"current,omitempty"`
}

// Evidence is one event that proves the alert, trimmed: arguments and result
// text are cut to a configurable length and secrets are masked.
type Evidence struct {
	Timestamp time.Time `json:"@timestamp"`
	EventID   string    `json:"event.id"`
	Action    string    `json:"event.action,omitempty"`
	Outcome   string    `json:"event.outcome,omitempty"`
	Method    string    `json:"mcp.method.name,omitempty"`
	Server    string    `json:"mcp.server.name,omitempty"`
	Tool      string    `json:"gen_ai.tool.name,omitempty"`
	Resource  string    `json:"mcp.resource.uri,omitempty"`
	UserID    string    `json:"user.id,omitempty"`
	// Step names the sequence step the event matched, for sequence rules.
	Step        string         `json:"step,omitempty"`
	Arguments   map[string]any `json:"gen_ai.tool.call.arguments,omitempty"`
	Result      string         `json:"mcp.result.text,omitempty"`
	Description string         `json:"mcp.tool.description,omitempty"`
	DataTrust   string         `json:"mcp.data.trust,omitempty"`
	Labels      []string       `json:"mcp.data.labels,omitempty"`
}

// ID returns the deterministic alert id for a rule version, a group key and
// the event id of the first evidence event: the first 128 bits of a SHA-256,
// in hex. Fields are length-prefixed so that no two inputs collide by
// concatenation.
func ID(ruleID, ruleVersion, groupKey, firstEventID string) string {
	h := sha256.New()
	for _, s := range [...]string{ruleID, ruleVersion, groupKey, firstEventID} {
		var n [4]byte
		l := len(s)
		n[0], n[1], n[2], n[3] = byte(l>>24), byte(l>>16), byte(l>>8), byte(l)
		h.Write(n[:])
		h.Write([]byte(s))
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:16])
}

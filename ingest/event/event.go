package event

import (
	"time"
)

// SchemaVersion is the version of the canonical mcp.audit schema this package
// decodes.
const SchemaVersion = "1"

// Event is one canonical mcp.audit v1 record: one JSON-RPC exchange between an
// MCP client and an MCP server, one notification, or one tool definition.
//
// Field names follow ECS where ECS has the concept and the OpenTelemetry MCP
// and GenAI semantic conventions otherwise; everything specific to MCP lives
// under mcp. The json tags give the wire name and the expr tags the name a
// rule condition uses: the same dotted path, except that @timestamp is written
// timestamp in conditions.
//
// An Event is owned by the goroutine that decoded it. Rules only read it.
type Event struct {
	Timestamp    time.Time         `json:"@timestamp" expr:"timestamp"`
	Event        EventMeta         `json:"event" expr:"event"`
	Organization Organization      `json:"organization" expr:"organization"`
	User         User              `json:"user" expr:"user"`
	Source       Endpoint          `json:"source" expr:"source"`
	Destination  Destination       `json:"destination" expr:"destination"`
	Host         Host              `json:"host" expr:"host"`
	URL          URL               `json:"url" expr:"url"`
	Email        Email             `json:"email" expr:"email"`
	Observer     Observer          `json:"observer" expr:"observer"`
	Trace        ID                `json:"trace" expr:"trace"`
	Span         ID                `json:"span" expr:"span"`
	JSONRPC      JSONRPC           `json:"jsonrpc" expr:"jsonrpc"`
	GenAI        GenAI             `json:"gen_ai" expr:"gen_ai"`
	MCP          MCP               `json:"mcp" expr:"mcp"`
	Error        ErrorInfo         `json:"error" expr:"error"`
	Labels       map[string]string `json:"labels,omitempty" expr:"labels"`
	Tags         Strings           `json:"tags,omitempty" expr:"tags"`
}

// EventMeta is the ECS event field set.
type EventMeta struct {
	ID       string  `json:"id" expr:"id"`
	Kind     string  `json:"kind,omitempty" expr:"kind"`
	Category Strings `json:"category,omitempty" expr:"category"`
	Type     Strings `json:"type,omitempty" expr:"type"`
	Action   string  `json:"action,omitempty" expr:"action"`
	Outcome  string  `json:"outcome,omitempty" expr:"outcome"`
	Provider string  `json:"provider,omitempty" expr:"provider"`
	Dataset  string  `json:"dataset,omitempty" expr:"dataset"`
	// Duration is the exchange's duration in nanoseconds, as ECS has it.
	Duration int64 `json:"duration,omitempty" expr:"duration"`
}

// Organization is the tenant. Its ID defaults to "default".
type Organization struct {
	ID   string `json:"id" expr:"id"`
	Name string `json:"name,omitempty" expr:"name"`
}

// User is the person or service on whose behalf the MCP client acts.
type User struct {
	ID     string  `json:"id,omitempty" expr:"id"`
	Name   string  `json:"name,omitempty" expr:"name"`
	Email  string  `json:"email,omitempty" expr:"email"`
	Domain string  `json:"domain,omitempty" expr:"domain"`
	Roles  Strings `json:"roles,omitempty" expr:"roles"`
}

// Endpoint is an ECS source: where the client connected from.
type Endpoint struct {
	IP string `json:"ip,omitempty" expr:"ip"`
}

// Destination is an ECS destination: where data went.
type Destination struct {
	Domain string `json:"domain,omitempty" expr:"domain"`
	IP     string `json:"ip,omitempty" expr:"ip"`
}

// Host is the machine the MCP client runs on.
type Host struct {
	Name string `json:"name,omitempty" expr:"name"`
}

// URL is an ECS url.
type URL struct {
	Full   string `json:"full,omitempty" expr:"full"`
	Domain string `json:"domain,omitempty" expr:"domain"`
}

// Email holds the sender and the recipients of an email sent through a tool.
type Email struct {
	From Addresses `json:"from" expr:"from"`
	To   Addresses `json:"to" expr:"to"`
	CC   Addresses `json:"cc" expr:"cc"`
	BCC  Addresses `json:"bcc" expr:"bcc"`
}

// Observer is the ECS observer: the gateway or sensor that wrote the event.
type Observer struct {
	Name    string `json:"name,omitempty" expr:"name"`
	Type    string `json:"type,omitempty" expr:"type"`
	Vendor  string `json:"vendor,omitempty" expr:"vendor"`
	Product string `json:"product,omitempty" expr:"product"`
	Version string `json:"version,omitempty" expr:"version"`
}

// Addresses is the ECS email.*.address list.
type Addresses struct {
	Address Strings `json:"address,omitempty" expr:"address"`
}

// ID is an object with one id field, as ECS trace and span are.
type ID struct {
	ID string `json:"id,omitempty" expr:"id"`
}

// JSONRPC is the JSON-RPC envelope of the exchange.
type JSONRPC struct {
	Request JSONRPCRequest `json:"request" expr:"request"`
}

// JSONRPCRequest carries the request id, a string or a number on the wire,
// always a string here.
type JSONRPCRequest struct {
	ID RequestID `json:"id,omitempty" expr:"id"`
}

// GenAI is the OpenTelemetry GenAI field set.
type GenAI struct {
	Agent        Agent     `json:"agent" expr:"agent"`
	Operation    Named     `json:"operation" expr:"operation"`
	Conversation ID        `json:"conversation" expr:"conversation"`
	Tool         GenAITool `json:"tool" expr:"tool"`
	Prompt       Named     `json:"prompt" expr:"prompt"`
}

// Agent is the AI agent (application or workflow) that made the call.
type Agent struct {
	ID      string `json:"id,omitempty" expr:"id"`
	Name    string `json:"name,omitempty" expr:"name"`
	Version string `json:"version,omitempty" expr:"version"`
}

// Named is an object with one name field.
type Named struct {
	Name string `json:"name,omitempty" expr:"name"`
}

// GenAITool names the tool and carries the call.
type GenAITool struct {
	Name string   `json:"name,omitempty" expr:"name"`
	Type string   `json:"type,omitempty" expr:"type"`
	Call ToolCall `json:"call" expr:"call"`
}

// ToolCall is one tool invocation.
type ToolCall struct {
	ID string `json:"id,omitempty" expr:"id"`
	// Arguments is the tools/call arguments object, any JSON object. Its
	// keys are kept as they are: a dotted key is not expanded.
	Arguments map[string]any `json:"arguments,omitempty" expr:"arguments"`
	// Result is the structuredContent of the tool result, any JSON object,
	// kept as Arguments is.
	Result map[string]any `json:"result,omitempty" expr:"result"`
}

// ErrorInfo is the ECS error field set.
type ErrorInfo struct {
	Type    string `json:"type,omitempty" expr:"type"`
	Code    string `json:"code,omitempty" expr:"code"`
	Message string `json:"message,omitempty" expr:"message"`
}

// MCP is everything specific to the Model Context Protocol.
type MCP struct {
	Method Named `json:"method" expr:"method"`
	// Direction is client_to_server or server_to_client.
	Direction string `json:"direction,omitempty" expr:"direction"`
	// Phase is exchange, request, response or notification.
	Phase    string   `json:"phase,omitempty" expr:"phase"`
	Flow     ID       `json:"flow" expr:"flow"`
	Session  ID       `json:"session" expr:"session"`
	Protocol Version  `json:"protocol" expr:"protocol"`
	Client   Client   `json:"client" expr:"client"`
	Server   Server   `json:"server" expr:"server"`
	Resource Resource `json:"resource" expr:"resource"`
	Result   Result   `json:"result" expr:"result"`
	Tool     Tool     `json:"tool" expr:"tool"`
	Auth     Auth     `json:"auth" expr:"auth"`
	Approval Approval `json:"approval" expr:"approval"`
	Egress   Egress   `json:"egress" expr:"egress"`
	Entities []Entity `json:"entities,omitempty" expr:"entities"`
	Data     Data     `json:"data" expr:"data"`
	// ToolsList summarises a tools/list result, whose tools are also sent
	// one per mcp.tool.definition event.
	ToolsList ToolsList `json:"tools_list" expr:"tools_list"`
	// RedactedPaths are the JSON pointers the producer redacted.
	RedactedPaths Strings `json:"redacted_paths,omitempty" expr:"redacted_paths"`
	Audit         Audit   `json:"audit" expr:"audit"`
}

// ToolsList summarises the tools of a tools/list result.
type ToolsList struct {
	Names Strings `json:"names,omitempty" expr:"names"`
	Count int64   `json:"count,omitempty" expr:"count"`
	Hash  string  `json:"hash,omitempty" expr:"hash"`
}

// Audit names the schema version and the adapter that wrote the event.
type Audit struct {
	SchemaVersion string `json:"schema_version,omitempty" expr:"schema_version"`
	Adapter       string `json:"adapter,omitempty" expr:"adapter"`
}

// Version is an object with one version field.
type Version struct {
	Version string `json:"version,omitempty" expr:"version"`
}

// Client is the MCP client (the agent host application).
type Client struct {
	Name    string `json:"name,omitempty" expr:"name"`
	Title   string `json:"title,omitempty" expr:"title"`
	Version string `json:"version,omitempty" expr:"version"`
	ID      string `json:"id,omitempty" expr:"id"`
}

// Server is the MCP server that served the exchange.
type Server struct {
	Name         string  `json:"name" expr:"name"`
	Version      string  `json:"version,omitempty" expr:"version"`
	ID           string  `json:"id,omitempty" expr:"id"`
	URL          string  `json:"url,omitempty" expr:"url"`
	Transport    string  `json:"transport,omitempty" expr:"transport"`
	Package      Package `json:"package" expr:"package"`
	Instructions string  `json:"instructions,omitempty" expr:"instructions"`
	// InstructionsHash is "sha256:<hex>" of Instructions.
	InstructionsHash string `json:"instructions_hash,omitempty" expr:"instructions_hash"`
	// Roots are the filesystem roots the server is allowed to use.
	Roots Strings `json:"roots,omitempty" expr:"roots"`
	// Trust is first_party, vetted, unvetted or unknown.
	Trust string `json:"trust,omitempty" expr:"trust"`
}

// Package identifies the distribution a server was installed from.
type Package struct {
	Registry  string `json:"registry,omitempty" expr:"registry"`
	Name      string `json:"name,omitempty" expr:"name"`
	Version   string `json:"version,omitempty" expr:"version"`
	Digest    string `json:"digest,omitempty" expr:"digest"`
	Publisher string `json:"publisher,omitempty" expr:"publisher"`
}

// Resource is the resource an exchange read.
type Resource struct {
	URI string `json:"uri,omitempty" expr:"uri"`
}

// Result is what the server returned.
type Result struct {
	IsError bool `json:"is_error,omitempty" expr:"is_error"`
	// Text is the concatenated text content, cut to Limits.MaxResultText.
	Text      string `json:"text,omitempty" expr:"text"`
	Bytes     int64  `json:"bytes,omitempty" expr:"bytes"`
	Truncated bool   `json:"truncated,omitempty" expr:"truncated"`
	// Type is the 2026 resultType: complete or input_required.
	Type         string  `json:"type,omitempty" expr:"type"`
	ContentTypes Strings `json:"content_types,omitempty" expr:"content_types"`
	Hash         string  `json:"hash,omitempty" expr:"hash"`
}

// Tool is a tool definition, on events whose event.action is
// mcp.tool.definition (one event per tool of a tools/list result).
type Tool struct {
	Title       string `json:"title,omitempty" expr:"title"`
	Description string `json:"description,omitempty" expr:"description"`
	// InputSchema and OutputSchema are JSON Schemas, any JSON object, whose
	// keys are kept as they are.
	InputSchema  map[string]any  `json:"input_schema,omitempty" expr:"input_schema"`
	OutputSchema map[string]any  `json:"output_schema,omitempty" expr:"output_schema"`
	Annotations  ToolAnnotations `json:"annotations" expr:"annotations"`
	// The hashes are "sha256:<hex>"; the definition hash covers the RFC 8785
	// canonical JSON of the tool without icons and _meta.
	DescriptionHash        string `json:"description_hash,omitempty" expr:"description_hash"`
	InputSchemaHash        string `json:"input_schema_hash,omitempty" expr:"input_schema_hash"`
	DefinitionHash         string `json:"definition_hash,omitempty" expr:"definition_hash"`
	PreviousDefinitionHash string `json:"previous_definition_hash,omitempty" expr:"previous_definition_hash"`
	// DefinitionChanged is set by the baseline when the definition differs
	// from the one seen before for the same organization, server and tool.
	DefinitionChanged bool `json:"definition_changed,omitempty" expr:"definition_changed"`
	// Capabilities are untrusted_input, private_data, egress, code_exec and
	// destructive.
	Capabilities Strings `json:"capabilities,omitempty" expr:"capabilities"`
}

// ToolAnnotations are the behaviour hints as MCP sends them. A nil hint was not
// declared; the Effective methods apply the specification's defaults.
// Clients must treat annotations as untrusted unless the server is trusted.
//
// On the wire each hint may also be written in snake case, as the canonical
// schema names them (read_only_hint for readOnlyHint, and so on).
type ToolAnnotations struct {
	Title           string `json:"title,omitempty" expr:"title"`
	ReadOnlyHint    *bool  `json:"readOnlyHint,omitempty" expr:"readOnlyHint"`
	DestructiveHint *bool  `json:"destructiveHint,omitempty" expr:"destructiveHint"`
	IdempotentHint  *bool  `json:"idempotentHint,omitempty" expr:"idempotentHint"`
	OpenWorldHint   *bool  `json:"openWorldHint,omitempty" expr:"openWorldHint"`
	// Declared is false when the server declared no annotations and the
	// producer filled in the specification's defaults.
	Declared *bool `json:"declared,omitempty" expr:"declared"`
}

// ReadOnly reports readOnlyHint, false when not declared.
func (a ToolAnnotations) ReadOnly() bool { return hint(a.ReadOnlyHint, false) }

// Destructive reports destructiveHint, true when not declared (the
// specification's default), and false for a read-only tool.
func (a ToolAnnotations) Destructive() bool {
	return !a.ReadOnly() && hint(a.DestructiveHint, true)
}

// Idempotent reports idempotentHint, false when not declared.
func (a ToolAnnotations) Idempotent() bool { return hint(a.IdempotentHint, false) }

// OpenWorld reports openWorldHint, true when not declared.
func (a ToolAnnotations) OpenWorld() bool { return hint(a.OpenWorldHint, true) }

func hint(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// Auth is how the client authenticated to the server, as the gateway saw it.
type Auth struct {
	Method        string  `json:"method,omitempty" expr:"method"`
	Subject       string  `json:"subject,omitempty" expr:"subject"`
	Issuer        string  `json:"issuer,omitempty" expr:"issuer"`
	ClientID      string  `json:"client_id,omitempty" expr:"client_id"`
	Audience      Strings `json:"audience,omitempty" expr:"audience"`
	Scopes        Strings `json:"scopes,omitempty" expr:"scopes"`
	AudienceValid *bool   `json:"audience_valid,omitempty" expr:"audience_valid"`
	Passthrough   bool    `json:"passthrough,omitempty" expr:"passthrough"`
	// Resource is the RFC 8707 resource indicators of the token.
	Resource Strings `json:"resource,omitempty" expr:"resource"`
	// TokenIDHash is a hash of the token's jti.
	TokenIDHash string `json:"token_id_hash,omitempty" expr:"token_id_hash"`
	// Actor is the RFC 8693 act.sub of a delegated token.
	Actor string `json:"actor,omitempty" expr:"actor"`
}

// Approval is the human or policy decision that let the call run.
type Approval struct {
	Decision string `json:"decision,omitempty" expr:"decision"`
	Source   string `json:"source,omitempty" expr:"source"`
	Approver string `json:"approver,omitempty" expr:"approver"`
	PolicyID string `json:"policy_id,omitempty" expr:"policy_id"`
}

// Egress describes data leaving the organization through the call.
type Egress struct {
	Kind       string   `json:"kind,omitempty" expr:"kind"`
	Recipients Strings  `json:"recipients,omitempty" expr:"recipients"`
	Observed   Observed `json:"observed" expr:"observed"`
}

// Observed is what a downstream sensor saw leave, which may differ from what
// the tool call asked for.
type Observed struct {
	Destination Destination `json:"destination" expr:"destination"`
	Email       Email       `json:"email" expr:"email"`
}

// Entity is an object the call touched: its input, its output or its target.
type Entity struct {
	Role           string `json:"role,omitempty" expr:"role"`
	Type           string `json:"type,omitempty" expr:"type"`
	ID             string `json:"id,omitempty" expr:"id"`
	Owner          string `json:"owner,omitempty" expr:"owner"`
	Visibility     string `json:"visibility,omitempty" expr:"visibility"`
	TenantID       string `json:"tenant_id,omitempty" expr:"tenant_id"`
	Classification string `json:"classification,omitempty" expr:"classification"`
}

// Data is what the producer or enrichment knows of the data in the exchange.
type Data struct {
	Classification string  `json:"classification,omitempty" expr:"classification"`
	Labels         Strings `json:"labels,omitempty" expr:"labels"`
	Trust          string  `json:"trust,omitempty" expr:"trust"`
}

// Strings is a keyword list. On the wire it may be one string or an array of
// strings, as ECS allows for every keyword field; Decode makes an empty
// array nil.
type Strings []string

// RequestID is a JSON-RPC request id: a string or a number on the wire.
// Decode keeps a number as its text, as written: 7 is "7", 1.50e3 is
// "1.50e3".
type RequestID string

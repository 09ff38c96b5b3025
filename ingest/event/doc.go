// Package event defines the canonical mcp.audit v1 event and decodes it from
// untrusted JSON.
//
// Every producer (gateway, proxy, client hook) is mapped onto this one schema
// before any rule sees it. Decode accepts nested objects and flat dotted keys
// ("mcp.method.name": "tools/call") alike, applies the defaults, enforces the
// size limits and returns a *DecodeError naming the JSON path and the reason
// for anything it refuses. It never panics. docs/events.md documents the
// fields.
package event

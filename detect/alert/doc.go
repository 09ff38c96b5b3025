// Package alert defines the alert document mcpsoc writes to every sink, and
// its deterministic identifier.
//
// An alert is ECS-shaped JSON (event.kind "alert", rule.*, threat.*) with the
// MCP context of the event that raised it and, under mcp.alert, what an
// analyst needs: the reason, the severity, what to do, and the chain of
// events that proves it. docs/alerts.md documents the fields.
package alert

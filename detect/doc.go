// Package detect runs detection rules over canonical events and turns what
// they find into alerts.
//
//	event.Event ─→ Engine.Process ─┬─ match rules (indexed by tool, action,
//	                               │  method, server; evaluated at once)
//	                               └─ correlate.Correlator (sequence,
//	                                  threshold, first_seen, change; event time)
//	                                        │
//	              alert.Alert ←─ suppression ←─ evidence, reason, id
//
// An Engine owns the state of one ordered stream (a Kafka partition, a
// replayed file) and is used by one goroutine at a time. Compiled rules are
// shared; each Engine has its own expr VM.
package detect

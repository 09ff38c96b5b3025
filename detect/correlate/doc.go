// Package correlate evaluates the stateful detection rules of mcpsoc
// (kinds sequence, threshold, first_seen and change) over one ordered stream
// of MCP audit events, in event time, and folds repeated alerts (Suppressor).
//
// Its place in the flow, for one Kafka partition or one replay:
//
//	decoded event ──► detect engine ──► match rules ───────────────┐
//	                        │                                      ▼
//	                        └──► Correlator.Process ──► Match ──► alert ──► Suppressor ──► sinks
//	                               │
//	                               ├─ on arrival: conditions, keys and values evaluated,
//	                               │  relevant events copied (trimmed) into the reorder buffer
//	                               ├─ watermark = newest @timestamp − AllowedLateness
//	                               └─ in event-time order: state per rule and key
//	                                  (bounded LRU, event-time expiry), windows closed
//	                                  as the watermark passes their end
//
// Time is always the events' @timestamp, never the wall clock, so a replay,
// a rule test and live traffic give the same matches in the same order. The
// state of each rule is bounded (Options.MaxKeys, rule max_keys) with a
// least-recently-used eviction that is counted (Stats). A Correlator is owned
// by one goroutine; the pipeline runs one per partition, drops it with Reset
// when the partition is revoked and rebuilds it by processing the recent
// past again (warm-up).
//
// docs/correlation.md describes the semantics: windows and their edges,
// late events, overlapping sequence matches, threshold re-arming,
// suppression and the cost of state.
package correlate

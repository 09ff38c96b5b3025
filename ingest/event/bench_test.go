package event

import (
	stdjson "encoding/json"
	"strings"
	"testing"

	goccy "github.com/goccy/go-json"

	"github.com/mcpsoc/mcpsoc/internal/testevents"
)

// toolCallFields is a realistic tools/call record whose result text is
// about textBytes long, with newlines, quotes and non-ASCII text.
func toolCallFields(textBytes int) []field {
	const para = "Résumé of the page: the \"quick\" brown fox — jumps over the lazy dog.\n" +
		"Zürich, 東京, naïve café; see <https://example.com/a?b=c&d=e> for the rest.\n"
	text := strings.Repeat(para, textBytes/len(para)+1)
	text = text[:textBytes]
	text = strings.ToValidUTF8(text, "") // the cut may split a rune
	res, err := stdjson.Marshal(text)
	if err != nil {
		panic(err)
	}
	return []field{
		{"@timestamp", `"2026-11-20T14:02:31.870Z"`},
		{"event.id", `"01JD8Z4K9Q4M6V2T7R1XH0A5B3"`},
		{"event.kind", `"event"`},
		{"event.category", `["api"]`},
		{"event.type", `["access"]`},
		{"event.action", `"tools/call"`},
		{"event.outcome", `"success"`},
		{"event.provider", `"agentgateway"`},
		{"event.dataset", `"mcp.audit"`},
		{"event.duration", `612000000`},
		{"organization.id", `"acme"`},
		{"user.id", `"auth0|a11ce"`},
		{"user.email", `"alice@acme.com"`},
		{"source.ip", `"10.4.7.21"`},
		{"gen_ai.operation.name", `"execute_tool"`},
		{"gen_ai.tool.name", `"fetch"`},
		{"gen_ai.tool.call.id", `"toolu_01QxYz"`},
		{"gen_ai.tool.call.arguments", `{"url":"https://docs.example.com/guide","max_length":5000,"raw":false}`},
		{"gen_ai.conversation.id", `"conv_7f3a"`},
		{"mcp.method.name", `"tools/call"`},
		{"mcp.session.id", `"eyJ0IjoibWNwIn0"`},
		{"mcp.protocol.version", `"2025-11-25"`},
		{"mcp.client.name", `"claude-code"`},
		{"mcp.client.version", `"2.1.190"`},
		{"mcp.server.name", `"fetch"`},
		{"mcp.server.version", `"1.2.0"`},
		{"mcp.server.transport", `"stdio"`},
		{"mcp.result.is_error", `false`},
		{"mcp.result.bytes", `5121`},
		{"mcp.result.text", string(res)},
		{"mcp.auth.method", `"oauth2"`},
		{"mcp.auth.subject", `"a11ce"`},
		{"mcp.auth.scopes", `["read"]`},
		{"mcp.approval.decision", `"auto_allow"`},
		{"mcp.approval.source", `"user_permanent"`},
		{"mcp.data.trust", `"untrusted"`},
		{"jsonrpc.request.id", `"7"`},
		{"trace.id", `"0af7651916cd43dd8448eb211c80319c"`},
		{"labels", `{"gateway":"gw-eu-1","env":"prod"}`},
	}
}

// BenchmarkDecode measures Decode on realistic tools/call records: nested,
// of about 1.5 KB and 4 KB, flat (dotted names, the slow path) and with a
// member the Event does not have (the fast path refused), with
// encoding/json and goccy's plain Unmarshal decoding the same 1.5 KB record
// into the Event for comparison.
func BenchmarkDecode(b *testing.B) {
	small, large := toolCallFields(360), toolCallFields(2612)
	decode := func(data []byte, ev *Event) error { return DecodeInto(ev, data, Limits{}) }
	cases := []struct {
		name   string
		data   []byte
		decode func([]byte, *Event) error
	}{
		{"size=1.5KB", nested(small), decode},
		{"size=4KB", nested(large), decode},
		{"flat", flat(small), decode},
		// A member the Event does not have, last: the fast path refuses the
		// record at its end, and the full path decodes it again.
		{"unknown-member", nested(append(small, field{"vendor.trace_flags", `{"sampled":true}`})), decode},
		{"encoding-json/size=1.5KB", nested(small), func(data []byte, ev *Event) error {
			*ev = Event{}
			return stdjson.Unmarshal(data, ev)
		}},
		// goccy's Unmarshal alone, without the checks, the dotted names
		// and the unmarshalers of Decode: the anchor of
		// research/performance-anchors.md 2.1.
		{"goccy-unmarshal/size=1.5KB", nested(small), func(data []byte, ev *Event) error {
			*ev = Event{}
			return goccy.Unmarshal(data, ev)
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var ev Event
			if err := c.decode(c.data, &ev); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.decode(c.data, &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// demoEvents returns the events of the demo traffic between 1 and 4 KiB, as
// BenchmarkEngine of package detect reads them.
func demoEvents(b *testing.B) [][]byte {
	b.Helper()
	out, err := testevents.Lines("../../testdata/events/demo.jsonl", 1024, 4096)
	if err != nil || len(out) == 0 {
		b.Skip("no 1-4 KiB events in the demo traffic:", err)
	}
	return out
}

// BenchmarkDecodeDemo measures DecodeInto over the demo traffic's 1-4 KiB
// events, the mix BenchmarkEngine/decode of package detect decodes, without
// building the rule pack.
func BenchmarkDecodeDemo(b *testing.B) {
	benchDemo(b, func(ev *Event, data []byte) error { return DecodeInto(ev, data, Limits{}) })
}

// benchDemo runs decode over the demo traffic's 1-4 KiB events.
func benchDemo(b *testing.B, decode func(*Event, []byte) error) {
	raw := demoEvents(b)
	var size int
	for _, r := range raw {
		size += len(r)
	}
	b.SetBytes(int64(size / len(raw)))
	b.ReportAllocs()
	var ev Event
	for i := 0; b.Loop(); i++ {
		if err := decode(&ev, raw[i%len(raw)]); err != nil {
			b.Fatal(err)
		}
	}
}

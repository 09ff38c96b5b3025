package event

import "testing"

// BenchmarkDecoder measures a Decoder on the records of BenchmarkDecode:
// a stream of one record, decoded again and again. Compare with
// BenchmarkDecode: the names of the sub-benchmarks are the same.
func BenchmarkDecoder(b *testing.B) {
	small, large := toolCallFields(360), toolCallFields(2612)
	cases := []struct {
		name string
		data []byte
	}{
		{"size=1.5KB", nested(small)},
		{"size=4KB", nested(large)},
		{"flat", flat(small)},
		{"unknown-member", nested(append(small, field{"vendor.trace_flags", `{"sampled":true}`}))},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			d := NewDecoder(Limits{})
			var ev Event
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := d.DecodeInto(&ev, c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecoderDemo is BenchmarkDecodeDemo with a Decoder.
func BenchmarkDecoderDemo(b *testing.B) {
	benchDemo(b, NewDecoder(Limits{}).DecodeInto)
}

package ingest

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readAll(t *testing.T, s Source) []Record {
	t.Helper()
	var out []Record
	for {
		rec, ack, err := s.Read(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := ack(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

func TestFileSource(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name  string
		input string
		max   int
		want  []string
	}{
		{"lines", "{\"a\":1}\n{\"b\":2}\n", 0, []string{`{"a":1}`, `{"b":2}`}},
		{"no final newline", "a\nb", 0, []string{"a", "b"}},
		{"blank lines and CRLF", "a\r\n\n  \r\nb\r\n", 0, []string{"a", "b"}},
		{"oversized line is cut to max+1", "a\n" + long + "\nb\n", 10, []string{"a", long[:11], "b"}},
		{"oversized last line", long, 10, []string{long[:11]}},
		{"empty", "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewReaderSource("test", strings.NewReader(tt.input))
			s.MaxLineBytes = tt.max
			recs := readAll(t, s)
			if len(recs) != len(tt.want) {
				t.Fatalf("got %d records, want %d", len(recs), len(tt.want))
			}
			for i, r := range recs {
				if string(r.Value) != tt.want[i] {
					t.Errorf("record %d = %q, want %q", i, r.Value, tt.want[i])
				}
				if r.Offset != int64(i) || !strings.HasPrefix(r.Origin, "test:") {
					t.Errorf("record %d offset = %d", i, r.Offset)
				}
			}
		})
	}
}

func TestFileSourceSmallBuffer(t *testing.T) {
	// Lines longer than the bufio buffer must come through whole.
	line := strings.Repeat("y", 600<<10)
	s := NewReaderSource("big", strings.NewReader(line+"\nz\n"))
	s.MaxLineBytes = 1 << 20
	recs := readAll(t, s)
	if len(recs) != 2 || len(recs[0].Value) != len(line) || string(recs[1].Value) != "z" {
		t.Fatalf("got %d records (first %d bytes)", len(recs), len(recs[0].Value))
	}
}

func TestFileSourceSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	os.WriteFile(a, []byte("1\n2\n"), 0o600)
	os.WriteFile(b, []byte("3\n"), 0o600)
	recs := readAll(t, NewFileSource(a, b))
	if len(recs) != 3 || recs[2].Origin != b+":1" || recs[2].Offset != 2 {
		t.Fatalf("got %+v", recs)
	}
	_, _, err := NewFileSource(filepath.Join(dir, "missing")).Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Read of a missing file = %v", err)
	}
}

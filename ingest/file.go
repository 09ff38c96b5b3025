package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
)

// FileSource reads NDJSON records (one event per line) from files or
// standard input, one after the other, as a single ordered stream:
// topic "" and partition 0 for every input, offsets counting records from 0
// across all inputs, Origin the input's name and line. Blank lines are skipped. A line longer than MaxLineBytes is
// delivered cut to MaxLineBytes+1 bytes, so that the decoder refuses it as
// oversized, and the rest of the line is skipped without being buffered.
//
// Acknowledgements do nothing: a file is read again from its start.
type FileSource struct {
	// MaxLineBytes bounds the bytes kept of one line; default 1 MiB.
	MaxLineBytes int

	mu     sync.Mutex
	inputs []input
	cur    int
	r      *bufio.Reader
	closer io.Closer
	offset int64
	line   int64
	closed bool
}

type input struct {
	name string
	open func() (io.ReadCloser, error)
}

// NewFileSource returns a source over paths; "-" reads stdin.
func NewFileSource(paths ...string) *FileSource {
	s := &FileSource{}
	for _, p := range paths {
		if p == "-" {
			s.inputs = append(s.inputs, input{name: "stdin", open: func() (io.ReadCloser, error) { return io.NopCloser(os.Stdin), nil }})
			continue
		}
		s.inputs = append(s.inputs, input{name: p, open: func() (io.ReadCloser, error) { return os.Open(p) }})
	}
	return s
}

// NewReaderSource returns a source over one reader, named name.
func NewReaderSource(name string, r io.Reader) *FileSource {
	return &FileSource{inputs: []input{{name: name, open: func() (io.ReadCloser, error) { return io.NopCloser(r), nil }}}}
}

func nopAck(context.Context, error) error { return nil }

// Read returns the next non-blank line. It returns io.EOF after the last
// input.
func (s *FileSource) Read(ctx context.Context) (Record, AckFunc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	max := s.MaxLineBytes
	if max <= 0 {
		max = 1 << 20
	}
	for {
		if err := ctx.Err(); err != nil {
			return Record{}, nil, err
		}
		if s.closed {
			return Record{}, nil, io.EOF
		}
		if s.r == nil {
			if s.cur >= len(s.inputs) {
				return Record{}, nil, io.EOF
			}
			rc, err := s.inputs[s.cur].open()
			if err != nil {
				return Record{}, nil, fmt.Errorf("opening %s: %w", s.inputs[s.cur].name, err)
			}
			s.r, s.closer, s.line = bufio.NewReaderSize(rc, 256<<10), rc, 0
		}
		value, err := readLine(s.r, max)
		if len(value) > 0 || err == nil {
			s.line++
		}
		if v := bytes.TrimSpace(value); len(v) > 0 {
			rec := Record{Offset: s.offset, Value: v, Origin: s.inputs[s.cur].name + ":" + strconv.FormatInt(s.line, 10)}
			s.offset++
			return rec, nopAck, nil
		}
		if err == io.EOF {
			s.closer.Close()
			s.r, s.closer = nil, nil
			s.cur++
			continue
		}
		if err != nil {
			return Record{}, nil, fmt.Errorf("reading %s line %d: %w", s.inputs[s.cur].name, s.line+1, err)
		}
	}
}

// readLine reads one line without its newline, keeping at most max+1 bytes
// of it and discarding the rest.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if room := max + 1 - len(line); room > 0 {
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		return line, err
	}
}

// Close stops the source.
func (s *FileSource) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.closer != nil {
		s.closer.Close()
		s.r, s.closer = nil, nil
	}
	return nil
}

package testevents

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
)

// Lines returns the non-empty lines of the NDJSON file at path, trimmed of
// spaces, whose length is within [minBytes, maxBytes] (maxBytes <= 0: no
// upper bound), each in its own slice. Lines may be up to 1 MiB long.
func Lines(path string, minBytes, maxBytes int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || len(line) < minBytes || maxBytes > 0 && len(line) > maxBytes {
			continue
		}
		out = append(out, bytes.Clone(line))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return out, nil
}

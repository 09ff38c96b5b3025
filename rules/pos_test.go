package rules

import (
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// encodeScalar writes a one-key document whose value is s, in the given
// style (yaml.v3 picks another when s cannot be written in it).
func encodeScalar(t testing.TB, s string, style yaml.Style, indent int) []byte {
	t.Helper()
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "rules"},
		{Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "condition"},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: style},
		}}}},
	}}
	var out []byte
	buf := &byteWriter{&out}
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(indent)
	if err := enc.Encode(doc); err != nil {
		t.Skipf("encoding %q: %v", s, err)
	}
	enc.Close()
	return out
}

type byteWriter struct{ b *[]byte }

func (w *byteWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}

// checkPositions checks that posIn maps each character of the decoded value
// of the scalar to that same character in the file (or to the backslash of
// its escape), in order.
func checkPositions(t *testing.T, data []byte) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("decoding %q: %v", data, err)
	}
	n := doc.Content[0].Content[1].Content[0].Content[1]
	f := newSrcFile("f.yaml", data)
	prev := Pos{Line: 0}
	k := 0
	for _, d := range n.Value {
		pos := f.posIn(n, k)
		k++
		if pos.Line < prev.Line || pos.Line == prev.Line && pos.Column < prev.Column {
			t.Fatalf("value %q (style %v): position of character %d (%s) before the previous one (%s)\n%s", n.Value, n.Style, k-1, pos, prev, data)
		}
		prev = pos
		if d == ' ' || d == '\n' || d == '\t' {
			continue // folded or indentation whitespace maps loosely
		}
		off := f.offset(pos.Line, pos.Column)
		if off < 0 {
			t.Fatalf("value %q: position %s of character %d is outside the file\n%s", n.Value, pos, k-1, data)
		}
		r, _ := utf8.DecodeRune(data[off:])
		ok := r == d ||
			n.Style&yaml.DoubleQuotedStyle != 0 && r == '\\' ||
			d == utf8.RuneError
		if !ok {
			t.Fatalf("value %q (style %v): character %d %q maps to %s, which holds %q\n%s", n.Value, n.Style, k-1, d, pos, r, data)
		}
	}
}

func TestPosIn(t *testing.T) {
	values := []string{
		`mcp.method.name == "tools/call" && mcp.sever.name == "y"`,
		`a == 'it\'s' && b == "say \"hi\"" && c matches "\\d+\\|x"`,
		"line one &&\nline two &&\n  more indented\nlast",
		"ünïcödé == \"日本語\" && 🎉 == x",
		"tab\there",
		"trailing space \nnext",
		"control \x01 char and \u2028 separator",
		"a\n\nb after a blank line",
		"  leading spaces",
		"# not a comment: x && y #z",
		"key: value && - dash",
		"'single' and ''double single''",
		"very long " + string(make([]byte, 0)) + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb cccccccccccccccccccccccccccccccccccc",
	}
	styles := []struct {
		name  string
		style yaml.Style
	}{
		{"plain", 0},
		{"double", yaml.DoubleQuotedStyle},
		{"single", yaml.SingleQuotedStyle},
		{"literal", yaml.LiteralStyle},
		{"folded", yaml.FoldedStyle},
	}
	for _, st := range styles {
		for _, indent := range []int{2, 4} {
			for _, v := range values {
				t.Run(st.name, func(t *testing.T) {
					checkPositions(t, encodeScalar(t, v, st.style, indent))
				})
			}
		}
	}
}

func TestPosInHandWritten(t *testing.T) {
	// Files as people write them, with the position of the marker X.
	tests := []struct {
		name string
		src  string
		want string // line:col of the X in the value
	}{
		{"plain", "rules:\n  - condition: a && X\n", "2:21"},
		{"double escapes", "rules:\n  - condition: \"a == \\\"\\u00e9\\\" && X\"\n", "2:36"},
		{"double line continuation", "rules:\n  - condition: \"a &&\\\n      X\"\n", "3:7"},
		{"single", "rules:\n  - condition: 'a == ''b'' && X'\n", "2:31"},
		{"literal", "rules:\n  - condition: |\n      a\n      && X\n", "4:10"},
		{"literal with indicator and comment", "rules:\n  - condition: |2-  # comment\n      a\n       && X\n", "4:11"},
		{"folded", "rules:\n  - condition: >\n      a &&\n      b &&\n\n      X\n", "6:7"},
		{"folded more indented", "rules:\n  - condition: >\n      a\n        b\n      X\n", "5:7"},
		{"plain multi-line", "rules:\n  - condition: a\n      &&   X\n", "3:12"},
		{"crlf", "rules:\r\n  - condition: >\r\n      a &&\r\n      X\r\n", "4:7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.src), &doc); err != nil {
				t.Fatal(err)
			}
			n := doc.Content[0].Content[1].Content[0].Content[1]
			k := 0
			for _, r := range n.Value {
				if r == 'X' {
					break
				}
				k++
			}
			pos := newSrcFile("f", []byte(tt.src)).posIn(n, k)
			if got := pos.String(); got != "f:"+tt.want {
				t.Errorf("value %q: X at %s, want f:%s", n.Value, got, tt.want)
			}
		})
	}
}

func FuzzPosIn(f *testing.F) {
	f.Add("a && b", uint8(0))
	f.Add("a\n  b\n\nc", uint8(3))
	f.Add("\"q\" \\ 'x'", uint8(1))
	f.Fuzz(func(t *testing.T, s string, style uint8) {
		if !utf8.ValidString(s) {
			return
		}
		styles := []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle}
		data := encodeScalar(t, s, styles[int(style)%len(styles)], 2)
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return
		}
		checkPositions(t, data)
		n := doc.Content[0].Content[1].Content[0].Content[1]
		f := newSrcFile("f", data)
		for k := -1; k <= utf8.RuneCountInString(n.Value)+1; k++ {
			pos := f.posIn(n, k)
			if pos.Line < 1 || pos.Column < 1 {
				t.Fatalf("posIn(%d) = %s", k, pos)
			}
		}
	})
}

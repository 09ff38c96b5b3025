package rules

import (
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// srcFile is a rule file being loaded: its name in positions, its bytes, and
// where each line starts, to map positions inside YAML scalars back to the
// file.
type srcFile struct {
	name  string
	data  []byte
	lines []int // byte offset of the start of each line; lines[0] == 0
}

func newSrcFile(name string, data []byte) *srcFile {
	f := &srcFile{name: name, data: data, lines: []int{0}}
	for i, c := range data {
		if c == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

// pos is the position of a YAML node: the first character of a key or value,
// the opening quote of a quoted scalar, the indicator of a block scalar.
func (f *srcFile) pos(n *yaml.Node) Pos {
	return Pos{File: f.name, Line: n.Line, Column: n.Column}
}

// offset returns the byte offset of line:col (1-based, col counting
// characters as YAML does), or -1 if the file has no such place.
func (f *srcFile) offset(line, col int) int {
	if line < 1 || line > len(f.lines) || col < 1 {
		return -1
	}
	p := f.lines[line-1]
	for c := 1; c < col; c++ {
		if p >= len(f.data) || f.data[p] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRune(f.data[p:])
		p += size
	}
	return p
}

// posIn maps off, a character (rune) offset into the decoded value of the
// scalar n, to its position in the file. The decoded value differs from the
// file's text by the quotes, the escapes (a backslash sequence, a doubled
// single quote), the indentation of block scalars and the folding of line
// breaks into spaces; posIn walks the raw text and the value side by side,
// skipping whitespace the decoding dropped and treating escapes as one
// character. When the two cannot be
// aligned it returns the best position found so far, at worst the scalar's
// own position.
func (f *srcFile) posIn(n *yaml.Node, off int) Pos {
	base := f.pos(n)
	p := f.offset(n.Line, n.Column)
	if p < 0 || off < 0 {
		return base
	}
	line, col := n.Line, n.Column
	var quote byte
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		quote = '"'
	case n.Style&yaml.SingleQuotedStyle != 0:
		quote = '\''
	}
	if quote != 0 {
		if p >= len(f.data) || f.data[p] != quote {
			return base
		}
		p++
		col++
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		// The value starts on the line after the indicator (which may be
		// followed by a chomping or indentation indicator and a comment).
		for p < len(f.data) && f.data[p] != '\n' {
			p++
		}
		if p >= len(f.data) {
			return base
		}
		p++
		line++
		col = 1
	}
	here := func() Pos { return Pos{File: f.name, Line: line, Column: col} }
	advance := func(k int) {
		for i := 0; i < k && p < len(f.data); i++ {
			if f.data[p] == '\n' {
				line++
				col = 1
				p++
				continue
			}
			_, size := utf8.DecodeRune(f.data[p:])
			p += size
			col++
		}
	}
	k := 0
	for _, d := range n.Value {
	raw:
		for {
			if p >= len(f.data) {
				return here()
			}
			r, _ := utf8.DecodeRune(f.data[p:])
			switch {
			case quote == '"' && r == '\\':
				if p+1 < len(f.data) && (f.data[p+1] == '\n' || f.data[p+1] == '\r') {
					// An escaped line break: it and the next line's
					// indentation decode to nothing.
					advance(1)
					for p < len(f.data) && isSpace(f.data[p]) {
						advance(1)
					}
					continue
				}
				if k == off {
					return here()
				}
				advance(escapeLen(f.data[p:]))
				break raw
			case quote == '\'' && r == '\'' && p+1 < len(f.data) && f.data[p+1] == '\'':
				if k == off {
					return here()
				}
				advance(2)
				break raw
			case r == d:
				if k == off {
					return here()
				}
				advance(1)
				break raw
			case r < utf8.RuneSelf && isSpace(byte(r)):
				// Indentation, or a line break folded into d or dropped.
				advance(1)
				continue
			case d == ' ' || d == '\n' || d == '\t':
				// Whitespace made by folding, with no raw counterpart
				// left.
				if k == off {
					return here()
				}
				break raw
			default:
				return here()
			}
		}
		k++
	}
	return here()
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// escapeLen is the length in characters of the double-quoted escape
// sequence at the start of b (which starts with a backslash).
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 1
	}
	switch b[1] {
	case 'x':
		return 4
	case 'u':
		return 6
	case 'U':
		return 10
	}
	return 2
}

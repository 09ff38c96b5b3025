package rules

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr/vm"
	"github.com/mcpsoc/mcpsoc/ingest/event"
)

// MaxValueText is how many characters of one value a reason shows: values
// come from untrusted events.
const MaxValueText = 200

// templatePiece is a literal or the text of an expression of a template, as
// parsed, with the expression's character offset in the template.
type templatePiece struct {
	literal string
	expr    string
	isExpr  bool
	offset  int // character offset of expr in the template
}

// splitTemplate cuts a template into literals and {{ expression }} parts.
// A }} inside a quoted string of the expression does not close it. On error
// it returns the character offset of the problem.
func splitTemplate(s string) ([]templatePiece, int, error) {
	var out []templatePiece
	byteToRune := func(i int) int { return utf8.RuneCountInString(s[:i]) }
	i := 0
	for i < len(s) {
		j := strings.Index(s[i:], "{{")
		if j < 0 {
			out = append(out, templatePiece{literal: s[i:]})
			break
		}
		if j > 0 {
			out = append(out, templatePiece{literal: s[i : i+j]})
		}
		start := i + j + 2
		end := -1
		var quote byte
		for k := start; k < len(s); k++ {
			c := s[k]
			if quote != 0 {
				switch {
				case c == '\\' && quote != '`':
					k++
				case c == quote:
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' || c == '`' {
				quote = c
				continue
			}
			if c == '}' && k+1 < len(s) && s[k+1] == '}' {
				end = k
				break
			}
		}
		if end < 0 {
			return nil, byteToRune(i + j), errors.New("{{ is not closed with }}")
		}
		if strings.TrimSpace(s[start:end]) == "" {
			return nil, byteToRune(i + j), errors.New("empty {{ }}")
		}
		out = append(out, templatePiece{expr: s[start:end], isExpr: true, offset: byteToRune(start)})
		i = end + 2
	}
	return out, 0, nil
}

// Render renders the template for env with v. Values are written as text
// (strings as they are, lists joined with ", ", nil and "" as "-"), with
// control and invisible formatting characters escaped, each cut to
// MaxValueText characters. Rendering never fails: an expression that fails
// at run time renders as "?".
func (t *Template) Render(v *vm.VM, env *Env) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	for _, p := range t.Parts {
		if p.Expr == nil {
			b.WriteString(p.Literal)
			continue
		}
		var out any
		var err error
		if p.native != nil {
			out, err = p.native.evalAny(env)
		} else {
			out, err = v.Run(p.Expr, env)
		}
		if err != nil {
			b.WriteByte('?')
			continue
		}
		writeValue(&b, out)
	}
	return b.String()
}

// writeValue writes one rendered value, escaped and cut.
func writeValue(b *strings.Builder, v any) {
	w := &cutWriter{b: b, left: MaxValueText}
	w.value(v, 0)
	if w.cut {
		b.WriteString("…")
	}
}

// cutWriter writes escaped text until its budget of characters is spent.
type cutWriter struct {
	b    *strings.Builder
	left int
	cut  bool
}

func (w *cutWriter) value(v any, depth int) {
	if w.cut {
		return
	}
	switch x := v.(type) {
	case nil:
		w.text("-")
	case string:
		if x == "" {
			w.text("-")
			return
		}
		w.text(x)
	case []string:
		w.list(v, len(x), func(i int) any { return x[i] }, depth)
	case event.Strings:
		w.list(v, len(x), func(i int) any { return x[i] }, depth)
	case []any:
		w.list(v, len(x), func(i int) any { return x[i] }, depth)
	case time.Time:
		if x.IsZero() {
			w.text("-")
			return
		}
		w.text(x.UTC().Format(time.RFC3339Nano))
	case float64:
		w.text(formatFloat(x))
	case bool:
		w.text(strconv.FormatBool(x))
	case int:
		w.text(strconv.Itoa(x))
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.String && rv.Len() == 0 {
			w.text("-")
			return
		}
		w.text(keyText(v))
	}
}

// list writes the elements of a list joined with ", "; a list inside a
// list is written as JSON.
func (w *cutWriter) list(v any, n int, at func(int) any, depth int) {
	if depth > 0 {
		w.text(canonicalJSON(v))
		return
	}
	if n == 0 {
		w.text("-")
		return
	}
	for i := 0; i < n && !w.cut; i++ {
		if i > 0 {
			w.text(", ")
		}
		w.value(at(i), depth+1)
	}
}

// text writes s with control characters, invisible formatting characters
// (zero-width, bidi controls, tags) and line separators escaped.
func (w *cutWriter) text(s string) {
	for _, r := range s {
		if w.left <= 0 {
			w.cut = true
			return
		}
		var esc string
		switch {
		case r == '\n':
			esc = `\n`
		case r == '\r':
			esc = `\r`
		case r == '\t':
			esc = `\t`
		case r < 0x20 || r == 0x7f:
			esc = `\x` + hex2(byte(r))
		case r == utf8.RuneError:
			esc = "\uFFFD"
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			if r > 0xFFFF {
				esc = `\U` + strconv.FormatInt(int64(r)+1<<32, 16)[1:]
			} else {
				esc = `\u` + strconv.FormatInt(int64(r)+1<<16, 16)[1:]
			}
		}
		if esc == "" {
			w.b.WriteRune(r)
			w.left--
			continue
		}
		n := utf8.RuneCountInString(esc)
		if n > w.left {
			w.cut = true
			return
		}
		w.b.WriteString(esc)
		w.left -= n
	}
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

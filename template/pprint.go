package template

import (
	"reflect"
	"strings"
)

// pformat is Python's pprint.pformat(v) (width 80, indent 1, dicts sorted by key),
// which Django's pprint filter returns: the repr, broken over lines when it is
// wider than 80 characters.
func pformat(v reflect.Value) string {
	var b strings.Builder
	pp := prettyPrinter{width: 80}
	pp.format(&b, v, 0, 0, 0)
	return b.String()
}

type prettyPrinter struct{ width int }

// repr is pprint's _safe_repr: repr, but with every dict's keys sorted.
func (pp prettyPrinter) repr(v reflect.Value) string { return string(appendSortedRepr(nil, v, 0)) }

func appendSortedRepr(b []byte, v reflect.Value, depth int) []byte {
	v = unwrapIface(v)
	if m, ok := asMapping(v); ok && depth <= maxValueDepth {
		keys := append([]reflect.Value(nil), m.keys...)
		sortValues(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendSortedRepr(b, k, depth+1)
			b = append(b, ": "...)
			val, _ := m.get(k)
			b = appendSortedRepr(b, val, depth+1)
		}
		return append(b, '}')
	}
	if v.IsValid() && (v.Kind() == reflect.Slice || v.Kind() == reflect.Array) && v.Type() != timeType && depth <= maxValueDepth {
		if !isDictView(v.Type()) {
			open, close := "[", "]"
			if isTuple(v) {
				open, close = "(", ")"
			}
			b = append(b, open...)
			for i := 0; i < v.Len(); i++ {
				if i > 0 {
					b = append(b, ", "...)
				}
				b = appendSortedRepr(b, v.Index(i), depth+1)
			}
			if isTuple(v) && v.Len() == 1 {
				b = append(b, ',')
			}
			return append(b, close...)
		}
	}
	return appendStr(b, v, true)
}

func (pp prettyPrinter) format(b *strings.Builder, v reflect.Value, indent, allowance, level int) {
	v = unwrapIface(v)
	rep := pp.repr(v)
	if level > maxValueDepth || runeLen(rep) <= pp.width-indent-allowance || !v.IsValid() {
		b.WriteString(rep)
		return
	}
	m, isMapping := asMapping(v)
	switch {
	case isMapping:
		// pformat sorts a dict's keys, whatever their order.
		b.WriteByte('{')
		keys := append([]reflect.Value(nil), m.keys...)
		sortValues(keys)
		indent++
		for i, k := range keys {
			last := i == len(keys)-1
			kr := pp.repr(k)
			b.WriteString(kr)
			b.WriteString(": ")
			a := 1
			if last {
				a = allowance + 1
			}
			val, _ := m.get(k)
			pp.format(b, val, indent+runeLen(kr)+2, a, level+1)
			if !last {
				b.WriteString(",\n" + strings.Repeat(" ", indent))
			}
		}
		b.WriteByte('}')
	case isTuple(v):
		end := ")"
		if v.Len() == 1 {
			end = ",)"
		}
		b.WriteByte('(')
		pp.items(b, v, indent, allowance+len(end), level)
		b.WriteString(end)
	case (v.Kind() == reflect.Slice || v.Kind() == reflect.Array) && !isDictView(v.Type()):
		b.WriteByte('[')
		pp.items(b, v, indent, allowance+1, level)
		b.WriteByte(']')
	case v.Kind() == reflect.String && !isLazyText(v):
		pp.str(b, v.String(), indent, allowance, level+1)
	default:
		b.WriteString(rep)
	}
}

func (pp prettyPrinter) items(b *strings.Builder, v reflect.Value, indent, allowance, level int) {
	indent++
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
		a := 1
		if i == v.Len()-1 {
			a = allowance
		}
		pp.format(b, v.Index(i), indent, a, level+1)
	}
}

// str breaks a long string into the repr of chunks: at line ends, then between
// words, parenthesised at the top level.
func (pp prettyPrinter) str(b *strings.Builder, s string, indent, allowance, level int) {
	lines := pySplitLines(s)
	if level == 1 {
		indent++
		allowance++
	}
	maxWidth1, maxWidth := pp.width-indent, pp.width-indent
	var chunks []string
	rep := ""
	for i, line := range lines {
		rep = string(appendPyRepr(nil, line))
		if i == len(lines)-1 {
			maxWidth1 -= allowance
		}
		if runeLen(rep) <= maxWidth1 {
			chunks = append(chunks, rep)
			continue
		}
		parts := wordsWithSpaces(line)
		maxWidth2 := maxWidth
		current := ""
		for j, part := range parts {
			candidate := current + part
			if j == len(parts)-1 && i == len(lines)-1 {
				maxWidth2 -= allowance
			}
			if runeLen(string(appendPyRepr(nil, candidate))) > maxWidth2 {
				if current != "" {
					chunks = append(chunks, string(appendPyRepr(nil, current)))
				}
				current = part
			} else {
				current = candidate
			}
		}
		if current != "" {
			chunks = append(chunks, string(appendPyRepr(nil, current)))
		}
	}
	if len(chunks) == 1 {
		b.WriteString(rep)
		return
	}
	if level == 1 {
		b.WriteByte('(')
	}
	for i, c := range chunks {
		if i > 0 {
			b.WriteString("\n" + strings.Repeat(" ", indent))
		}
		b.WriteString(c)
	}
	if level == 1 {
		b.WriteByte(')')
	}
}

// wordsWithSpaces is re.findall(r'\S*\s*', s) without the final empty match: runs
// of non-space followed by their spaces.
func wordsWithSpaces(s string) []string {
	var parts []string
	for len(s) > 0 {
		i := strings.IndexFunc(s, isPySpace)
		if i < 0 {
			parts = append(parts, s)
			break
		}
		j := strings.IndexFunc(s[i:], func(r rune) bool { return !isPySpace(r) })
		if j < 0 {
			parts = append(parts, s)
			break
		}
		parts = append(parts, s[:i+j])
		s = s[i+j:]
	}
	return parts
}

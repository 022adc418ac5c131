package i18n

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Format writes the file in gettext's .po syntax: each entry's comments (translator
// "# ", extracted "#. ", references "#: ", flags "#, ", previous "#| "), then its
// keywords; obsolete entries as "#~" lines. Strings with newlines are split after
// each one, as gettext does; lines are not wrapped otherwise.
func (f *PO) Format() []byte {
	var b bytes.Buffer
	for i, m := range f.Messages {
		if i > 0 {
			b.WriteByte('\n')
		}
		for _, c := range m.Comments {
			if c == "" {
				b.WriteString("#\n")
			} else {
				b.WriteString("# " + c + "\n")
			}
		}
		for _, c := range m.Extracted {
			b.WriteString("#. " + c + "\n")
		}
		for _, r := range m.References {
			b.WriteString("#: " + r + "\n")
		}
		if len(m.Flags) > 0 {
			b.WriteString("#, " + strings.Join(m.Flags, ", ") + "\n")
		}
		prefix := ""
		if m.Obsolete {
			prefix = "#~ "
		}
		for _, p := range m.Previous {
			if strings.HasPrefix(p, "~|") {
				b.WriteString("#~| " + strings.TrimPrefix(strings.TrimPrefix(p, "~|"), " ") + "\n")
			} else {
				b.WriteString("#| " + p + "\n")
			}
		}
		if m.HasContext {
			writeKeyword(&b, prefix, "msgctxt", m.Context)
		}
		writeKeyword(&b, prefix, "msgid", m.ID)
		if m.IDPlural != "" {
			writeKeyword(&b, prefix, "msgid_plural", m.IDPlural)
			for j, s := range m.Str {
				writeKeyword(&b, prefix, "msgstr["+strconv.Itoa(j)+"]", s)
			}
		} else {
			s := ""
			if len(m.Str) > 0 {
				s = m.Str[0]
			}
			writeKeyword(&b, prefix, "msgstr", s)
		}
	}
	return b.Bytes()
}

func writeKeyword(b *bytes.Buffer, prefix, kw, s string) {
	b.WriteString(prefix + kw + " ")
	// Like gettext: a string with a newline before its end is split after each one.
	if nl := strings.Index(s, "\n"); nl < 0 || nl == len(s)-1 {
		b.WriteString(quotePO(s) + "\n")
		return
	}
	b.WriteString("\"\"\n")
	for s != "" {
		line := s
		if i := strings.Index(s, "\n"); i >= 0 {
			line = s[:i+1]
		}
		s = s[len(line):]
		b.WriteString(prefix + quotePO(line) + "\n")
	}
}

// quotePO quotes s as a C string the way gettext writes them.
func quotePO(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\v':
			b.WriteString(`\v`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(&b, "\\%03o", c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

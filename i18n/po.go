package i18n

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message is one entry of a .po file: a msgid (with its context and plural, if
// any), its translations and the comments around it.
type Message struct {
	// Context is the msgctxt; HasContext tells msgctxt "" apart from none.
	Context    string
	HasContext bool
	// ID is the msgid and IDPlural the msgid_plural ("" when the message has no
	// plural).
	ID       string
	IDPlural string
	// Str holds the msgstr, or msgstr[0], msgstr[1]... for a plural message.
	Str []string
	// Comments are the translator comments ("# ..."), Extracted the comments for
	// translators from the source ("#. ..."), References the source locations
	// ("#: file:line", one entry per line) and Flags the "#," flags (fuzzy,
	// python-format...). Previous holds "#| ..." lines as they are.
	Comments   []string
	Extracted  []string
	References []string
	Flags      []string
	Previous   []string
	// Obsolete marks an entry kept in "#~" lines: no longer in the source, kept so a
	// translation is not lost.
	Obsolete bool
	// Line is the line of the entry's msgid in the file (1-based).
	Line int
}

// Plural reports whether the message has plural forms.
func (m *Message) Plural() bool { return m.IDPlural != "" || len(m.Str) > 1 }

// Fuzzy reports whether the entry is flagged fuzzy (a guess that needs review):
// compilemessages leaves fuzzy entries out.
func (m *Message) Fuzzy() bool { return m.HasFlag("fuzzy") }

// HasFlag reports whether the entry carries the "#," flag.
func (m *Message) HasFlag(flag string) bool {
	for _, f := range m.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// Key returns the key the message is stored under in a .mo file: the msgid, after
// the context and a byte 4 when it has one.
func (m *Message) Key() string { return messageKey(m.HasContext, m.Context, m.ID) }

func messageKey(hasCtx bool, ctx, id string) string {
	if hasCtx {
		return ctx + "\x04" + id
	}
	return id
}

// Translated reports whether every msgstr is non-empty.
func (m *Message) Translated() bool {
	if len(m.Str) == 0 {
		return false
	}
	for _, s := range m.Str {
		if s == "" {
			return false
		}
	}
	return true
}

// PO is a parsed gettext .po file. The header is the message with an empty msgid
// and no context (see Header).
type PO struct {
	// Name is the file name given to ParsePO, used in errors.
	Name     string
	Messages []*Message
}

// Header returns the header entry, or nil when the file has none.
func (f *PO) Header() *Message {
	for _, m := range f.Messages {
		if m.ID == "" && !m.HasContext && !m.Obsolete {
			return m
		}
	}
	return nil
}

// HeaderField returns the value of a header field ("Plural-Forms",
// "Content-Type"...), "" when absent.
func (f *PO) HeaderField(name string) string {
	h := f.Header()
	if h == nil || len(h.Str) == 0 {
		return ""
	}
	return headerField(h.Str[0], name)
}

func headerField(header, name string) string {
	for _, line := range strings.Split(header, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// SyntaxError is a problem in a .po or .mo file, with where it is.
type SyntaxError struct {
	File string // the name given to the parser
	Line int    // 1-based line in a .po file; 0 for a .mo file
	Msg  string
}

// Error implements error, as "file:line: message".
func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ParsePO parses the text of a .po file; name is used in errors. The file must be
// UTF-8 (the Content-Type header may say ASCII or UTF-8, or keep the template's
// "CHARSET"). Malformed input is a *SyntaxError naming the line.
func ParsePO(name string, data []byte) (*PO, error) {
	p := &poParser{name: name, f: &PO{Name: name}, seen: map[string]int{}}
	if err := p.parse(data); err != nil {
		return nil, err
	}
	if cs := charsetOf(p.f.HeaderField("Content-Type")); cs != "" {
		switch strings.ToUpper(cs) {
		case "UTF-8", "UTF8", "ASCII", "US-ASCII", "CHARSET":
		default:
			return nil, &SyntaxError{File: name, Line: p.f.Header().Line, Msg: fmt.Sprintf("charset %q is not supported: convert the file to UTF-8 (msgconv -t UTF-8) and say so in its Content-Type", cs)}
		}
	}
	return p.f, nil
}

func charsetOf(contentType string) string {
	_, cs, ok := strings.Cut(contentType, "charset=")
	if !ok {
		return ""
	}
	return strings.TrimSpace(strings.Split(cs, ";")[0])
}

type poParser struct {
	name string
	f    *PO
	seen map[string]int // key -> line, to refuse duplicates
	line int

	cur *Message
	// field is the string the continuation lines append to.
	field *string
	// section is the last keyword, for ordering checks.
	section string
}

func (p *poParser) errorf(format string, args ...any) error {
	return &SyntaxError{File: p.name, Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

// pending holds comments read before the entry they belong to.
type pending struct {
	comments, extracted, refs, flags, prev []string
	any                                    bool
}

func (p *poParser) parse(data []byte) error {
	if !utf8.Valid(data) {
		// Find the line for the message.
		for i, l := range bytes.Split(data, []byte("\n")) {
			if !utf8.Valid(l) {
				p.line = i + 1
				break
			}
		}
		return p.errorf("invalid UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var pend pending
	lines := strings.Split(string(data), "\n")
	for i, raw := range lines {
		p.line = i + 1
		line := strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" {
			continue
		}
		obsolete := false
		if strings.HasPrefix(trimmed, "#~") {
			obsolete = true
			trimmed = strings.TrimLeft(trimmed[2:], " \t")
			if strings.HasPrefix(trimmed, "|") { // "#~|" previous msgid of an obsolete entry
				pend.prev = append(pend.prev, "~"+trimmed)
				pend.any = true
				continue
			}
			if trimmed == "" {
				continue
			}
		} else if trimmed[0] == '#' {
			if err := p.finishIfComplete(); err != nil {
				return err
			}
			rest := trimmed[1:]
			kind := byte(' ')
			if rest != "" {
				kind = rest[0]
			}
			switch kind {
			case '.':
				pend.extracted = append(pend.extracted, strings.TrimPrefix(rest[1:], " "))
			case ':':
				pend.refs = append(pend.refs, strings.TrimSpace(rest[1:]))
			case ',':
				for _, fl := range strings.Split(rest[1:], ",") {
					if fl = strings.TrimSpace(fl); fl != "" {
						pend.flags = append(pend.flags, fl)
					}
				}
			case '|':
				pend.prev = append(pend.prev, strings.TrimPrefix(rest[1:], " "))
			default:
				pend.comments = append(pend.comments, strings.TrimPrefix(rest, " "))
			}
			pend.any = true
			continue
		}
		if err := p.keywordLine(trimmed, obsolete, &pend); err != nil {
			return err
		}
	}
	p.line = len(lines)
	if err := p.finish(); err != nil {
		return err
	}
	return nil
}

// finishIfComplete ends the current entry when a comment starts a new one.
func (p *poParser) finishIfComplete() error {
	if p.cur != nil && len(p.cur.Str) > 0 {
		return p.finish()
	}
	return nil
}

func (p *poParser) keywordLine(s string, obsolete bool, pend *pending) error {
	if s[0] == '"' {
		if p.field == nil {
			return p.errorf("a string with no msgid, msgstr or msgctxt before it")
		}
		v, err := p.unquote(s)
		if err != nil {
			return err
		}
		*p.field += v
		return nil
	}
	kw, rest, _ := strings.Cut(s, " ")
	if i := strings.IndexAny(s, " \t\""); i > 0 {
		kw, rest = s[:i], s[i:]
	}
	rest = strings.TrimLeft(rest, " \t")
	v, err := p.unquote(rest)
	if err != nil {
		return err
	}
	startEntry := func() error {
		if err := p.finish(); err != nil {
			return err
		}
		p.cur = &Message{Obsolete: obsolete, Comments: pend.comments, Extracted: pend.extracted,
			References: pend.refs, Flags: pend.flags, Previous: pend.prev, Line: p.line}
		*pend = pending{}
		return nil
	}
	switch {
	case kw == "msgctxt":
		if err := startEntry(); err != nil {
			return err
		}
		p.cur.Context, p.cur.HasContext = v, true
		p.field, p.section = &p.cur.Context, kw
	case kw == "msgid":
		if p.cur == nil || p.section != "msgctxt" {
			if err := startEntry(); err != nil {
				return err
			}
		}
		p.cur.ID, p.cur.Line = v, p.line
		p.field, p.section = &p.cur.ID, kw
	case kw == "msgid_plural":
		if p.cur == nil || p.section != "msgid" {
			return p.errorf("msgid_plural must follow a msgid")
		}
		p.cur.IDPlural = v
		p.field, p.section = &p.cur.IDPlural, kw
	case kw == "msgstr":
		if p.cur == nil || (p.section != "msgid" && p.section != "msgid_plural") {
			return p.errorf("msgstr must follow a msgid")
		}
		if p.cur.IDPlural != "" {
			return p.errorf("a message with msgid_plural needs msgstr[0], msgstr[1]... instead of msgstr")
		}
		p.cur.Str = []string{v}
		p.field, p.section = &p.cur.Str[0], kw
	case strings.HasPrefix(kw, "msgstr[") && strings.HasSuffix(kw, "]"):
		idx, err := strconv.Atoi(kw[len("msgstr[") : len(kw)-1])
		if err != nil || idx < 0 {
			return p.errorf("bad plural index in %s", kw)
		}
		if p.cur == nil || (p.section != "msgid_plural" && p.section != "msgstr[]") {
			return p.errorf("%s must follow a msgid_plural", kw)
		}
		if idx != len(p.cur.Str) {
			return p.errorf("%s out of order: want msgstr[%d]", kw, len(p.cur.Str))
		}
		p.cur.Str = append(p.cur.Str, v)
		p.field, p.section = &p.cur.Str[idx], "msgstr[]"
	default:
		return p.errorf("unknown keyword %q", kw)
	}
	return nil
}

// finish ends the current entry and adds it to the file.
func (p *poParser) finish() error {
	m := p.cur
	p.cur, p.field, p.section = nil, nil, ""
	if m == nil {
		return nil
	}
	if len(m.Str) == 0 {
		line := p.line
		p.line = m.Line
		defer func() { p.line = line }()
		return p.errorf("msgid %q has no msgstr", truncate(m.ID))
	}
	// Plural entries are stored with the plural forms; an entry with msgid_plural is
	// complete once it has msgstr[0].
	if !m.Obsolete {
		k := m.Key()
		if prev, dup := p.seen[k]; dup {
			return &SyntaxError{File: p.name, Line: m.Line, Msg: fmt.Sprintf("duplicate message %q (first defined on line %d)", truncate(m.ID), prev)}
		}
		p.seen[k] = m.Line
	}
	p.f.Messages = append(p.f.Messages, m)
	return nil
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// unquote decodes a C string as gettext writes them: "..." with \n \t \r \a \b \f
// \v \\ \" \' \? \ooo and \xHH escapes.
func (p *poParser) unquote(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' {
		return "", p.errorf("want a quoted string, got %q", truncate(s))
	}
	var b strings.Builder
	i := 1
	for ; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", p.errorf("string ends in a backslash")
		}
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '\\', '"', '\'', '?':
			b.WriteByte(e)
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && isHex(s[j]) {
				j++
			}
			if j == i+1 {
				return "", p.errorf(`\x with no hex digits`)
			}
			v, _ := strconv.ParseUint(s[i+1:j], 16, 8)
			b.WriteByte(byte(v))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 16)
			if v > 255 {
				return "", p.errorf(`octal escape \%s out of range`, s[i:j])
			}
			b.WriteByte(byte(v))
			i = j - 1
		default:
			return "", p.errorf(`unknown escape \%c`, e)
		}
	}
	if i >= len(s) {
		return "", p.errorf("unterminated string")
	}
	if rest := strings.TrimSpace(s[i+1:]); rest != "" {
		return "", p.errorf("unexpected %q after the string", truncate(rest))
	}
	out := b.String()
	if !utf8.ValidString(out) {
		return "", p.errorf("escapes make invalid UTF-8")
	}
	return out, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// SortByKey sorts non-obsolete messages by (context, msgid), the header first, then
// the obsolete ones in the same order.
func (f *PO) SortByKey() {
	sort.SliceStable(f.Messages, func(i, j int) bool {
		a, b := f.Messages[i], f.Messages[j]
		if a.Obsolete != b.Obsolete {
			return !a.Obsolete
		}
		return a.Key() < b.Key()
	})
}

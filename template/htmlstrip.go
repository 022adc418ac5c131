package template

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// stripTags is Django's strip_tags: the text that Python's html.parser.HTMLParser
// (with convert_charrefs off, as Django's MLStripper uses it) reports as data, with
// entity and character references kept as written, repeated while that removes
// something. Malformed markup therefore comes out as Django's does: "a < b" stays,
// an unclosed "<script>" swallows the rest, "&#" without a number stops the parse.
func stripTags(value string) (string, error) {
	if err := checkLongOpenTags(value); err != nil {
		return "", err
	}
	for depth := 0; strings.Contains(value, "<") && strings.Contains(value, ">"); depth++ {
		if depth >= 50 {
			return "", errSuspicious
		}
		next, err := stripOnce(value)
		if err != nil {
			return "", err
		}
		if strings.Count(value, "<") == strings.Count(next, "<") {
			break
		}
		value = next
	}
	return value, nil
}

var errSuspicious = errors.New("striptags: suspicious input (tags nested too deeply)")

// checkLongOpenTags is Django's guard against "<a" followed by a thousand characters
// without ">" that contain fifty "<".
func checkLongOpenTags(s string) error {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return nil
		}
		i += j
		if i+1 < len(s) && isASCIILetter(s[i+1]) {
			end := i + 2
			for end < len(s) && s[end] != '>' {
				end++
			}
			if utf8.RuneCountInString(s[i+2:end]) >= 1000 && strings.Count(s[i:end], "<") >= 50 {
				return errSuspicious
			}
			i = end
			continue
		}
		i++
	}
	return nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func stripOnce(s string) (string, error) {
	p := &htmlParser{raw: s}
	if err := p.goahead(false); err != nil {
		return "", err
	}
	if err := p.goahead(true); err != nil {
		return "", err
	}
	return p.out.String(), nil
}

// htmlParser is the part of Python 3.11's html.parser.HTMLParser that strip_tags
// depends on: it collects data and references and drops markup.
type htmlParser struct {
	raw       string
	cdataElem string // "script" or "style" while inside one
	out       strings.Builder
}

var errMarkedSection = errors.New("striptags: unknown status keyword in marked section")

// goahead is HTMLParser.goahead: it handles as much of the buffer as it can and
// keeps the rest; at the end (close) it handles everything.
func (p *htmlParser) goahead(end bool) error {
	raw := p.raw
	i, n := 0, len(raw)
	for i < n {
		var j int
		if p.cdataElem != "" {
			j = findCDATAEnd(raw, i, p.cdataElem)
			if j < 0 {
				break
			}
		} else {
			j = strings.IndexAny(raw[i:], "<&")
			if j < 0 {
				j = n
			} else {
				j += i
			}
		}
		if i < j {
			p.out.WriteString(raw[i:j])
		}
		i = j
		if i == n {
			break
		}
		switch {
		case raw[i] == '<':
			var k int
			var err error
			switch {
			case i+1 < n && isASCIILetter(raw[i+1]):
				k = p.parseStartTag(i)
			case strings.HasPrefix(raw[i:], "</"):
				k = p.parseEndTag(i)
			case strings.HasPrefix(raw[i:], "<!--"):
				k = parseComment(raw, i)
			case strings.HasPrefix(raw[i:], "<?"):
				k = indexFrom(raw, ">", i+2)
				if k >= 0 {
					k++
				}
			case strings.HasPrefix(raw[i:], "<!"):
				if k, err = parseDeclaration(raw, i); err != nil {
					return err
				}
			case i+1 < n:
				p.out.WriteByte('<')
				k = i + 1
			default:
				goto done
			}
			if k < 0 {
				if !end {
					goto done
				}
				k = indexFrom(raw, ">", i+1)
				if k < 0 {
					k = indexFrom(raw, "<", i+1)
					if k < 0 {
						k = i + 1
					}
				} else {
					k++
				}
				p.out.WriteString(raw[i:k])
			}
			i = k
		case strings.HasPrefix(raw[i:], "&#"):
			if k := matchCharref(raw, i); k > 0 {
				name := raw[i+2 : k-1]
				p.out.WriteString("&#" + name + ";")
				if raw[k-1] != ';' {
					k--
				}
				i = k
				continue
			}
			if strings.Contains(raw[i:], ";") {
				p.out.WriteString(raw[i : i+2])
				i += 2
			}
			goto done
		default: // '&'
			if k := matchEntityref(raw, i); k > 0 {
				p.out.WriteString("&" + raw[i+1:k-1] + ";")
				if raw[k-1] != ';' {
					k--
				}
				i = k
				continue
			}
			if i+1 < n && (isASCIILetter(raw[i+1]) || raw[i+1] == '#') {
				// incomplete: at the very end of the input the '&' is dropped
				if end && i+2 == n {
					i++
				}
				goto done
			} else if i+1 < n {
				p.out.WriteByte('&')
				i++
			} else {
				goto done
			}
		}
	}
done:
	if end && i < n && p.cdataElem == "" {
		p.out.WriteString(raw[i:n])
		i = n
	}
	p.raw = raw[i:]
	return nil
}

func indexFrom(s, sub string, from int) int {
	if from > len(s) {
		return -1
	}
	j := strings.Index(s[from:], sub)
	if j < 0 {
		return -1
	}
	return from + j
}

// skipPySpace returns the index after the Unicode whitespace starting at i.
func skipPySpace(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isPySpace(r) {
			break
		}
		i += size
	}
	return i
}

func isPySpaceAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isPySpace(r)
}

// findCDATAEnd finds `</\s*name\s*>` (in any case) at or after i, where script
// or style content ends.
func findCDATAEnd(s string, i int, name string) int {
	for {
		j := indexFrom(s, "</", i)
		if j < 0 {
			return -1
		}
		q := skipPySpace(s, j+2)
		if len(s)-q >= len(name) && strings.EqualFold(s[q:q+len(name)], name) {
			if r := skipPySpace(s, q+len(name)); r < len(s) && s[r] == '>' {
				return j
			}
		}
		i = j + 2
	}
}

// matchEndTagName reports whether `</\s*[a-zA-Z]` starts at j.
func matchEndTagName(s string, j int) int {
	q := skipPySpace(s, j+2)
	if q < len(s) && isASCIILetter(s[q]) {
		return q
	}
	return -1
}

// matchCharref matches `&#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F]` at i and returns
// its end.
func matchCharref(s string, i int) int {
	j := i + 2
	if j < len(s) && (s[j] == 'x' || s[j] == 'X') {
		start := j + 1
		j = start
		for j < len(s) && isHexDigit(s[j]) {
			j++
		}
		if j == start {
			return -1
		}
	} else {
		start := j
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == start {
			return -1
		}
		// [0-9]+ backtracks into hex digits only if the next char is one, which
		// [^0-9a-fA-F] then refuses anyway.
	}
	if j >= len(s) || isHexDigit(s[j]) {
		return -1
	}
	_, size := utf8.DecodeRuneInString(s[j:])
	return j + size
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// matchEntityref matches `&([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9]` at i and returns
// its end.
func matchEntityref(s string, i int) int {
	j := i + 1
	if j >= len(s) || !isASCIILetter(s[j]) {
		return -1
	}
	j++
	for j < len(s) && (isASCIILetter(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '-' || s[j] == '.') {
		j++
	}
	if j >= len(s) {
		return -1
	}
	_, size := utf8.DecodeRuneInString(s[j:])
	return j + size
}

// parseComment finds the end of `<!--` ... `--\s*>`, or -1.
func parseComment(s string, i int) int {
	for j := i + 4; ; {
		k := indexFrom(s, "--", j)
		if k < 0 {
			return -1
		}
		q := skipPySpace(s, k+2)
		if q < len(s) && s[q] == '>' {
			return q + 1
		}
		j = k + 1
	}
}

// parseDeclaration is HTMLParser.parse_html_declaration for `<!`: comments, marked
// sections, doctype, and bogus comments.
func parseDeclaration(s string, i int) (int, error) {
	switch {
	case strings.HasPrefix(s[i:], "<!--"):
		return parseComment(s, i), nil
	case strings.HasPrefix(s[i:], "<!["):
		return parseMarkedSection(s, i)
	case len(s)-i >= 9 && strings.EqualFold(s[i:i+9], "<!doctype"):
		k := indexFrom(s, ">", i+9)
		if k < 0 {
			return -1, nil
		}
		return k + 1, nil
	}
	k := indexFrom(s, ">", i+2)
	if k < 0 {
		return -1, nil
	}
	return k + 1, nil
}

// parseMarkedSection is _markupbase's parse_marked_section: `<![name ... ]]>` for
// the SGML keywords, `<![if ...]>` for Microsoft's. Another keyword (or none) is an
// AssertionError in Python, which stops the render.
func parseMarkedSection(s string, i int) (int, error) {
	j := i + 3
	if j == len(s) {
		return -1, nil
	}
	if !isASCIILetter(s[j]) {
		return 0, errMarkedSection
	}
	k := j + 1
	for k < len(s) && (isASCIILetter(s[k]) || s[k] >= '0' && s[k] <= '9' || strings.IndexByte("-_.", s[k]) >= 0) {
		k++
	}
	name := strings.ToLower(s[j:k])
	if skipPySpace(s, k) == len(s) {
		return -1, nil
	}
	var closers []string
	switch name {
	case "temp", "cdata", "ignore", "include", "rcdata":
		closers = []string{"]", "]", ">"}
	case "if", "else", "endif":
		closers = []string{"]", ">"}
	default:
		return 0, errMarkedSection
	}
	// search for closers[0] \s* closers[1] [\s* closers[2]] from i+3
	for start := i + 3; ; {
		m := indexFrom(s, "]", start)
		if m < 0 {
			return -1, nil
		}
		q := m + 1
		ok := true
		for _, c := range closers[1:] {
			q = skipPySpace(s, q)
			if q >= len(s) || s[q] != c[0] {
				ok = false
				break
			}
			q++
		}
		if ok {
			return q, nil
		}
		start = m + 1
	}
}

// parseStartTag is HTMLParser.parse_starttag: the end of a complete start tag (or -1
// when it is incomplete). A script or style start tag switches to CDATA content.
func (p *htmlParser) parseStartTag(i int) int {
	s := p.raw
	endpos := p.checkForWholeStartTag(i)
	if endpos < 0 {
		return endpos
	}
	// tagfind_tolerant: the name, then whitespace and slashes not before '>'.
	k := i + 1
	for k < len(s) && strings.IndexByte("\t\n\r\f />\x00", s[k]) < 0 {
		k++
	}
	tag := strings.ToLower(s[i+1 : k])
	k = skipSeparators(s, k)
	for k < endpos {
		m, ok := scanAttr(s, k)
		if !ok {
			break
		}
		k = skipSeparators(s, m)
	}
	end := pyStrip(s[min(k, endpos):endpos])
	if end != ">" && end != "/>" {
		p.out.WriteString(s[i:endpos])
		return endpos
	}
	if end != "/>" && (tag == "script" || tag == "style") {
		p.cdataElem = tag
	}
	return endpos
}

// skipSeparators consumes `(?:\s|/(?!>))*`.
func skipSeparators(s string, k int) int {
	for k < len(s) {
		if isPySpaceAt(s, k) {
			k = skipPySpace(s, k)
			continue
		}
		if s[k] == '/' && !(k+1 < len(s) && s[k+1] == '>') {
			k++
			continue
		}
		break
	}
	return k
}

// scanAttr matches one attribute at k: a name (preceded by a quote, whitespace or
// '/'), optionally = and a quoted or bare value.
func scanAttr(s string, k int) (int, bool) {
	if k == 0 || k >= len(s) {
		return k, false
	}
	prev, _ := utf8.DecodeLastRuneInString(s[:k])
	if !(prev == '\'' || prev == '"' || prev == '/' || isPySpace(prev)) {
		return k, false
	}
	if isPySpaceAt(s, k) || s[k] == '/' || s[k] == '>' {
		return k, false
	}
	_, size := utf8.DecodeRuneInString(s[k:])
	q := k + size
	for q < len(s) && !isPySpaceAt(s, q) && strings.IndexByte("/=>", s[q]) < 0 {
		_, size := utf8.DecodeRuneInString(s[q:])
		q += size
	}
	// (?:\s*=+\s*(value)\s*)?
	r := skipPySpace(s, q)
	if r < len(s) && s[r] == '=' {
		for r < len(s) && s[r] == '=' {
			r++
		}
		r = skipPySpace(s, r)
		switch {
		case r < len(s) && (s[r] == '\'' || s[r] == '"'):
			if e := indexFrom(s, s[r:r+1], r+1); e >= 0 {
				return skipPySpace(s, e+1), true
			}
		default:
			for r < len(s) && s[r] != '>' && !isPySpaceAt(s, r) {
				_, size := utf8.DecodeRuneInString(s[r:])
				r += size
			}
			return skipPySpace(s, r), true
		}
	}
	return q, true
}

// checkForWholeStartTag is HTMLParser.check_for_whole_start_tag with the
// locatestarttagend_tolerant pattern written out.
func (p *htmlParser) checkForWholeStartTag(i int) int {
	s := p.raw
	j := i + 2
	for j < len(s) && strings.IndexByte("\t\n\r\f />\x00", s[j]) < 0 {
		j++
	}
	// (?:[\s/]*(?:attribute ... (?:\s|/(?!>))*)*)?
	q := j
	for q < len(s) && (s[q] == '/' || isPySpaceAt(s, q)) {
		if s[q] == '/' {
			q++
		} else {
			q = skipPySpace(s, q)
		}
	}
	for {
		m, ok := scanAttr(s, q)
		if !ok {
			break
		}
		q = skipSeparators(s, m)
	}
	j = skipPySpace(s, q)
	if j >= len(s) {
		return -1
	}
	switch c := s[j]; {
	case c == '>':
		return j + 1
	case c == '/':
		if strings.HasPrefix(s[j:], "/>") {
			return j + 2
		}
		return -1
	case isASCIILetter(c) || c == '=' || c == '/':
		return -1
	}
	if j > i {
		return j
	}
	return i + 1
}

// parseEndTag is HTMLParser.parse_endtag.
func (p *htmlParser) parseEndTag(i int) int {
	s := p.raw
	gt := indexFrom(s, ">", i+1)
	if gt < 0 {
		return -1
	}
	gtpos := gt + 1
	// endtagfind: </\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>
	name := ""
	if q := matchEndTagName(s, i); q > 0 {
		e := q + 1
		for e < len(s) && (isASCIILetter(s[e]) || s[e] >= '0' && s[e] <= '9' || strings.IndexByte("-.:_", s[e]) >= 0) {
			e++
		}
		if r := skipPySpace(s, e); r < len(s) && s[r] == '>' {
			name = strings.ToLower(s[q:e])
		}
	}
	if name == "" {
		if p.cdataElem != "" {
			p.out.WriteString(s[i:gtpos])
			return gtpos
		}
		// tagfind_tolerant at i+2: a letter starts the name.
		if i+2 >= len(s) || !isASCIILetter(s[i+2]) {
			if strings.HasPrefix(s[i:], "</>") {
				return i + 3
			}
			k := indexFrom(s, ">", i+2)
			if k < 0 {
				return -1
			}
			return k + 1
		}
		k := i + 2
		for k < len(s) && strings.IndexByte("\t\n\r\f />\x00", s[k]) < 0 {
			k++
		}
		k = skipSeparators(s, k)
		return indexFrom(s, ">", k) + 1
	}
	if p.cdataElem != "" {
		if name != p.cdataElem {
			p.out.WriteString(s[i:gtpos])
			return gtpos
		}
	}
	p.cdataElem = ""
	return gtpos
}

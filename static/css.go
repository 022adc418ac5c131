package static

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// cssRef is one reference to another file found in a style sheet: the URL text
// between start and end of the source (inside the quotes or parentheses).
type cssRef struct {
	start, end int
	line       int
	url        string
}

// maxCSSRefs bounds the references scanned in one style sheet, so a hostile file
// cannot make collectstatic build an enormous list.
const maxCSSRefs = 100_000

// cssRefs finds the references of a style sheet that collectstatic rewrites:
// url(...) values (quoted or not), @import "..." strings, and a
// /*# sourceMappingURL=... */ comment. Text inside other comments and strings is
// skipped, so a url( in a comment or in `content: "url(x)"` is left alone. URLs
// with CSS escapes are skipped rather than guessed at. The scan is linear and never
// fails: malformed CSS (an unterminated string or comment, a url( without ")")
// yields the references before the damage.
func cssRefs(src []byte) []cssRef {
	var refs []cssRef
	line := 1
	n := len(src)
	for i := 0; i < n && len(refs) < maxCSSRefs; {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '/' && i+1 < n && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			body := src[i+2:]
			next := n
			if end >= 0 {
				body = src[i+2 : i+2+end]
				next = i + 2 + end + 2
			}
			if r, ok := sourceMapRef(body, i+2, line); ok {
				refs = append(refs, r)
			}
			line += bytes.Count(body, []byte("\n"))
			i = next
		case c == '"' || c == '\'':
			j, _, nl := scanString(src, i)
			line += nl
			i = j
		case (c == 'u' || c == 'U') && hasFoldPrefix(src[i:], "url(") && !identByte(src, i-1):
			r, j, nl, ok := scanURL(src, i+4, line)
			if ok {
				refs = append(refs, r)
			}
			line += nl
			i = j
		case c == '@' && hasFoldPrefix(src[i:], "@import") && !identByte(src, i+7):
			j := skipSpace(src, i+7, &line)
			if j < n && (src[j] == '"' || src[j] == '\'') {
				k, ok, nl := scanString(src, j)
				if ok {
					if u := string(src[j+1 : k-1]); !strings.Contains(u, `\`) {
						refs = append(refs, cssRef{start: j + 1, end: k - 1, line: line, url: u})
					}
				}
				line += nl
				i = k
				continue
			}
			i = j // url(...) or garbage: the loop takes it from here
		default:
			i++
		}
	}
	return refs
}

// sourceMapRef reads "# sourceMappingURL=name" from a comment body starting at off.
func sourceMapRef(body []byte, off, line int) (cssRef, bool) {
	t := bytes.TrimLeft(body, " \t")
	lead := len(body) - len(t)
	const key = "# sourceMappingURL="
	if !bytes.HasPrefix(t, []byte(key)) {
		return cssRef{}, false
	}
	u := t[len(key):]
	if k := bytes.IndexAny(u, " \t\r\n"); k >= 0 {
		u = u[:k]
	}
	if len(u) == 0 || bytes.ContainsRune(u, '\\') {
		return cssRef{}, false
	}
	start := off + lead + len(key)
	return cssRef{start: start, end: start + len(u), line: line, url: string(u)}, true
}

// scanString scans the string starting with the quote at src[i] and returns the
// index after its closing quote, whether it was closed, and the newlines it held.
// A string ends at an unescaped newline, as in CSS.
func scanString(src []byte, i int) (next int, closed bool, newlines int) {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if j+1 < len(src) && src[j+1] == '\n' {
				newlines++
			}
			j++
		case '\n':
			return j, false, newlines
		case q:
			return j + 1, true, newlines
		}
	}
	return len(src), false, newlines
}

// scanURL reads the argument of url( starting at src[i] (just after the parenthesis).
func scanURL(src []byte, i, line int) (cssRef, int, int, bool) {
	nl := 0
	j := skipSpace(src, i, &nl)
	n := len(src)
	if j < n && (src[j] == '"' || src[j] == '\'') {
		k, closed, snl := scanString(src, j)
		nl += snl
		if !closed {
			return cssRef{}, k, nl, false
		}
		e := skipSpace(src, k, &nl)
		if e >= n || src[e] != ')' {
			return cssRef{}, e, nl, false
		}
		u := string(src[j+1 : k-1])
		if strings.Contains(u, `\`) {
			return cssRef{}, e + 1, nl, false
		}
		return cssRef{start: j + 1, end: k - 1, line: line, url: u}, e + 1, nl, true
	}
	start := j
	for j < n {
		switch c := src[j]; {
		case c == ')':
			u := string(bytes.TrimRight(src[start:j], " \t\r\n\f"))
			if u == "" {
				return cssRef{}, j + 1, nl, false
			}
			return cssRef{start: start, end: start + len(u), line: line, url: u}, j + 1, nl, true
		case c == '"' || c == '\'' || c == '(' || c == '\\' || c < 0x20 && !isSpace(c):
			return cssRef{}, j, nl, false // not a valid unquoted URL
		case isSpace(c):
			k := skipSpace(src, j, &nl)
			if k < n && src[k] == ')' {
				j = k
				continue
			}
			return cssRef{}, k, nl, false
		default:
			j++
		}
	}
	return cssRef{}, n, nl, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func skipSpace(src []byte, i int, line *int) int {
	for i < len(src) && isSpace(src[i]) {
		if src[i] == '\n' {
			*line++
		}
		i++
	}
	return i
}

// identByte reports whether src[i] continues an identifier (so "myurl(" is not url().
func identByte(src []byte, i int) bool {
	if i < 0 || i >= len(src) {
		return false
	}
	c := src[i]
	return c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func hasFoldPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// CSSReferenceError reports a style-sheet reference that collectstatic cannot
// rewrite: it names a file that is not among the static files, or leaves them.
type CSSReferenceError struct {
	// File is the style sheet and Line the line of the reference.
	File string
	Line int
	// URL is the reference as written.
	URL string
	// Msg says what is wrong with it.
	Msg string
}

func (e *CSSReferenceError) Error() string {
	return fmt.Sprintf("static: %s:%d: %s %s (fix the reference, add the file, or leave it out of collectstatic with --ignore)", e.File, e.Line, quoteName(e.URL), e.Msg)
}

// cssTarget returns the static file name a reference in the style sheet name points
// at, or "" for references collectstatic leaves alone: data: and other URLs with a
// scheme, protocol-relative and fragment-only URLs, absolute paths outside the
// static prefix.
func cssTarget(name string, r cssRef, prefix string) (string, error) {
	u := strings.TrimSpace(r.url)
	if u == "" || u[0] == '#' || strings.HasPrefix(u, "//") || hasScheme(u) {
		return "", nil
	}
	p := u
	if k := strings.IndexAny(p, "?#"); k >= 0 {
		p = p[:k]
	}
	if p == "" {
		return "", nil
	}
	dec, err := url.PathUnescape(p)
	if err != nil {
		return "", &CSSReferenceError{File: name, Line: r.line, URL: r.url, Msg: "is not a valid URL path"}
	}
	var target string
	if strings.HasPrefix(dec, "/") {
		if prefix == "" || !strings.HasPrefix(dec, prefix) {
			return "", nil // a path the static server does not serve: not ours to rewrite
		}
		target = strings.TrimPrefix(dec, prefix)
	} else {
		joined := path.Join(path.Dir(name), dec)
		if joined == ".." || strings.HasPrefix(joined, "../") {
			return "", &CSSReferenceError{File: name, Line: r.line, URL: r.url, Msg: "points outside the static files"}
		}
		target = joined
	}
	if c, err := clean("/" + target); err != nil || c != target || target == "" {
		return "", &CSSReferenceError{File: name, Line: r.line, URL: r.url, Msg: "does not name a static file"}
	}
	return target, nil
}

// hasScheme reports whether u starts with a URL scheme ("data:", "https:").
func hasScheme(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == ':':
			return i > 0
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return false
}

// hashedURL rewrites the reference u to point at the fingerprinted file: the last
// path segment gets the fingerprint before its extension, the directories, query
// and fragment stay as written.
func hashedURL(u, target, hashedTarget string) string {
	p, rest := u, ""
	if k := strings.IndexAny(u, "?#"); k >= 0 {
		p, rest = u[:k], u[k:]
	}
	dir, seg := path.Split(p)
	ext := path.Ext(target)
	fp := strings.TrimSuffix(path.Base(hashedTarget), ext)
	fp = fp[strings.LastIndexByte(fp, '.')+1:]
	if ext != "" && strings.HasSuffix(seg, ext) {
		seg = strings.TrimSuffix(seg, ext) + "." + fp + ext
	} else if ext == "" {
		seg += "." + fp
	} else {
		seg = url.PathEscape(path.Base(hashedTarget))
	}
	return dir + seg + rest
}

// rewriteCSS returns src with every reference to a static file replaced by its
// fingerprinted name from hashed (a file missing from it is a *CSSReferenceError).
func rewriteCSS(name string, src []byte, prefix string, hashed func(string) (string, bool)) ([]byte, error) {
	refs := cssRefs(src)
	if len(refs) == 0 {
		return src, nil
	}
	var out bytes.Buffer
	out.Grow(len(src) + 16*len(refs))
	last := 0
	for _, r := range refs {
		target, err := cssTarget(name, r, prefix)
		if err != nil {
			return nil, err
		}
		if target == "" {
			continue
		}
		h, ok := hashed(target)
		if !ok {
			return nil, &CSSReferenceError{File: name, Line: r.line, URL: r.url, Msg: fmt.Sprintf("refers to %s, which is not a static file", quoteName(target))}
		}
		out.Write(src[last:r.start])
		out.WriteString(hashedURL(strings.TrimSpace(r.url), target, h))
		last = r.end
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

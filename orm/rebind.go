package orm

import (
	"strconv"
	"strings"
)

// rebindDollar numbers the "?" parameter markers of a PostgreSQL statement as $1, $2...
//
// It reads the statement the way PostgreSQL's lexer does and leaves alone every "?"
// that is not a marker: inside '...' strings (a doubled quote is a quote), E'...' strings
// (where a backslash escapes the next character too), "..." identifiers, dollar-quoted
// strings ($$...$$, $tag$...$tag$), -- comments to the end of the line and /* */
// comments, which nest. It assumes standard_conforming_strings is on, the default
// since PostgreSQL 9.1.
//
// "??" stands for a literal "?", so the jsonb operators ?, ?| and ?& are written ??,
// ??| and ??&. A statement that already uses $1-style markers is returned unchanged
// (there, ? is PostgreSQL's own and is written as is). An unterminated string or
// comment runs to the end: PostgreSQL reports the syntax error.
func rebindDollar(q string) string {
	if strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	n := 0
	copied := 0 // q[:copied] is in b (or needs no change)
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '?':
			if b.Len() == 0 {
				b.Grow(len(q) + 16)
			}
			b.WriteString(q[copied:i])
			if i+1 < len(q) && q[i+1] == '?' {
				b.WriteByte('?')
				i += 2
			} else {
				n++
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
				i++
			}
			copied = i
		case c == '\'':
			i = skipQuoted(q, i+1, '\'', false)
		case c == '"':
			i = skipQuoted(q, i+1, '"', false)
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			i = skipLineComment(q, i+2)
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			i = skipBlockComment(q, i)
		case c == '$':
			if i+1 < len(q) && isDigit(q[i+1]) {
				return q // $1-style markers: the statement is PostgreSQL's own
			}
			i = skipDollarQuoted(q, i)
		case isIdentStart(c):
			// a keyword or identifier, which may contain $ (a$1 is a name, not a
			// marker); E'...' is an escape string
			j := i + 1
			for j < len(q) && (isIdentCont(q[j]) || q[j] == '$') {
				j++
			}
			if j == i+1 && (c == 'E' || c == 'e') && j < len(q) && q[j] == '\'' {
				i = skipQuoted(q, j+1, '\'', true)
			} else {
				i = j
			}
		default:
			i++
		}
	}
	if copied == 0 {
		return q
	}
	b.WriteString(q[copied:])
	return b.String()
}

// skipQuoted returns the index just past the closing quote of a string or quoted
// identifier whose body starts at i. A doubled quote is part of the body; with
// backslash, so is the character after a backslash.
func skipQuoted(q string, i int, quote byte, backslash bool) int {
	for i < len(q) {
		switch q[i] {
		case '\\':
			if backslash {
				i += 2
				continue
			}
		case quote:
			if i+1 < len(q) && q[i+1] == quote {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(q)
}

// skipLineComment returns the index of the newline ending a -- comment.
func skipLineComment(q string, i int) int {
	if j := strings.IndexAny(q[i:], "\n\r"); j >= 0 {
		return i + j
	}
	return len(q)
}

// skipBlockComment returns the index just past the */ that closes the /* at i,
// counting nested comments as PostgreSQL does.
func skipBlockComment(q string, i int) int {
	depth := 0
	for i+1 < len(q) {
		switch {
		case q[i] == '/' && q[i+1] == '*':
			depth++
			i += 2
		case q[i] == '*' && q[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(q)
}

// skipDollarQuoted returns the index just past a dollar-quoted string starting at i
// ($$...$$ or $tag$...$tag$), or i+1 when the $ does not open one.
func skipDollarQuoted(q string, i int) int {
	j := i + 1
	if j < len(q) && isIdentStart(q[j]) {
		for j++; j < len(q) && isIdentCont(q[j]); j++ {
		}
	}
	if j >= len(q) || q[j] != '$' {
		return i + 1
	}
	tag := q[i : j+1]
	end := strings.Index(q[j+1:], tag)
	if end < 0 {
		return len(q)
	}
	return j + 1 + end + len(tag)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isIdentStart reports whether c can begin a PostgreSQL identifier (bytes of multibyte
// UTF-8 characters count as letters, as in PostgreSQL's lexer).
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) }

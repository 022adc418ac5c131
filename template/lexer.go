package template

import (
	"strings"
	"unicode/utf8"
)

// tokenType is the kind of a lexed Token.
type tokenType uint8

const (
	tokenText tokenType = iota
	tokenVar
	tokenBlock
	tokenComment
)

// Token is one piece of template source: literal text, a {{ variable }}, a {% block %}
// tag or a {# comment #}. Contents holds the text between the delimiters, trimmed.
type Token struct {
	typ      tokenType
	Contents string
	Line     int // 1-based
	Column   int // 1-based, in bytes
	pos      int // byte offset of the Token in the source
	end      int // byte offset just past the Token
}

// IsText reports whether the token is literal text.
func (t *Token) IsText() bool { return t.typ == tokenText }

// IsVar reports whether the token is a {{ variable }}.
func (t *Token) IsVar() bool { return t.typ == tokenVar }

// IsBlock reports whether the token is a {% tag %}.
func (t *Token) IsBlock() bool { return t.typ == tokenBlock }

// SplitContents splits a tag's contents on whitespace, keeping quoted strings (and
// _("...") translations) together, like Django's Token.split_contents.
func (t *Token) SplitContents() []string { return smartSplit(t.Contents) }

// lex splits source into tokens the way Django's Lexer does: a tag starts with {{, {%
// or {# and ends at the first matching }}, %} or #} on the same line; anything else is
// text. Inside {% verbatim %} only the matching {% endverbatim %} is a tag.
func lex(src string) []Token {
	var toks []Token
	line, lineStart := 1, 0
	verbatim := ""
	textStart := 0
	i := 0
	advance := func(from, to int) {
		for j := from; j < to; j++ {
			if src[j] == '\n' {
				line++
				lineStart = j + 1
			}
		}
	}
	emitText := func(end int) {
		if end > textStart {
			toks = append(toks, Token{typ: tokenText, Contents: src[textStart:end], Line: line, Column: textStart - lineStart + 1, pos: textStart, end: end})
			advance(textStart, end)
		}
	}
	for i < len(src) {
		j := strings.IndexByte(src[i:], '{')
		if j < 0 {
			break
		}
		i += j
		if i+1 >= len(src) {
			break
		}
		var closer string
		switch src[i+1] {
		case '{':
			closer = "}}"
		case '%':
			closer = "%}"
		case '#':
			closer = "#}"
		default:
			i++
			continue
		}
		// The closer must be on the same line (Django's regexp uses '.', which does
		// not match a newline) and the match is non-greedy.
		rest := src[i+2:]
		nl := strings.IndexByte(rest, '\n')
		if nl >= 0 {
			rest = rest[:nl]
		}
		k := strings.Index(rest, closer)
		if k < 0 {
			i++
			continue
		}
		end := i + 2 + k + 2
		raw := src[i:end]
		inner := pyStrip(raw[2 : len(raw)-2])
		if verbatim != "" {
			if raw[1] != '%' || inner != verbatim {
				i = end
				continue
			}
			verbatim = ""
		}
		emitText(i)
		tok := Token{Line: line, Column: i - lineStart + 1, pos: i, end: end, Contents: inner}
		switch raw[1] {
		case '{':
			tok.typ = tokenVar
		case '%':
			tok.typ = tokenBlock
			if inner == "verbatim" || strings.HasPrefix(inner, "verbatim ") {
				verbatim = "end" + inner
			}
		case '#':
			tok.typ = tokenComment
			tok.Contents = ""
		}
		toks = append(toks, tok)
		i = end
		textStart = end
	}
	emitText(len(src))
	return toks
}

// smartSplit is Django's smart_split: words separated by whitespace, where a
// word may contain single- or double-quoted strings (with backslash escapes) that
// keep their spaces: `a="b c"` is one word. A word with an unterminated quote
// ends at the next whitespace.
func smartSplit(s string) []string {
	var out []string
	pos := 0
	for {
		pos = skipPySpace(s, pos)
		if pos >= len(s) {
			return out
		}
		start := pos
		end := -1
		p := plainRun(s, pos)
		for p < len(s) && (s[p] == '"' || s[p] == '\'') {
			q := closingQuote(s, p)
			if q < 0 {
				break
			}
			p = plainRun(s, q+1)
			end = p
		}
		if end < 0 {
			end = start
			for end < len(s) && !isPySpaceAt(s, end) {
				_, size := utf8.DecodeRuneInString(s[end:])
				end += size
			}
		}
		out = append(out, s[start:end])
		pos = end
	}
}

// plainRun skips characters that are neither whitespace nor quotes.
func plainRun(s string, i int) int {
	for i < len(s) && s[i] != '"' && s[i] != '\'' && !isPySpaceAt(s, i) {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// closingQuote returns the index of the quote closing the one at i (backslash
// escapes skipped), or -1.
func closingQuote(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j
		}
	}
	return -1
}

// Package xmltext writes text into XML documents that must be well-formed whatever
// the text holds: the feeds and sitemaps batteries stream their documents with it.
//
// XML 1.0 forbids most control characters even as character references, so text is
// not only escaped but cleaned: characters outside XML 1.0's Char production (C0
// controls other than tab, newline and carriage return, U+FFFE, U+FFFF), the C1
// controls the specification discourages, and bytes that are not UTF-8 are all
// dropped. (Invalid bytes are dropped rather than turned into U+FFFD because feed
// validators warn about U+FFFD and C1 characters as signs of a wrong encoding.) A
// title holding "\x00" or "\x1b[31m" still gives a document every parser accepts.
package xmltext

import (
	"unicode/utf8"
)

// allowed reports whether r may appear in an XML 1.0 document and is not a
// discouraged control character.
func allowed(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0x7f && r <= 0x9f:
		return false // DEL and the C1 controls: legal in XML 1.0 but discouraged, and no title needs them
	case r >= 0xd800 && r <= 0xdfff:
		return false
	case r == 0xfffe || r == 0xffff:
		return false
	}
	return r <= utf8.MaxRune
}

// AppendText appends s to dst as XML character data: &, < and > escaped, forbidden
// characters and invalid UTF-8 dropped.
func AppendText(dst []byte, s string) []byte { return appendEscaped(dst, s, false, false) }

// AppendTextHex is AppendText with &, < and > written as hexadecimal character
// references (&#x26; &#x3C; &#x3E;), as the RSS Advisory Board's profile asks of
// RSS text so that readers cannot mistake escaped text for markup.
func AppendTextHex(dst []byte, s string) []byte { return appendEscaped(dst, s, false, true) }

// AppendAttr appends s to dst as the value of a double-quoted attribute: like
// AppendText, and " escaped, tab, newline and carriage return as character
// references so that attribute value normalisation keeps them.
func AppendAttr(dst []byte, s string) []byte { return appendEscaped(dst, s, true, false) }

func appendEscaped(dst []byte, s string, attr, hex bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&' && hex:
				esc = "&#x26;"
			case c == '<' && hex:
				esc = "&#x3C;"
			case c == '>' && hex:
				esc = "&#x3E;"
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"' && attr:
				esc = "&quot;"
			case c == '\t' && attr:
				esc = "&#9;"
			case c == '\n' && attr:
				esc = "&#10;"
			case c == '\r':
				esc = "&#13;" // a raw CR would be normalised away by parsers
			case c < 0x20 && c != '\t' && c != '\n', c == 0x7f:
				esc = ""
			default:
				i++
				continue
			}
			dst = append(dst, s[last:i]...)
			dst = append(dst, esc...)
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !allowed(r) {
			dst = append(dst, s[last:i]...)
			i += size
			last = i
			continue
		}
		i += size
	}
	return append(dst, s[last:]...)
}

// Clean returns s with the characters XML 1.0 forbids, the discouraged C1
// controls and invalid UTF-8 removed, unescaped. It returns s
// itself when nothing needs to change.
func Clean(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
				return clean(s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !allowed(r) {
			return clean(s)
		}
		i += size
	}
	return s
}

func clean(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if (r != utf8.RuneError || size > 1) && allowed(r) {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

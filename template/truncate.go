package template

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Django's Truncator (3.2): the truncatechars and truncatewords filters and their
// _html forms.

// unicodeCombiningClass reports whether r has a non-zero canonical combining class
// (Python's unicodedata.combining), which is what makes it not count as a
// character when truncating.
func unicodeCombiningClass(r rune) uint8 {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return norm.NFD.PropertiesString(string(buf[:n])).CCC()
}

// truncateChars is Truncator(s).chars(length): the NFC text cut so that with the
// "…" it is at most length characters (combining characters not counted).
func truncateChars(s string, length int, html bool) string {
	text := norm.NFC.String(s)
	truncateLen := length - 1 // room for the "…"
	if html {
		return truncateHTML(text, length, "…", truncateLen, false)
	}
	count := 0
	end := -1
	for i, r := range text {
		if unicodeCombiningClass(r) != 0 {
			continue
		}
		count++
		if end < 0 && count > truncateLen {
			end = i
		}
		if count > length {
			if end < 0 {
				end = 0
			}
			return text[:end] + "…"
		}
	}
	return text
}

// truncateWords is Truncator(s).words(length): the first length words (Python's
// slice, so a negative length drops words from the end) and " …" when some were
// cut off.
func truncateWords(s string, length int, html bool) string {
	if html {
		if length <= 0 {
			return ""
		}
		return truncateHTML(s, length, " …", length, true)
	}
	words := pyFields(s)
	if len(words) > length {
		n := length
		if n < 0 {
			n = max(0, len(words)+n)
		}
		out := strings.Join(words[:n], " ")
		if strings.HasSuffix(out, " …") {
			return out
		}
		return out + " …"
	}
	return strings.Join(words, " ")
}

var (
	reHTMLChars = regexp.MustCompile(`(?s)<[^>]+?>|(.)`)
	reHTMLTag   = regexp.MustCompile(`(?s)^<(/)?([^` + pyWS + `]+?)(?:([` + pyWS + `]*/)|[` + pyWS + `].*?)?>`)
	reNotTag    = regexp.MustCompile(`[^<>` + pyWS + `]+`)
)

const maxLengthHTML = 5_000_000

var html4Singlets = map[string]bool{"br": true, "col": true, "link": true, "base": true, "img": true, "param": true, "area": true, "hr": true, "input": true}

// nextHTMLWord is Django's WordsRegex.search: the next word or tag at or after pos
// (start, end, and whether it is a word); ok is false at the end.
func nextHTMLWord(text string, pos int) (start, end int, word, ok bool) {
	for i := pos; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '<' {
			gt := strings.IndexByte(text[i+1:], '>')
			if gt < 0 {
				// "<" without ">": look for a word from just after pos.
				_, size := utf8.DecodeRuneInString(text[pos:])
				loc := reNotTag.FindStringIndex(text[pos+size:])
				if loc == nil {
					return 0, 0, false, false
				}
				return pos + size + loc[0], pos + size + loc[1], true, true
			}
			return i, i + 1 + gt + 1, false, true
		}
		if r != '>' && !isPySpace(r) {
			loc := reNotTag.FindStringIndex(text[i:])
			return i, i + loc[1], true, true
		}
		i += size
	}
	return 0, 0, false, false
}

// truncateHTML is Django's Truncator._truncate_html: count characters (or words)
// outside tags up to length, remember the tags left open before the cut, and
// close them after the truncation text.
func truncateHTML(text string, length int, truncate string, truncateLen int, words bool) string {
	sizeLimited := false
	if utf8.RuneCountInString(text) > maxLengthHTML {
		text = string([]rune(text)[:maxLengthHTML])
		sizeLimited = true
	}
	pos, endTextPos, cur := 0, 0, 0
	var open []string
	for cur <= length {
		var start, end int
		var isWord bool
		if words {
			var ok bool
			if start, end, isWord, ok = nextHTMLWord(text, pos); !ok {
				break
			}
		} else {
			m := reHTMLChars.FindStringSubmatchIndex(text[pos:])
			if m == nil {
				break
			}
			start, end, isWord = pos+m[0], pos+m[1], m[2] >= 0
		}
		pos = end
		if isWord {
			cur++
			if cur == truncateLen {
				endTextPos = pos
			}
			continue
		}
		tm := reHTMLTag.FindStringSubmatch(text[start:end])
		if tm == nil || cur >= truncateLen {
			continue
		}
		closing, name, selfClosing := tm[1] != "", strings.ToLower(tm[2]), tm[3] != ""
		switch {
		case selfClosing || html4Singlets[name]:
		case closing:
			if len(open) > 0 && open[0] == name {
				open = open[1:]
			}
		default:
			open = append([]string{name}, open...)
		}
	}
	if cur <= length {
		if sizeLimited {
			text += truncate
		}
		return text
	}
	out := text[:endTextPos] + truncate
	for _, t := range open {
		out += "</" + t + ">"
	}
	return out
}

package template

import (
	"html"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Django's urlize: URLs and e-mail addresses in text become links, as
// django.utils.html.urlize (3.2) finds and quotes them.

// pyWS is Python's \s (Unicode whitespace) as a regexp character class body.
const pyWS = `\t\n\v\f\r\x1c-\x20\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

// pyWord is Python's \w for str patterns.
const pyWord = `\p{L}\p{N}_`

var (
	wordSplitRe  = regexp.MustCompile(`[` + pyWS + `<>"']+`)
	simpleURLRe  = regexp.MustCompile(`(?i)^https?://\[?[` + pyWord + `]`)
	simpleURL2Re = regexp.MustCompile(`(?i)^www\.|^[` + pyWord + `][^@]+\.(?:com|edu|gov|int|mil|net|org)(?:$|/.*$)`)
)

// noLimit is urlize's trim limit when link text is not trimmed.
const noLimit = -1 << 31

// urlize turns URLs and e-mail addresses in text into links (Django's urlize with
// nofollow). limit is urlizetrunc's length, or noLimit. Words of a safe input are
// not escaped.
func urlize(text string, limit int, autoescape, safeInput bool) string {
	var b strings.Builder
	words := splitKeepSep(text)
	plain := func(w string) string {
		if !safeInput && autoescape {
			return escapeString(w)
		}
		return w
	}
	for _, w := range words {
		if !strings.ContainsAny(w, ".@:") {
			b.WriteString(plain(w))
			continue
		}
		lead, middle, trail := trimPunctuation(w)
		href, nofollow := "", ` rel="nofollow"`
		short := utf8.RuneCountInString(middle) <= 2048
		switch {
		case short && simpleURLRe.MatchString(middle):
			href = smartURLQuote(html.UnescapeString(middle))
		case short && simpleURL2Re.MatchString(middle) && !strings.HasPrefix(strings.ToLower(middle), "http"):
			href = smartURLQuote("http://" + html.UnescapeString(middle))
		case !strings.Contains(middle, ":") && isEmailSimple(middle):
			at := strings.LastIndexByte(middle, '@')
			domain, err := idnaEncode(middle[at+1:])
			if err != nil {
				b.WriteString(w) // Django leaves the word as it is, unescaped
				continue
			}
			href, nofollow = "mailto:"+middle[:at]+"@"+domain, ""
		}
		if href == "" {
			b.WriteString(plain(w))
			continue
		}
		trimmed := middle
		if limit != noLimit && utf8.RuneCountInString(middle) > limit {
			trimmed = string([]rune(middle)[:max(0, limit-1)]) + "…"
		}
		if autoescape && !safeInput {
			lead, trail, trimmed = escapeString(lead), escapeString(trail), escapeString(trimmed)
		}
		b.WriteString(lead)
		b.WriteString(`<a href="`)
		b.WriteString(escapeString(href))
		b.WriteString(`"` + nofollow + `>`)
		b.WriteString(trimmed)
		b.WriteString("</a>")
		b.WriteString(trail)
	}
	return b.String()
}

// isEmailSimple is urlize's test for an e-mail address: one @ in the middle and a
// domain of at most 63 characters with a dot, not at its start.
func isEmailSimple(v string) bool {
	if strings.Count(v, "@") != 1 || strings.HasPrefix(v, "@") || strings.HasSuffix(v, "@") {
		return false
	}
	_, domain, _ := strings.Cut(v, "@")
	return utf8.RuneCountInString(domain) <= 63 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".")
}

// splitKeepSep is re.split with a capturing group: words and the runs of
// whitespace, < > " and ' between them.
func splitKeepSep(s string) []string {
	var out []string
	last := 0
	for _, m := range wordSplitRe.FindAllStringIndex(s, -1) {
		out = append(out, s[last:m[0]], s[m[0]:m[1]])
		last = m[1]
	}
	return append(out, s[last:])
}

// trimPunctuation splits wrapping and trailing punctuation off a word, as Django
// 3.2's urlize does — including its way of measuring the trailing punctuation on
// the unescaped word, which can cut an entity at the end in two.
func trimPunctuation(w string) (lead, middle, trail string) {
	middle = w
	for changed := true; changed; {
		changed = false
		for _, p := range [][2]string{{"(", ")"}, {"[", "]"}} {
			if strings.HasPrefix(middle, p[0]) {
				middle = middle[1:]
				lead += p[0]
				changed = true
			}
			if strings.HasSuffix(middle, p[1]) && strings.Count(middle, p[1]) == strings.Count(middle, p[0])+1 {
				middle = middle[:len(middle)-1]
				trail = p[1] + trail
				changed = true
			}
		}
		unescaped := []rune(html.UnescapeString(middle))
		stripped := len([]rune(strings.TrimRight(string(unescaped), ".,:;!")))
		if stripped != len(unescaped) {
			rm := []rune(middle)
			trail = string(rm[min(stripped, len(rm)):]) + trail
			middle = string(rm[:max(0, len(rm)-(len(unescaped)-stripped))])
			changed = true
		}
	}
	return
}

// smartURLQuote is Django's smart_urlquote: the host converted with IDNA, the path
// and fragment unquoted and requoted, the query parsed and re-encoded.
func smartURLQuote(u string) string {
	const safe = "!$&'()*+,;=:/?#[]@~"
	unquoteQuote := func(seg string) string { return pyQuote(pyUnquote(seg), safe) }
	scheme, netloc, path, query, fragment, ok := pyURLSplit(u)
	if !ok {
		return unquoteQuote(u)
	}
	netloc, err := idnaEncode(netloc)
	if err != nil {
		return unquoteQuote(u)
	}
	if query != "" {
		var parts []string
		for _, kv := range pyParseQSL(query) {
			parts = append(parts, pyQuotePlus(pyUnquote(kv[0]))+"="+pyQuotePlus(pyUnquote(kv[1])))
		}
		query = strings.Join(parts, "&")
	}
	return pyURLUnsplit(scheme, netloc, unquoteQuote(path), query, unquoteQuote(fragment))
}

// pyURLSplit is Python's urllib.parse.urlsplit; ok is false where it raises
// ValueError (unbalanced or invalid brackets, a host that NFKC turns into URL
// syntax).
func pyURLSplit(u string) (scheme, netloc, path, query, fragment string, ok bool) {
	u = strings.TrimLeft(u, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	u = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(u)
	if i := strings.IndexByte(u, ':'); i > 0 && isASCIILetter(u[0]) {
		valid := true
		for j := 0; j < i; j++ {
			c := u[j]
			if !(isASCIILetter(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
				valid = false
				break
			}
		}
		if valid {
			scheme, u = strings.ToLower(u[:i]), u[i+1:]
		}
	}
	if strings.HasPrefix(u, "//") {
		end := len(u)
		for _, c := range "/?#" {
			if j := strings.IndexRune(u[2:], c); j >= 0 && j+2 < end {
				end = j + 2
			}
		}
		netloc, u = u[2:end], u[end:]
		open, close := strings.Contains(netloc, "["), strings.Contains(netloc, "]")
		if open != close {
			return "", "", "", "", "", false
		}
		if open && !validBracketedNetloc(netloc) {
			return "", "", "", "", "", false
		}
	}
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, fragment = u[:i], u[i+1:]
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u, query = u[:i], u[i+1:]
	}
	if netloc != "" && !isASCII(netloc) {
		n := strings.NewReplacer("@", "", ":", "", "#", "", "?", "").Replace(netloc)
		if n2 := norm.NFKC.String(n); n2 != n && strings.ContainsAny(n2, "/?#@:") {
			return "", "", "", "", "", false
		}
	}
	return scheme, netloc, u, query, fragment, true
}

// validBracketedNetloc is Python's _check_bracketed_netloc: nothing before the
// bracket, a port after it, and an IPv6 address (or IPvFuture) inside.
func validBracketedNetloc(netloc string) bool {
	if i := strings.LastIndexByte(netloc, '@'); i >= 0 {
		netloc = netloc[i+1:]
	}
	before, bracketed, found := strings.Cut(netloc, "[")
	if !found {
		return true
	}
	if before != "" {
		return false
	}
	host, port, _ := strings.Cut(bracketed, "]")
	if port != "" && !strings.HasPrefix(port, ":") {
		return false
	}
	if strings.HasPrefix(host, "v") {
		return regexp.MustCompile(`^v[a-fA-F0-9]+\..+$`).MatchString(host)
	}
	a, err := netip.ParseAddr(host)
	return err == nil && !a.Is4()
}

// pyURLUnsplit is Python's urlunsplit for URLs with a scheme that uses a netloc.
func pyURLUnsplit(scheme, netloc, path, query, fragment string) string {
	u := path
	if netloc != "" || scheme != "" && !strings.HasPrefix(path, "//") {
		if u != "" && u[0] != '/' {
			u = "/" + u
		}
		u = "//" + netloc + u
	}
	if scheme != "" {
		u = scheme + ":" + u
	}
	if query != "" {
		u += "?" + query
	}
	if fragment != "" {
		u += "#" + fragment
	}
	return u
}

// pyParseQSL is Python's parse_qsl(query, keep_blank_values=True): & separated
// name=value pairs, + as space, percent-decoded.
func pyParseQSL(q string) [][2]string {
	var out [][2]string
	for _, nv := range strings.Split(q, "&") {
		if nv == "" {
			continue
		}
		k, v, _ := strings.Cut(nv, "=")
		out = append(out, [2]string{pyUnquote(strings.ReplaceAll(k, "+", " ")), pyUnquote(strings.ReplaceAll(v, "+", " "))})
	}
	return out
}

// pyUnquote is Python's urllib.parse.unquote: %XX sequences decoded as UTF-8
// (invalid bytes become U+FFFD), anything else left as it is.
func pyUnquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	var pending []byte
	flush := func() {
		for len(pending) > 0 {
			r, size := utf8.DecodeRune(pending)
			b.WriteRune(r) // RuneError for an invalid byte, as errors="replace"
			pending = pending[size:]
		}
	}
	for i := 0; i < len(s); {
		if s[i] == '%' && i+2 < len(s)+0 && i+2 <= len(s)-1 && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
			pending = append(pending, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 3
			continue
		}
		flush()
		b.WriteByte(s[i])
		i++
	}
	flush()
	return b.String()
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// pyQuote is Python's urllib.parse.quote with the given safe characters: UTF-8
// bytes other than letters, digits, _.-~ and the (ASCII) safe characters as %XX.
func pyQuote(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

// pyQuotePlus is Python's quote_plus with no safe characters: spaces as +.
func pyQuotePlus(s string) string {
	parts := strings.Split(s, " ")
	for i, p := range parts {
		parts[i] = pyQuote(p, "")
	}
	return strings.Join(parts, "+")
}

package rest

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// appendStringByByte is appendString without the eight-byte skip: the reference
// the fast path must agree with.
func appendStringByByte(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// TestAppendString checks the JSON strings written for the special bytes at every
// position of an eight-byte word and across word boundaries: each answer matches
// the byte-by-byte reference and decodes back to the text (invalid UTF-8 as U+FFFD).
func TestAppendString(t *testing.T) {
	specials := []string{`"`, `\`, "\n", "\r", "\t", "\x00", "\x1f", "\x7f", " ", "<&>", "é", "€", "😀", "\u2028", "\u2029", "\xff", "\xe2\x82", "\xc3"}
	var cases []string
	for _, sp := range specials {
		for pre := 0; pre <= 17; pre++ {
			cases = append(cases, strings.Repeat("a", pre)+sp+strings.Repeat("b", 17-pre))
		}
	}
	cases = append(cases, "", "short", strings.Repeat("plain ascii text ", 20), "Body of article 17. Lorem ipsum dolor sit amet.")
	for _, s := range cases {
		got := string(appendString(nil, s))
		if want := string(appendStringByByte(nil, s)); got != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
			continue
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendString(%q) = %s: not JSON: %v", s, got, err)
		} else if want := strings.ToValidUTF8(s, "\ufffd"); utf8.ValidString(s) && back != want {
			t.Errorf("appendString(%q) decodes to %q", s, back)
		}
	}
}

// FuzzAppendString: any text is written as the byte-by-byte reference writes it,
// and as valid JSON.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\"d and back\\slash", "tab\there", "ünïcödé text here", "\xff\xfe\xfd", "\u2028\u2029 separators"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString([]byte("prefix"), s)
		if want := appendStringByByte([]byte("prefix"), s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got[6:], want[6:])
		}
		if !json.Valid(got[6:]) {
			t.Fatalf("appendString(%q) = %s: not valid JSON", s, got[6:])
		}
	})
}

// BenchmarkAppendString writes the text of a typical answer: mostly ASCII.
func BenchmarkAppendString(b *testing.B) {
	s := "Body of article 17. Lorem ipsum dolor sit amet, consectetur adipiscing elit. Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = appendString(buf[:0], s)
	}
}

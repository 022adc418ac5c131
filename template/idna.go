package template

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// Python's "idna" codec (IDNA 2003: nameprep and Punycode, RFC 3490/3491/3492),
// which Django's urlize and smart_urlquote use to turn international domain names
// into their ASCII form: "bücher.de" becomes "xn--bcher-kva.de".

var errIDNA = errors.New("label empty or too long")

// idnaEncode is Python's name.encode("idna"). ASCII names are only checked (labels
// of 1 to 63 characters), not changed; other names are split at any of the four
// IDNA dots and each label converted with ToASCII.
func idnaEncode(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	if isASCII(name) {
		labels := strings.Split(name, ".")
		for _, l := range labels[:len(labels)-1] {
			if len(l) == 0 || len(l) >= 64 {
				return "", errIDNA
			}
		}
		if len(labels[len(labels)-1]) >= 64 {
			return "", errIDNA
		}
		return name, nil
	}
	labels := splitIDNADots(name)
	trailing := ""
	if labels[len(labels)-1] == "" {
		trailing = "."
		labels = labels[:len(labels)-1]
	}
	out := make([]string, len(labels))
	for i, l := range labels {
		a, err := idnaToASCII(l)
		if err != nil {
			return "", err
		}
		out[i] = a
	}
	return strings.Join(out, ".") + trailing, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// splitIDNADots splits at U+002E, U+3002, U+FF0E and U+FF61.
func splitIDNADots(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		switch r {
		case '.', '\u3002', '\uff0e', '\uff61':
			out = append(out, s[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	return append(out, s[start:])
}

// idnaToASCII is RFC 3490's ToASCII with AllowUnassigned and without the STD3
// rules, as Python implements it.
func idnaToASCII(label string) (string, error) {
	if isASCII(label) {
		if len(label) == 0 || len(label) >= 64 {
			return "", errIDNA
		}
		return label, nil
	}
	label, err := nameprep(label)
	if err != nil {
		return "", err
	}
	if isASCII(label) {
		if len(label) == 0 || len(label) >= 64 {
			return "", errIDNA
		}
		return label, nil
	}
	if strings.HasPrefix(label, "xn--") {
		return "", errors.New("label starts with ACE prefix")
	}
	out := "xn--" + punycodeEncode(label)
	if len(out) >= 64 {
		return "", errIDNA
	}
	return out, nil
}

var foldCaser = cases.Fold()

// nameprep is RFC 3491: characters mapped to nothing removed, case folded, NFKC,
// prohibited characters refused, and the bidirectional rule checked.
func nameprep(label string) (string, error) {
	label = strings.Map(func(r rune) rune {
		switch {
		case r == 0xad, r == 0x34f, r == 0x1806, r >= 0x180b && r <= 0x180d, r >= 0x200b && r <= 0x200d,
			r == 0x2060, r >= 0xfe00 && r <= 0xfe0f, r == 0xfeff:
			return -1
		}
		return r
	}, label)
	label = norm.NFKC.String(foldCaser.String(norm.NFKC.String(foldCaser.String(label))))
	randAL := make([]bool, 0, len(label))
	anyRandAL, anyL := false, false
	for _, r := range label {
		if nameprepProhibited(r) {
			return "", errors.New("invalid character in IDN label")
		}
		p, _ := bidi.LookupRune(r)
		c := p.Class()
		isR := c == bidi.R || c == bidi.AL
		randAL = append(randAL, isR)
		anyRandAL = anyRandAL || isR
		anyL = anyL || c == bidi.L
	}
	if anyRandAL && (anyL || !randAL[0] || !randAL[len(randAL)-1]) {
		return "", errors.New("violation of the IDNA bidi rule")
	}
	return label, nil
}

// nameprepProhibited reports the characters of stringprep tables C.1.2 to C.9:
// non-ASCII spaces and controls, private use, non-characters, surrogates and the
// characters that change display or are deprecated.
func nameprepProhibited(r rune) bool {
	switch {
	case r >= 0x80 && unicode.Is(unicode.Zs, r):
		return true
	case r >= 0x80 && (unicode.Is(unicode.Cc, r) || r == 0x6dd || r == 0x70f || r == 0x180e || r == 0x200c || r == 0x200d ||
		r == 0x2028 || r == 0x2029 || r >= 0x2060 && r <= 0x2063 || r >= 0x206a && r <= 0x206f || r == 0xfeff ||
		r >= 0xfff9 && r <= 0xfffc || r >= 0x1d173 && r <= 0x1d17a):
		return true
	case unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
		return true
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe:
		return true
	case r >= 0xfff9 && r <= 0xfffd, r >= 0x2ff0 && r <= 0x2ffb:
		return true
	case r == 0x340, r == 0x341, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x206a && r <= 0x206f:
		return true
	case r == 0xe0001, r >= 0xe0020 && r <= 0xe007f:
		return true
	}
	return false
}

// punycodeEncode is RFC 3492's encoding (the part after "xn--").
func punycodeEncode(s string) string {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
	)
	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	n, delta, bias := initialN, 0, initialBias
	for h < len(runes) {
		m := rune(0x7fffffff)
		for _, r := range runes {
			if int(r) >= n && r < m {
				m = r
			}
		}
		delta += (int(m) - n) * (h + 1)
		n = int(m)
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tmin {
						t = tmin
					} else if t > tmax {
						t = tmax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out)
}

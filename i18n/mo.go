package i18n

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

const (
	moMagic        = 0x950412de
	moHeaderSize   = 28
	maxMOStrings   = 1 << 24
	maxMOFileBytes = 1 << 30
)

// CompileMO turns a parsed .po file into the bytes of a .mo file, exactly as GNU
// msgfmt (0.21) writes them with its default options: the messages msgfmt keeps
// (translated, not fuzzy, not obsolete; the header unless it is fuzzy) sorted by
// key, then msgfmt's hash table, then the strings. A .mo file written here and one
// written by `msgfmt -o` from the same .po are byte for byte the same. Like msgfmt
// it refuses (with a *SyntaxError) a translation that does not begin and end with a
// newline exactly when its msgid does.
func CompileMO(f *PO) ([]byte, error) {
	type entry struct{ key, str string }
	var es []entry
	for _, m := range f.Messages {
		// msgfmt drops obsolete and fuzzy entries, and those whose first form is
		// empty; a plural entry with a later form empty is kept as it is.
		if m.Obsolete || m.Fuzzy() || len(m.Str) == 0 || m.Str[0] == "" {
			continue
		}
		if err := f.checkNewlines(m); err != nil {
			return nil, err
		}
		key := m.Key()
		if m.IDPlural != "" {
			key += "\x00" + m.IDPlural
		}
		es = append(es, entry{key, strings.Join(m.Str, "\x00")})
	}
	sort.Slice(es, func(i, j int) bool { return cstrLess(es[i].key, es[j].key) })
	n := uint32(len(es))
	hashSize := nextPrime(n * 4 / 3)
	if hashSize <= 2 {
		hashSize = 3
	}
	origOff := uint32(moHeaderSize)
	transOff := origOff + 8*n
	hashOff := transOff + 8*n
	strOff := hashOff + 4*hashSize

	var buf bytes.Buffer
	le := binary.LittleEndian
	w32 := func(v uint32) { buf.Write(le.AppendUint32(nil, v)) }
	w32(moMagic)
	w32(0)
	w32(n)
	w32(origOff)
	w32(transOff)
	w32(hashSize)
	w32(hashOff)
	off := strOff
	for _, e := range es {
		w32(uint32(len(e.key)))
		w32(off)
		off += uint32(len(e.key)) + 1
	}
	for _, e := range es {
		w32(uint32(len(e.str)))
		w32(off)
		off += uint32(len(e.str)) + 1
	}
	table := make([]uint32, hashSize)
	for i, e := range es {
		k := e.key
		if j := strings.IndexByte(k, 0); j >= 0 {
			k = k[:j]
		}
		h := hashPJW(k)
		idx := h % hashSize
		if table[idx] != 0 {
			incr := 1 + h%(hashSize-2)
			for {
				if idx >= hashSize-incr {
					idx -= hashSize - incr
				} else {
					idx += incr
				}
				if table[idx] == 0 {
					break
				}
			}
		}
		table[idx] = uint32(i) + 1
	}
	for _, v := range table {
		w32(v)
	}
	for _, e := range es {
		buf.WriteString(e.key)
		buf.WriteByte(0)
	}
	for _, e := range es {
		buf.WriteString(e.str)
		buf.WriteByte(0)
	}
	return buf.Bytes(), nil
}

// checkNewlines refuses what msgfmt refuses even without --check: a translation
// that does not begin and end with a newline exactly when its msgid does (the
// newline is usually part of the program's output format).
func (f *PO) checkNewlines(m *Message) error {
	if m.ID == "" {
		return nil
	}
	check := func(what, s string) error {
		for _, end := range []struct {
			name string
			has  func(string) bool
		}{
			{"begin", func(s string) bool { return strings.HasPrefix(s, "\n") }},
			{"end", func(s string) bool { return strings.HasSuffix(s, "\n") }},
		} {
			if end.has(m.ID) != end.has(s) {
				return &SyntaxError{File: f.Name, Line: m.Line, Msg: fmt.Sprintf("'msgid' and '%s' entries do not both %s with '\\n'", what, end.name)}
			}
		}
		return nil
	}
	if m.IDPlural != "" {
		if err := check("msgid_plural", m.IDPlural); err != nil {
			return err
		}
		for i, s := range m.Str {
			if err := check(fmt.Sprintf("msgstr[%d]", i), s); err != nil {
				return err
			}
		}
		return nil
	}
	return check("msgstr", m.Str[0])
}

// cstrLess compares as C's strcmp does: up to the first NUL, bytes unsigned.
func cstrLess(a, b string) bool {
	if i := strings.IndexByte(a, 0); i >= 0 {
		a = a[:i]
	}
	if i := strings.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return a < b
}

// hashPJW is gettext's hash_string (P. J. Weinberger's hash over 32-bit words).
func hashPJW(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); i++ {
		h = h<<4 + uint32(s[i])
		if g := h & 0xf0000000; g != 0 {
			h ^= g >> 24
			h ^= g
		}
	}
	return h
}

// nextPrime returns gettext's next_prime(n): the first odd number >= n that its
// is_prime accepts. That test was written for numbers of 10 and more and calls 3
// composite, so 2 or 3 messages get a table of 5 slots, as msgfmt gives them.
func nextPrime(n uint32) uint32 {
	n |= 1
	for !gettextIsPrime(n) {
		n += 2
	}
	return n
}

func gettextIsPrime(c uint32) bool {
	div := uint64(3)
	sq := div * div
	for sq < uint64(c) && uint64(c)%div != 0 {
		div++
		sq += 4 * div
		div++
	}
	return uint64(c)%div != 0
}

// ParseMO reads a .mo file (either byte order, revision 0 or 1 without
// system-dependent strings) into a Catalog; name is used in errors. Malformed input
// is a *SyntaxError.
func ParseMO(name string, data []byte) (*Catalog, error) {
	bad := func(format string, args ...any) error {
		return &SyntaxError{File: name, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) < moHeaderSize {
		return nil, bad("too short for a .mo file (%d bytes)", len(data))
	}
	if len(data) > maxMOFileBytes {
		return nil, bad("larger than %d bytes", maxMOFileBytes)
	}
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(data) == moMagic:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint32(data) == moMagic:
		bo = binary.BigEndian
	default:
		return nil, bad("not a .mo file (bad magic number)")
	}
	rev := bo.Uint32(data[4:])
	if major := rev >> 16; major > 1 {
		return nil, bad("unsupported .mo revision %d.%d", major, rev&0xffff)
	}
	n := bo.Uint32(data[8:])
	origOff, transOff := bo.Uint32(data[12:]), bo.Uint32(data[16:])
	if n > maxMOStrings {
		return nil, bad("%d messages is more than the %d allowed", n, maxMOStrings)
	}
	table := func(off uint32) ([]uint32, error) {
		end := uint64(off) + 8*uint64(n)
		if end > uint64(len(data)) {
			return nil, bad("string table at %d for %d messages runs past the end of the file", off, n)
		}
		t := make([]uint32, 2*n)
		for i := range t {
			t[i] = bo.Uint32(data[uint64(off)+4*uint64(i):])
		}
		return t, nil
	}
	orig, err := table(origOff)
	if err != nil {
		return nil, err
	}
	trans, err := table(transOff)
	if err != nil {
		return nil, err
	}
	str := func(t []uint32, i uint32) (string, error) {
		l, off := t[2*i], t[2*i+1]
		end := uint64(off) + uint64(l)
		if end >= uint64(len(data)) || data[end] != 0 {
			return "", bad("message %d: string at %d of length %d is out of bounds or not NUL-terminated", i, off, l)
		}
		s := string(data[off:end])
		if !utf8.ValidString(s) {
			return "", bad("message %d is not valid UTF-8", i)
		}
		return s, nil
	}
	c := newCatalog()
	for i := uint32(0); i < n; i++ {
		k, err := str(orig, i)
		if err != nil {
			return nil, err
		}
		v, err := str(trans, i)
		if err != nil {
			return nil, err
		}
		if id, _, plural := strings.Cut(k, "\x00"); plural {
			k = id
		}
		c.messages[k] = strings.Split(v, "\x00")
	}
	if err := c.readHeader(); err != nil {
		return nil, bad("%v", err)
	}
	return c, nil
}

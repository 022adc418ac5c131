package template

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// conformanceCase is one row of a cases.jsonl file made by gen.py with real Django.
type conformanceCase struct {
	Name      string          `json:"name"`
	Templates json.RawMessage `json:"templates"`
	Context   json.RawMessage `json:"context"`
	Expected  *string         `json:"expected"`
	Error     bool            `json:"error"`
}

// casesPath finds the conformance file: $GALVANI_DTL_CASES, else
// <repo>/../shared/conformance/dtl/cases.jsonl.
func casesPath(t *testing.T) string {
	if p := os.Getenv("GALVANI_DTL_CASES"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "conformance", "dtl", "cases.jsonl")
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// readContext reads gen.py's JSON context as Python holds it: objects become
// pyDicts, which keep their keys in order as Python dicts do ({"$date": ...}
// becomes time.Time, {"$safe": ...} SafeString, {"$decimal": ...} a pyDecimal),
// numbers become int when integral in the source (*big.Int beyond int64) and
// float64 otherwise.
func readContext(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			out := []any{}
			for dec.More() {
				v, err := readContext(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := dec.Token()
			return out, err
		case '{':
			d := &pyDict{m: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := readContext(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := d.m[k]; !dup {
					d.keys = append(d.keys, k)
				}
				d.m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if len(d.keys) == 1 {
				switch s, _ := d.m[d.keys[0]].(string); d.keys[0] {
				case "$date":
					return parseISODate(s), nil
				case "$safe":
					return SafeString(s), nil
				case "$decimal":
					return newPyDecimal(s), nil
				}
			}
			return d, nil
		}
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.Atoi(s); err == nil {
				return i, nil
			}
			if b, ok := new(big.Int).SetString(s, 10); ok {
				return b, nil // Python ints have no size limit
			}
		}
		f, _ := t.Float64()
		return f, nil
	}
	return tok, nil
}

// pyDict is a JSON object as a Python dict: a Mapping with its keys in order.
type pyDict struct {
	keys []string
	m    map[string]any
}

func (d *pyDict) Keys() []string             { return d.keys }
func (d *pyDict) Get(key string) (any, bool) { v, ok := d.m[key]; return v, ok }

// parseISODate reads the ISO 8601 forms Python's datetime.fromisoformat accepts in
// gen.py's cases: a date, optionally followed by T (or a space) and HH[:MM[:SS[.f]]],
// optionally followed by Z or an offset. Without an offset the time is naive (UTC
// in Go); with one it carries a fixed zone.
func parseISODate(s string) time.Time {
	for _, layout := range []string{
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02T15Z07:00", "2006-01-02T15",
		"2006-01-02",
	} {
		v := s
		if len(v) > 10 && v[10] == ' ' {
			v = v[:10] + "T" + v[11:]
		}
		if t, err := time.Parse(layout, v); err == nil {
			if strings.Contains(layout, "Z07") && t.Location() == time.UTC {
				// An explicit zero offset is an aware datetime in Python
				// (timezone.utc); time.UTC stands for a naive one.
				t = t.In(time.FixedZone("UTC", 0))
			}
			return t
		}
	}
	panic(fmt.Sprintf("conformance case: bad $date %q", s))
}

// pyDecimal stands for Python's decimal.Decimal in the cases: its String is
// Decimal's str() (scientific notation when the exponent calls for it).
type pyDecimal struct {
	text string
	rat  *big.Rat
}

func newPyDecimal(s string) pyDecimal {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(fmt.Sprintf("conformance case: bad $decimal %q", s))
	}
	// Decimal's to_sci_string: coefficient digits and exponent as written.
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimLeft(s, "+-")
	mant, expS, _ := strings.Cut(strings.ToLower(body), "e")
	exp, _ := strconv.Atoi(expS)
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		digits = "0"
	}
	exp -= len(frac)
	adjusted := exp + len(digits) - 1
	var text string
	switch {
	case exp <= 0 && adjusted >= -6:
		if point := len(digits) + exp; point > 0 {
			text = digits[:point]
			if point < len(digits) {
				text += "." + digits[point:]
			}
		} else {
			text = "0." + strings.Repeat("0", -point) + digits
		}
	default:
		text = digits[:1]
		if len(digits) > 1 {
			text += "." + digits[1:]
		}
		text += fmt.Sprintf("E%+d", adjusted)
	}
	if neg {
		text = "-" + text
	}
	return pyDecimal{text: text, rat: r}
}

func (d pyDecimal) String() string { return d.text }
func (d pyDecimal) Rat() *big.Rat  { return new(big.Rat).Set(d.rat) }

func runCase(c conformanceCase) (string, error) {
	templates := map[string]string{}
	var single string
	if err := json.Unmarshal(c.Templates, &single); err == nil {
		templates["main"] = single
	} else if err := json.Unmarshal(c.Templates, &templates); err != nil {
		return "", fmt.Errorf("bad templates: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(c.Context))
	dec.UseNumber()
	ctx, err := readContext(dec)
	if err != nil {
		return "", fmt.Errorf("bad context: %v", err)
	}
	data := map[string]any{}
	if d, ok := ctx.(*pyDict); ok {
		data = d.m
	}
	e := New(WithLoader(MapLoader(templates)))
	t, err := e.Get("main")
	if err != nil {
		return "", err
	}
	return t.Render(data)
}

func TestConformance(t *testing.T) {
	passed, failed := runCasesFile(t, casesPath(t))
	fmt.Printf("dtl conformance: %d passed, %d failed\n", passed, failed)
}

// TestConformanceExtra runs the package's own Django-generated cases: each
// testdata/cases_*.py, rendered by gen.py into the .jsonl file of the same name.
func TestConformanceExtra(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "cases_*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/cases_*.jsonl (%v)", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".jsonl"), func(t *testing.T) {
			passed, failed := runCasesFile(t, f)
			t.Logf("%s: %d passed, %d failed", f, passed, failed)
		})
	}
}

func runCasesFile(t *testing.T, path string) (passed, failed int) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("conformance cases: %v (set GALVANI_DTL_CASES or put shared/ beside the repository)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c conformanceCase
		if err := json.Unmarshal(line, &c); err != nil {
			t.Errorf("bad case line: %v", err)
			failed++
			continue
		}
		got, err := runCase(c)
		switch {
		case c.Error && err == nil:
			t.Errorf("%s: want an error, rendered %q", c.Name, got)
			failed++
		case c.Error:
			passed++
		case err != nil:
			t.Errorf("%s: %v", c.Name, err)
			failed++
		case c.Expected == nil || got != *c.Expected:
			want := "<nil>"
			if c.Expected != nil {
				want = *c.Expected
			}
			t.Errorf("%s:\n got %q\nwant %q", c.Name, got, want)
			failed++
		default:
			passed++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return passed, failed
}

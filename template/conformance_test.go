package template

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
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

// decodeContext turns gen.py's JSON context into Go values: {"$date": ...} becomes
// time.Time, {"$safe": ...} SafeString, {"$decimal": ...} float64; JSON numbers
// become int when integral in the source and float64 otherwise.
func decodeContext(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if s, ok := x["$date"].(string); ok {
				t, err := time.Parse("2006-01-02T15:04:05", s)
				if err != nil {
					t, _ = time.Parse("2006-01-02", s)
				}
				return t
			}
			if s, ok := x["$safe"].(string); ok {
				return SafeString(s)
			}
			if s, ok := x["$decimal"].(string); ok {
				f, _ := strconv.ParseFloat(s, 64)
				return f
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = decodeContext(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = decodeContext(e)
		}
		return out
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.Atoi(s); err == nil {
				return i
			}
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func runCase(c conformanceCase) (string, error) {
	templates := map[string]string{}
	var single string
	if err := json.Unmarshal(c.Templates, &single); err == nil {
		templates["main"] = single
	} else if err := json.Unmarshal(c.Templates, &templates); err != nil {
		return "", fmt.Errorf("bad templates: %v", err)
	}
	var ctx any
	dec := json.NewDecoder(bytes.NewReader(c.Context))
	dec.UseNumber()
	if err := dec.Decode(&ctx); err != nil {
		return "", fmt.Errorf("bad context: %v", err)
	}
	data, _ := decodeContext(ctx).(map[string]any)
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

// TestConformanceExtra runs the package's own Django-generated cases
// (testdata/cases_extra.py, rendered by gen.py into testdata/cases_extra.jsonl).
func TestConformanceExtra(t *testing.T) {
	passed, failed := runCasesFile(t, filepath.Join("testdata", "cases_extra.jsonl"))
	t.Logf("extra cases: %d passed, %d failed", passed, failed)
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

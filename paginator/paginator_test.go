package paginator

import (
	"bufio"
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type djangoCase struct {
	Count      int64  `json:"count"`
	PerPage    int    `json:"per_page"`
	Orphans    int    `json:"orphans"`
	AllowEmpty bool   `json:"allow_empty"`
	Number     string `json:"number"`
	NumPages   int64  `json:"num_pages"`
	Error      string `json:"error"`
	Page       *struct {
		Number      int64   `json:"number"`
		StartIndex  int64   `json:"start_index"`
		EndIndex    int64   `json:"end_index"`
		Len         int     `json:"len"`
		HasNext     bool    `json:"has_next"`
		HasPrevious bool    `json:"has_previous"`
		Elided      []int64 `json:"elided"`
		Elided11    []int64 `json:"elided_1_1"`
	} `json:"page"`
	GetPage *int64 `json:"get_page"`
}

// TestMatchesDjango checks every case that Django 3.2's Paginator answered in
// testdata/django_cases.jsonl (made by testdata/gen_django.py): page counts,
// which numbers are invalid and why, the window of items, the neighbours, the
// elided ranges and the lenient GetPage.
func TestMatchesDjango(t *testing.T) {
	f, err := os.Open("testdata/django_cases.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var c djangoCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		n++
		p := &Paginator{Count: c.Count, PerPage: c.PerPage, Orphans: c.Orphans, RejectEmptyFirstPage: !c.AllowEmpty}
		name := strconv.Quote(sc.Text())
		if got := p.NumPages(); got != c.NumPages {
			t.Errorf("%s: NumPages %d, want %d", name, got, c.NumPages)
		}
		page, err := p.ParsePage(c.Number)
		switch {
		case c.Error == "not_an_integer" && c.Number != "9223372036854775807":
			if !errors.Is(err, ErrNotAnInteger) {
				t.Errorf("%s: ParsePage err %v, want ErrNotAnInteger", name, err)
			}
		case c.Error != "":
			if !errors.Is(err, ErrEmptyPage) {
				t.Errorf("%s: ParsePage err %v, want ErrEmptyPage", name, err)
			}
		case err != nil:
			t.Errorf("%s: ParsePage: %v", name, err)
		default:
			want := c.Page
			got := []any{page.Number, page.StartIndex(), page.EndIndex(), page.Len(), page.HasNext(), page.HasPrevious()}
			exp := []any{want.Number, want.StartIndex, want.EndIndex, want.Len, want.HasNext, want.HasPrevious}
			if !slices.Equal(got, exp) {
				t.Errorf("%s: page %v, want %v", name, got, exp)
			}
			if e := p.ElidedPageRange(page.Number, 3, 2); !slices.Equal(e, want.Elided) {
				t.Errorf("%s: elided %v, want %v", name, e, want.Elided)
			}
			if e := p.ElidedPageRange(page.Number, 1, 1); !slices.Equal(e, want.Elided11) {
				t.Errorf("%s: elided(1,1) %v, want %v", name, e, want.Elided11)
			}
		}
		g := p.GetPage(c.Number)
		switch {
		case c.GetPage == nil && g != nil:
			t.Errorf("%s: GetPage %d, want nil", name, g.Number)
		case c.GetPage != nil && (g == nil || g.Number != *c.GetPage):
			t.Errorf("%s: GetPage %v, want %d", name, g, *c.GetPage)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Fatalf("only %d cases read", n)
	}
}

// TestHugeNumbersNeverOverflow: a page number or count near the int64 limit gives
// an error or a valid window, never a negative offset.
func TestHugeNumbersNeverOverflow(t *testing.T) {
	tests := []struct {
		count   int64
		perPage int
		raw     string
		wantErr error
	}{
		{100, 10, "922337203685477582", ErrEmptyPage},
		{100, 10, "9223372036854775807", ErrEmptyPage},
		{100, 10, "99999999999999999999999999", ErrEmptyPage},
		{100, 10, "-9223372036854775808", ErrEmptyPage},
		{100, 10, "-99999999999999999999999999", ErrNotAnInteger},
		{100, math.MaxInt, "2", ErrEmptyPage},
		{math.MaxInt64, 1, "9223372036854775807", nil},
		{math.MaxInt64, 7, "last", nil},
		{math.MaxInt64, math.MaxInt, "1", nil},
		{-5, 10, "1", nil},
		{10, 0, "10", nil},
		{10, -3, "11", ErrEmptyPage},
	}
	for _, tt := range tests {
		p := New(tt.count, tt.perPage)
		page, err := p.ParsePage(tt.raw)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("count %d per %d page %q: err %v, want %v", tt.count, tt.perPage, tt.raw, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("count %d per %d page %q: %v", tt.count, tt.perPage, tt.raw, err)
			continue
		}
		if page.Offset() < 0 || page.Limit() < 0 || int64(page.Offset())+int64(page.Limit()) > max(tt.count, 0) {
			t.Errorf("count %d per %d page %q: window %d+%d", tt.count, tt.perPage, tt.raw, page.Offset(), page.Limit())
		}
	}
}

func TestInvalidPageError(t *testing.T) {
	_, err := New(10, 5).ParsePage("<script>\"\n" + string(make([]byte, 100)))
	var inv *InvalidPageError
	if !errors.As(err, &inv) || inv.HTTPStatus() != 404 || !errors.Is(err, ErrNotAnInteger) || errors.Is(err, ErrEmptyPage) {
		t.Fatalf("err %#v", err)
	}
	if msg := err.Error(); len(msg) > 100 || msg != `paginator: page "<script>`+strings.Repeat("?", 32)+`…" is not a whole number` {
		t.Fatalf("message %q", msg)
	}
	_, err = New(10, 5).ParsePage("3")
	if err == nil || err.Error() != `paginator: page "3" is past the last page` {
		t.Fatalf("err %v", err)
	}
}

func TestLinksAndSlice(t *testing.T) {
	p := New(500, 10)
	page, err := p.Page(43)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range page.Links() {
		switch {
		case l.Ellipsis:
			got = append(got, "…")
		case l.Current:
			got = append(got, "["+strconv.FormatInt(l.Number, 10)+"]")
		default:
			got = append(got, strconv.FormatInt(l.Number, 10))
		}
	}
	want := []string{"1", "2", "…", "40", "41", "42", "[43]", "44", "45", "46", "…", "49", "50"}
	if !slices.Equal(got, want) {
		t.Fatalf("links %v, want %v", got, want)
	}
	items := make([]int, 25)
	for i := range items {
		items[i] = i
	}
	q := &Paginator{Count: int64(len(items)), PerPage: 10, Orphans: 5}
	last := q.GetPage("last")
	if s := Slice(items, last); last.Number != 2 || len(s) != 15 || s[0] != 10 || s[14] != 24 {
		t.Fatalf("last page %d: %v", last.Number, s)
	}
	if s := Slice(items[:3], last); len(s) != 0 {
		t.Fatalf("slice of a shorter list: %v", s)
	}
}

func FuzzParsePage(f *testing.F) {
	for _, s := range []string{"", "1", "last", "-1", "0", "9223372036854775808", "+5", " 7 ", "1e3", "٣"} {
		f.Add(int64(1000), 10, 3, s)
	}
	f.Fuzz(func(t *testing.T, count int64, perPage, orphans int, raw string) {
		p := &Paginator{Count: count, PerPage: perPage, Orphans: orphans}
		page, err := p.ParsePage(raw)
		if err != nil {
			var inv *InvalidPageError
			if !errors.As(err, &inv) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if page.Number < 1 || page.Offset() < 0 || page.Limit() < 0 || int64(page.Offset())+int64(page.Limit()) > max(count, 0) {
			t.Fatalf("page %d window %d+%d of %d", page.Number, page.Offset(), page.Limit(), count)
		}
		for _, n := range p.ElidedPageRange(page.Number, 3, 2) {
			if n < 0 || n > p.NumPages() {
				t.Fatalf("link %d of %d pages", n, p.NumPages())
			}
		}
	})
}

package forms

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

type Item struct {
	Name string `form:",required"`
	Qty  int    `form:",min=1"`
}

func mgmt(total, initial int) url.Values {
	return url.Values{"form-TOTAL_FORMS": {itoa(total)}, "form-INITIAL_FORMS": {itoa(initial)}}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestFormSetBind(t *testing.T) {
	s := NewFormSet[Item]()
	s.CanDelete = true
	s.Initial = []Item{{Name: "apple", Qty: 1}, {Name: "pear", Qty: 2}}
	data := mgmt(4, 2)
	data.Set("form-0-name", "apple")
	data.Set("form-0-qty", "5") // changed
	data.Set("form-1-name", "pear")
	data.Set("form-1-qty", "2")
	data.Set("form-1-DELETE", "on") // deleted
	data.Set("form-2-name", "plum") // new
	data.Set("form-2-qty", "3")
	// form-3 left blank: ignored
	if err := s.BindData(context.Background(), data, nil); err != nil {
		t.Fatal(err)
	}
	entries := s.Entries()
	if len(entries) != 3 {
		t.Fatalf("entries %+v", entries)
	}
	if e := entries[0]; !e.Initial || !e.Changed || e.Deleted || e.Data.Qty != 5 {
		t.Errorf("entry 0 %+v", e)
	}
	if e := entries[1]; !e.Initial || !e.Deleted || e.Data.Name != "pear" {
		t.Errorf("entry 1 %+v", e)
	}
	if e := entries[2]; e.Initial || !e.Changed || e.Data.Name != "plum" {
		t.Errorf("entry 2 %+v", e)
	}
}

func TestFormSetErrors(t *testing.T) {
	s := NewFormSet[Item]()
	data := mgmt(2, 0)
	data.Set("form-0-name", "")
	data.Set("form-0-qty", "0")
	err := s.BindData(context.Background(), data, nil)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.HTTPStatus() != 422 {
		t.Fatalf("err %v", err)
	}
	if len(ve.Fields["form-0-name"]) != 1 || len(ve.Fields["form-0-qty"]) != 1 {
		t.Errorf("fields %v", ve.Fields)
	}
	html := string(s.AsDiv())
	for _, want := range []string{`name="form-TOTAL_FORMS" value="2"`, `name="form-0-qty" id="id_form-0-qty" value="0"`, `id="id_form-0-name_error"`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in %s", want, html)
		}
	}
}

// The attack table for formsets: a missing or tampered management form is a 400,
// a hostile TOTAL_FORMS is refused without building the forms, and a client
// cannot claim more initial forms than exist.
func TestFormSetHostileManagement(t *testing.T) {
	for name, data := range map[string]url.Values{
		"missing":  {},
		"negative": {"form-TOTAL_FORMS": {"-1"}, "form-INITIAL_FORMS": {"0"}},
		"garbage":  {"form-TOTAL_FORMS": {"x"}, "form-INITIAL_FORMS": {"0"}},
		"huge":     {"form-TOTAL_FORMS": {"99999999999999999999"}, "form-INITIAL_FORMS": {"0"}},
		"too many": {"form-TOTAL_FORMS": {"1001"}, "form-INITIAL_FORMS": {"0"}},
	} {
		s := NewFormSet[Item]()
		s.AbsoluteMax = 1000
		err := s.BindData(context.Background(), data, nil)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.HTTPStatus() != 400 || len(ve.NonField) != 1 {
			t.Errorf("%s: err %v", name, err)
		}
		if len(s.forms) != 0 {
			t.Errorf("%s: %d forms built", name, len(s.forms))
		}
	}
	s := NewFormSet[Item]()
	s.Initial = []Item{{Name: "only", Qty: 1}}
	data := url.Values{"form-TOTAL_FORMS": {"3"}, "form-INITIAL_FORMS": {"3"}, "form-2-name": {"x"}}
	data.Set("form-0-name", "only")
	data.Set("form-0-qty", "1")
	if err := s.BindData(context.Background(), data, nil); err != nil {
		t.Fatal(err)
	}
	for _, e := range s.Entries() {
		if e.Index > 0 && e.Initial {
			t.Errorf("form %d claimed as initial", e.Index)
		}
	}
}

func TestFormSetMinMaxAndClean(t *testing.T) {
	s := NewFormSet[Item]()
	s.Max, s.ValidateMax = 1, true
	data := mgmt(2, 0)
	data.Set("form-0-name", "a")
	data.Set("form-1-name", "b")
	s.BindData(context.Background(), data, nil)
	if m := s.NonFormErrors(); len(m) != 1 || m[0] != "Please submit at most 1 forms." {
		t.Errorf("validate max: %v", m)
	}
	s = NewFormSet[Item]()
	s.Min, s.ValidateMin = 2, true
	data = mgmt(2, 0)
	data.Set("form-0-name", "a")
	s.BindData(context.Background(), data, nil)
	if m := s.NonFormErrors(); len(m) != 1 || !strings.Contains(m[0], "at least 2") {
		t.Errorf("validate min: %v", m)
	}
	s = NewFormSet[Item]()
	s.Clean = func(es []Entry[Item]) error {
		if len(es) == 2 && es[0].Data.Name == es[1].Data.Name {
			return Errorf("Names must differ.")
		}
		return nil
	}
	data = mgmt(2, 0)
	data.Set("form-0-name", "a")
	data.Set("form-1-name", "a")
	s.BindData(context.Background(), data, nil)
	if m := s.NonFormErrors(); len(m) != 1 || m[0] != "Names must differ." {
		t.Errorf("set clean: %v", m)
	}
}

func TestFormSetUnboundRendering(t *testing.T) {
	s := NewFormSet[Item]()
	s.Initial = []Item{{Name: "x", Qty: 2}}
	s.Extra = 2
	s.CanDelete = true
	html := string(s.AsDiv())
	for _, want := range []string{`name="form-TOTAL_FORMS" value="3"`, `name="form-INITIAL_FORMS" value="1"`, `name="form-MAX_NUM_FORMS" value="1000"`,
		`name="form-0-name" id="id_form-0-name" value="x"`, `name="form-2-name" id="id_form-2-name"`, `name="form-1-DELETE"`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in %s", want, html)
		}
	}
	if e := string(s.EmptyForm().AsDiv()); !strings.Contains(e, `name="form-__prefix__-name"`) {
		t.Errorf("empty form %s", e)
	}
}

func ExampleFormSet() {
	type Line struct {
		Product string `form:",required"`
		Qty     int    `form:",min=1"`
	}
	set := NewFormSet[Line]()
	set.Initial = []Line{{Product: "tea", Qty: 1}}
	set.CanDelete = true
	err := set.BindData(context.Background(), url.Values{
		"form-TOTAL_FORMS": {"2"}, "form-INITIAL_FORMS": {"1"},
		"form-0-product": {"tea"}, "form-0-qty": {"3"}, // changed
		"form-1-product": {"scones"}, "form-1-qty": {"2"}, // added
	}, nil)
	fmt.Println(err)
	for _, e := range set.Entries() {
		fmt.Println(e.Index, e.Initial, e.Changed, e.Deleted, e.Data.Product, e.Data.Qty)
	}
	// Output:
	// <nil>
	// 0 true true false tea 3
	// 1 false true false scones 2
}

// Rendering a set whose management form was tampered with, then asking for its
// errors and entries, must not fail.
func TestFormSetRenderAfterTamper(t *testing.T) {
	s := NewFormSet[Item]()
	s.CanDelete = true
	s.BindData(context.Background(), url.Values{"form-TOTAL_FORMS": {"x"}}, nil)
	html := string(s.AsDiv())
	if !strings.Contains(html, "ManagementForm data is missing or has been tampered with") {
		t.Errorf("render %s", html)
	}
	if s.IsValid() || s.Errors() == nil || len(s.Entries()) != 0 {
		t.Error("tampered set looks valid")
	}
}

func FuzzFormSetBind(f *testing.F) {
	f.Add("form-TOTAL_FORMS=2&form-INITIAL_FORMS=1&form-0-name=a&form-0-qty=1&form-1-DELETE=on")
	f.Add("form-TOTAL_FORMS=999999&form-INITIAL_FORMS=0")
	f.Add("form-TOTAL_FORMS=3&form-INITIAL_FORMS=9&form-2-name=%00")
	f.Fuzz(func(t *testing.T, query string) {
		data, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		s := NewFormSet[Item]()
		s.Initial = []Item{{Name: "x", Qty: 1}}
		s.CanDelete = true
		s.AbsoluteMax = 50
		err = s.BindData(context.Background(), data, nil)
		var ve *ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Fatalf("unexpected error %v", err)
		}
		if len(s.forms) > 50 {
			t.Fatalf("%d forms built", len(s.forms))
		}
		s.Entries()
		s.AsDiv()
	})
}

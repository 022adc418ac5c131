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
	f.Add("form-TOTAL_FORMS=3&form-INITIAL_FORMS=1&form-0-name=a&form-0-ORDER=9&form-1-name=b&form-1-ORDER=-3&form-2-DELETE=1&form-2-ORDER=x")
	f.Fuzz(func(t *testing.T, query string) {
		data, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		s := NewFormSet[Item]()
		s.Initial = []Item{{Name: "x", Qty: 1}}
		s.CanDelete, s.CanOrder = true, true
		s.DeleteInitialOnly = len(query)%2 == 0
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
		ordered := s.OrderedEntries()
		for i := 1; i < len(ordered); i++ {
			a, b := ordered[i-1].Order, ordered[i].Order
			if a == nil && b != nil || a != nil && b != nil && *a > *b {
				t.Fatalf("out of order: %v then %v", a, b)
			}
		}
		s.AsDiv()
	})
}

// orderedSet is a set of three Initial items and two extra forms with ORDER and
// DELETE, bound to the management form plus fields.
func orderedSet(t *testing.T, deleteInitialOnly bool, fields map[string]string) (*FormSet[Item], error) {
	t.Helper()
	s := NewFormSet[Item]()
	s.Initial = []Item{{Name: "a", Qty: 1}, {Name: "b", Qty: 1}, {Name: "c", Qty: 1}}
	s.Extra = 2
	s.CanOrder, s.CanDelete, s.DeleteInitialOnly = true, true, deleteInitialOnly
	data := mgmt(5, 3)
	for i, n := range []string{"a", "b", "c"} {
		data.Set(fmt.Sprintf("form-%d-name", i), n)
		data.Set(fmt.Sprintf("form-%d-qty", i), "1")
	}
	for k, v := range fields {
		data.Set(k, v)
	}
	return s, s.BindData(context.Background(), data, nil)
}

// orderOf describes entries as "index:order" ("-" for a blank order).
func orderOf(entries []Entry[Item]) string {
	var parts []string
	for _, e := range entries {
		o := "-"
		if e.Order != nil {
			o = strconv.FormatInt(*e.Order, 10)
		}
		parts = append(parts, fmt.Sprintf("%d:%s", e.Index, o))
	}
	return strings.Join(parts, " ")
}

// The expectations are what Django 3.2's formset_factory(can_order=True,
// can_delete=True) gives for the same data (ordered_forms, deleted_forms,
// has_changed, errors).
func TestFormSetOrder(t *testing.T) {
	cases := []struct {
		name              string
		deleteInitialOnly bool
		fields            map[string]string
		valid             bool
		ordered           string // OrderedEntries
		deleted           string // indexes of deleted entries
		changed           string // indexes of changed entries
		errField          string // an input with an error when not valid
	}{
		{name: "by number, blank last, ties by position",
			fields: map[string]string{"form-0-ORDER": "3", "form-1-ORDER": "", "form-2-ORDER": "1", "form-3-name": "d", "form-3-ORDER": "1"},
			valid:  true, ordered: "2:1 3:1 0:3 1:-", changed: "0 1 2 3"},
		{name: "positions unchanged are not changes",
			fields: map[string]string{"form-0-ORDER": "1", "form-1-ORDER": "2", "form-2-ORDER": "3"},
			valid:  true, ordered: "0:1 1:2 2:3"},
		{name: "an extra form with only an ORDER is filled in",
			fields:   map[string]string{"form-0-ORDER": "1", "form-1-ORDER": "2", "form-2-ORDER": "3", "form-4-ORDER": "7"},
			errField: "form-4-name"},
		{name: "not a whole number",
			fields:   map[string]string{"form-0-ORDER": "x", "form-1-ORDER": "2.0", "form-2-ORDER": " -5 ", "form-1-DELETE": "on"},
			errField: "form-0-ORDER"},
		{name: "whole numbers in Django's spellings",
			fields: map[string]string{"form-0-ORDER": "2.0", "form-1-ORDER": " -5 ", "form-2-ORDER": "+1"},
			valid:  true, ordered: "1:-5 2:1 0:2", changed: "0 1 2"},
		{name: "beyond int64",
			fields:   map[string]string{"form-0-ORDER": "1", "form-1-ORDER": "99999999999999999999999", "form-2-ORDER": "3"},
			errField: "form-1-ORDER"},
		{name: "deleted forms are neither ordered nor validated",
			fields: map[string]string{"form-0-ORDER": "1", "form-1-ORDER": "2", "form-2-ORDER": "zzz", "form-2-DELETE": "on",
				"form-3-name": "z", "form-3-DELETE": "on", "form-4-DELETE": "on"},
			valid: true, ordered: "0:1 1:2", deleted: "2 3 4", changed: "2 3 4"},
		{name: "DeleteInitialOnly ignores DELETE on extra forms", deleteInitialOnly: true,
			fields: map[string]string{"form-0-ORDER": "1", "form-1-ORDER": "2", "form-2-ORDER": "3", "form-2-DELETE": "on",
				"form-3-name": "z", "form-3-DELETE": "on", "form-4-DELETE": "on"},
			valid: true, ordered: "0:1 1:2 3:-", deleted: "2", changed: "2 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := orderedSet(t, c.deleteInitialOnly, c.fields)
			if !c.valid {
				var ve *ValidationError
				if !errors.As(err, &ve) || len(ve.Fields[c.errField]) == 0 || s.OrderedEntries() != nil {
					t.Fatalf("want an error on %s, got %v (%+v)", c.errField, err, ve)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := orderOf(s.OrderedEntries()); got != c.ordered {
				t.Errorf("ordered %q, want %q", got, c.ordered)
			}
			var deleted, changed []string
			for _, e := range s.Entries() {
				if e.Deleted {
					deleted = append(deleted, itoa(e.Index))
				}
				if e.Changed {
					changed = append(changed, itoa(e.Index))
				}
			}
			if got := strings.Join(deleted, " "); got != c.deleted {
				t.Errorf("deleted %q, want %q", got, c.deleted)
			}
			if got := strings.Join(changed, " "); got != c.changed {
				t.Errorf("changed %q, want %q", got, c.changed)
			}
		})
	}
}

func TestFormSetOrderRendering(t *testing.T) {
	s := NewFormSet[Item]()
	s.Initial = []Item{{Name: "a", Qty: 1}, {Name: "b", Qty: 1}}
	s.CanOrder, s.CanDelete, s.DeleteInitialOnly = true, true, true
	html := string(s.AsDiv())
	for _, want := range []string{
		`<label for="id_form-0-ORDER">Order:</label><input type="number" name="form-0-ORDER" value="1" id="id_form-0-ORDER">`,
		`name="form-1-ORDER" value="2"`,
		`<input type="number" name="form-2-ORDER" id="id_form-2-ORDER">`, // the extra form: blank
		`name="form-1-DELETE"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in %s", want, html)
		}
	}
	if strings.Contains(html, "form-2-DELETE") {
		t.Errorf("an extra form has a DELETE box with DeleteInitialOnly: %s", html)
	}
	// Bound: the submitted text comes back, escaped, with its error.
	data := mgmt(3, 2)
	data.Set("form-0-name", "a")
	data.Set("form-1-name", "b")
	data.Set("form-0-ORDER", `"><script>`)
	if err := s.BindData(context.Background(), data, nil); err == nil {
		t.Fatal("a bad ORDER was accepted")
	}
	html = string(s.AsDiv())
	if !strings.Contains(html, `<ul class="errorlist"><li>Enter a whole number.</li></ul><label for="id_form-0-ORDER">Order:</label><input type="number" name="form-0-ORDER" value="&#34;&gt;&lt;script&gt;"`) ||
		strings.Contains(html, "<script>") {
		t.Errorf("bound rendering %s", html)
	}
}

func ExampleFormSet_OrderedEntries() {
	type Step struct {
		Text string `form:",required"`
	}
	set := NewFormSet[Step]()
	set.Initial = []Step{{"boil water"}, {"add tea"}, {"wait"}}
	set.CanOrder, set.CanDelete = true, true
	err := set.BindData(context.Background(), url.Values{
		"form-TOTAL_FORMS": {"4"}, "form-INITIAL_FORMS": {"3"},
		"form-0-text": {"boil water"}, "form-0-ORDER": {"2"},
		"form-1-text": {"add tea"}, "form-1-ORDER": {"3"},
		"form-2-text": {"wait"}, "form-2-ORDER": {"4"}, "form-2-DELETE": {"on"},
		"form-3-text": {"warm the pot"}, "form-3-ORDER": {"1"},
	}, nil)
	fmt.Println(err)
	for _, e := range set.OrderedEntries() {
		fmt.Println(*e.Order, e.Data.Text)
	}
	// Output:
	// <nil>
	// 1 warm the pot
	// 2 boil water
	// 3 add tea
}

// EmptyRow carries what an extra form has: a blank ORDER input and, unless
// DeleteInitialOnly, a DELETE box, all named with __prefix__.
func TestFormSetEmptyRow(t *testing.T) {
	s := NewFormSet[Item]()
	s.Initial = []Item{{Name: "a", Qty: 1}}
	s.CanOrder, s.CanDelete = true, true
	r := s.EmptyRow()
	html := string(r.Form.AsDiv()) + string(r.Order) + string(r.Delete)
	for _, want := range []string{`name="form-__prefix__-name"`, `<input type="number" name="form-__prefix__-ORDER" id="id_form-__prefix__-ORDER">`,
		`<input type="checkbox" name="form-__prefix__-DELETE" id="id_form-__prefix__-DELETE">`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in %s", want, html)
		}
	}
	if r.Index != -1 {
		t.Errorf("index %d", r.Index)
	}
	s.DeleteInitialOnly = true
	if r := s.EmptyRow(); r.Delete != "" {
		t.Errorf("DeleteInitialOnly: the empty row has %s", r.Delete)
	}
	// Bound sets render their empty row too.
	data := mgmt(1, 1)
	data.Set("form-0-name", "a")
	data.Set("form-0-ORDER", "x")
	s.BindData(context.Background(), data, nil)
	if r := s.EmptyRow(); strings.Contains(string(r.Order), "errorlist") || strings.Contains(string(r.Order), "value=") {
		t.Errorf("bound set's empty row: %s", r.Order)
	}
}

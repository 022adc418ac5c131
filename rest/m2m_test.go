package rest_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest"
)

// Label and Note are the models of the M2M tests: a note has labels.
type Label struct {
	orm.Model
	Name string `orm:"max_length=30,unique"`
}

type Note struct {
	orm.Model
	Title  string         `orm:"max_length=50"`
	Labels orm.M2M[Label] `orm:"related_name=notes"`
	Extra  orm.M2M[Label] `orm:"blank,related_name=extra_notes"`
}

var registerM2M sync.Once

func m2mEnv(t *testing.T) *env {
	register()
	registerM2M.Do(func() {
		orm.MustRegister[Label]("blog")
		orm.MustRegister[Note]("blog")
	})
	e := newEnv(t, rest.Config{}, func(api *rest.API) {
		api.Register("notes", &rest.ViewSet[Note]{Serializer: &rest.ModelSerializer[Note]{Fields: []string{"id", "title", "labels", "extra"}}})
		api.Register("slugged", &rest.ViewSet[Note]{Name: "slugged", Serializer: &rest.ModelSerializer[Note]{Fields: []string{"id", "title", "labels"},
			Slugs: map[string]string{"labels": "name"}}})
	})
	if err := orm.CreateTables(context.Background(), e.db, Label{}, Note{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"red", "green", "blue"} {
		if err := e.db.Create(context.Background(), &Label{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func noteLabels(t *testing.T, e *env, id int64, field string) string {
	t.Helper()
	n := &Note{}
	n.ID = id
	keys, err := orm.M2MKeys(context.Background(), e.db, n, field)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprint(k))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// TestWritableM2M: an M2M field of a ModelSerializer reads a list of keys (or
// slugs), each naming a row; the viewset sets the relation with the object and
// answers with it.
func TestWritableM2M(t *testing.T) {
	e := m2mEnv(t)
	c := e.c
	var created map[string]any
	c.PostJSON("/api/notes/", map[string]any{"title": "n", "labels": []int{3, 1, 3}}, jsonHeader()).AssertStatus(201).JSON(&created)
	id := int64(created["id"].(float64))
	if got := fmt.Sprint(created["labels"]); got != "[1 3]" {
		t.Errorf("answer labels %s (%v)", got, created)
	}
	if got := noteLabels(t, e, id, "labels"); got != "1,3" {
		t.Fatalf("stored labels %s", got)
	}
	c.Get(fmt.Sprintf("/api/notes/%d/", id), jsonHeader()).AssertStatus(200).AssertContains(`"labels":[1,3]`, `"extra":[]`)
	// update, partial update (absent: unchanged; given: replaced)
	c.SendJSON("PUT", fmt.Sprintf("/api/notes/%d/", id), map[string]any{"title": "n", "labels": []int{2}, "extra": []int{1}}, jsonHeader()).
		AssertStatus(200).AssertContains(`"labels":[2]`, `"extra":[1]`)
	c.SendJSON("PATCH", fmt.Sprintf("/api/notes/%d/", id), map[string]any{"title": "m"}, jsonHeader()).AssertStatus(200).AssertContains(`"labels":[2]`)
	c.SendJSON("PATCH", fmt.Sprintf("/api/notes/%d/", id), map[string]any{"extra": []int{}}, jsonHeader()).AssertStatus(200).AssertContains(`"extra":[]`)
	if got := noteLabels(t, e, id, "labels") + "|" + noteLabels(t, e, id, "extra"); got != "2|" {
		t.Fatalf("stored %s", got)
	}
	// slugs
	c.PostJSON("/api/slugged/", map[string]any{"title": "s", "labels": []string{"blue", "red"}}, jsonHeader()).AssertStatus(201).AssertContains(`"labels":["red","blue"]`)
	c.PostJSON("/api/slugged/", map[string]any{"title": "s", "labels": []string{"pink"}}, jsonHeader()).AssertStatus(400).
		AssertJSON(`{"labels":["Object with name=pink does not exist."]}`)
}

// TestWritableM2MHostile: wrong shapes, unknown keys, huge and repeated lists are
// 400s naming the field, and nothing is written.
func TestWritableM2MHostile(t *testing.T) {
	e := m2mEnv(t)
	huge := make([]string, 20000)
	for i := range huge {
		huge[i] = fmt.Sprint(i + 1)
	}
	cases := []struct{ body, want string }{
		{`{"title":"t","labels":[]}`, `{"labels":["This list may not be empty."]}`},
		{`{"title":"t","labels":1}`, `{"labels":["Expected a list of items but got type \"int\"."]}`},
		{`{"title":"t","labels":"1,2"}`, `{"labels":["Expected a list of items but got type \"str\"."]}`},
		{`{"title":"t","labels":{"a":1}}`, `{"labels":["Expected a list of items but got type \"dict\"."]}`},
		{`{"title":"t","labels":[1,999]}`, `{"labels":["Invalid pk \"999\" - object does not exist."]}`},
		{`{"title":"t","labels":["x"]}`, `{"labels":["Incorrect type. Expected pk value, received str."]}`},
		{`{"title":"t","labels":[[1]]}`, `{"labels":["Incorrect type. Expected pk value, received list."]}`},
		{`{"title":"t","labels":[null]}`, `{"labels":["Incorrect type. Expected pk value, received NoneType."]}`},
		{`{"title":"t","labels":null}`, `{"labels":["This field may not be null."]}`},
		{`{"title":"t"}`, `{"labels":["This field is required."]}`},
		{`{"title":"t","labels":[` + strings.Join(huge, ",") + `]}`, `{"labels":["Ensure this field has no more than 1000 elements."]}`},
		{`{"title":"t","labels":[` + strings.Join(huge[:1000], ",") + `]}`, `{"labels":["Invalid pk \"4\" - object does not exist."]}`},
	}
	for _, tc := range cases {
		e.c.Post("/api/notes/", "application/json", strings.NewReader(tc.body), jsonHeader()).AssertStatus(400).AssertJSON(tc.want)
	}
	if n, _ := orm.Q[Note](e.db).Count(context.Background()); n != 0 {
		t.Fatalf("%d notes written", n)
	}
	// repeats count once
	e.c.Post("/api/notes/", "application/json", strings.NewReader(`{"title":"t","labels":[1,1,1,1,1,2]}`), jsonHeader()).AssertStatus(201).AssertContains(`"labels":[1,2]`)
}

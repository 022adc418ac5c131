package forms

import (
	"context"
	"html"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

type benchForm struct {
	Name  string `form:",required,max_length=50"`
	Email string `form:",kind=email,required"`
	Age   int    `form:",min=0,max=150"`
	Plan  string `form:",required" choices:"free=Free|pro=Pro"`
}

var benchData = url.Values{"name": {"Alice"}, "email": {"alice@example.com"}, "age": {"42"}, "plan": {"pro"}}

// BenchmarkBind decodes and validates a four-field form.
func BenchmarkBind(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		f := New[benchForm]()
		if err := f.BindData(ctx, benchData, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBindRaw is the baseline: the same checks written by hand.
func BenchmarkBindRaw(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var d benchForm
		d.Name = strings.TrimSpace(benchData.Get("name"))
		if d.Name == "" || len([]rune(d.Name)) > 50 {
			b.Fatal("name")
		}
		d.Email = strings.TrimSpace(benchData.Get("email"))
		if _, err := mail.ParseAddress(d.Email); err != nil {
			b.Fatal(err)
		}
		age, err := strconv.Atoi(benchData.Get("age"))
		if err != nil || age < 0 || age > 150 {
			b.Fatal("age")
		}
		d.Age = age
		if p := benchData.Get("plan"); p != "free" && p != "pro" {
			b.Fatal("plan")
		}
		d.Plan = benchData.Get("plan")
	}
}

// BenchmarkRender renders the bound form as divs.
func BenchmarkRender(b *testing.B) {
	f := New[benchForm]()
	f.BindData(context.Background(), benchData, nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = f.AsDiv()
	}
}

// BenchmarkRenderRaw is the baseline: the same inputs built by hand.
func BenchmarkRenderRaw(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var s strings.Builder
		for _, n := range []string{"name", "email", "age"} {
			s.WriteString(`<div><label for="id_` + n + `">` + n + `:</label><input type="text" name="` + n + `" id="id_` + n + `" value="` + html.EscapeString(benchData.Get(n)) + `"></div>`)
		}
		s.WriteString(`<div><select name="plan"><option value="free">Free</option><option value="pro" selected>Pro</option></select></div>`)
		_ = s.String()
	}
}

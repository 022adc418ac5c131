package static

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func refURLs(src string) []string {
	var out []string
	for _, r := range cssRefs([]byte(src)) {
		out = append(out, fmt.Sprintf("%d:%s", r.line, r.url))
		if src[r.start:r.end] != r.url {
			out = append(out, "BAD RANGE "+src[r.start:r.end])
		}
	}
	return out
}

func TestCSSRefs(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unquoted", `a{background:url(img/a.png)}`, []string{"1:img/a.png"}},
		{"double quoted", `a{background:url("img/a b.png")}`, []string{"1:img/a b.png"}},
		{"single quoted", `a{background:url( 'img/a.png' )}`, []string{"1:img/a.png"}},
		{"spaces unquoted", "a{background:url(  img/a.png\t)}", []string{"1:img/a.png"}},
		{"upper case", `a{background:URL(a.png)}`, []string{"1:a.png"}},
		{"import string", `@import "base.css";` + "\n" + `@import 'print.css' print;`, []string{"1:base.css", "2:print.css"}},
		{"import url", `@import url(base.css);`, []string{"1:base.css"}},
		{"IMPORT", `@IMPORT "base.css";`, []string{"1:base.css"}},
		{"several", "a{b:url(1.png)}\n\nc{d:url(2.png), url(3.png)}", []string{"1:1.png", "3:2.png", "3:3.png"}},
		{"font", `@font-face{src:url(f.woff2?v=1#x) format("woff2"),url("f.eot?#iefix")}`, []string{"1:f.woff2?v=1#x", "1:f.eot?#iefix"}},
		{"comment skipped", "/* url(old.png) */a{b:url(new.png)}", []string{"1:new.png"}},
		{"comment lines counted", "/*\n\n*/a{b:url(x.png)}", []string{"3:x.png"}},
		{"string skipped", `a:after{content:"url(x.png)"}b{c:url(y.png)}`, []string{"1:y.png"}},
		{"escaped quote in string", `a:after{content:"\"url(x.png)"}`, nil},
		{"not url function", `a{b:myurl(x.png);c:data-url(y)}`, nil},
		{"custom property name", `a{--url(x)}`, nil},
		{"source map", "a{}\n/*# sourceMappingURL=site.css.map */", []string{"2:site.css.map"}},
		{"other comment", "/* sourceMappingURL=no.map */", nil},
		{"escape skipped", `a{b:url(x\).png);c:url("y\".png")}`, nil},
		{"unterminated url", `a{b:url(x.png`, nil},
		{"unterminated string", "a{b:url(\"x.png\n)}", nil},
		{"unterminated comment", `a{b:url(x.png)} /* url(y.png)`, []string{"1:x.png"}},
		{"space inside unquoted", `a{b:url(x y.png)}`, nil},
		{"paren inside unquoted", `a{b:url(x(y).png)}`, nil},
		{"empty", `a{b:url()}c{d:url("")}`, []string{`1:`}},
		{"import garbage", `@import ;a{b:url(z.png)}`, []string{"1:z.png"}},
		{"at end", `@import`, nil},
		{"url at end", `url(`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := refURLs(c.src)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Fatalf("refs of %q\n got %q\nwant %q", c.src, got, c.want)
			}
		})
	}
}

// files is a set of fingerprinted names for rewriteCSS tests.
var cssTestFiles = map[string]string{
	"img/a.png":        "img/a.111111111111.png",
	"img/a b.png":      "img/a b.222222222222.png",
	"css/base.css":     "css/base.333333333333.css",
	"fonts/f.woff2":    "fonts/f.444444444444.woff2",
	"LICENSE":          "LICENSE.555555555555",
	"css/site.css.map": "css/site.css.666666666666.map",
}

func lookupTest(name string) (string, bool) { h, ok := cssTestFiles[name]; return h, ok }

func TestRewriteCSS(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"relative up", `a{b:url(../img/a.png)}`, `a{b:url(../img/a.111111111111.png)}`},
		{"same dir quoted", `@import "base.css";`, `@import "base.333333333333.css";`},
		{"quote style kept", `a{b:url('../img/a.png')}`, `a{b:url('../img/a.111111111111.png')}`},
		{"percent-encoded", `a{b:url(../img/a%20b.png)}`, `a{b:url(../img/a%20b.222222222222.png)}`},
		{"query and fragment kept", `a{src:url(../fonts/f.woff2?v=2#x)}`, `a{src:url(../fonts/f.444444444444.woff2?v=2#x)}`},
		{"static prefix", `a{b:url(/static/img/a.png)}`, `a{b:url(/static/img/a.111111111111.png)}`},
		{"no extension", `a{b:url(../LICENSE)}`, `a{b:url(../LICENSE.555555555555)}`},
		{"source map", "a{}\n/*# sourceMappingURL=site.css.map */", "a{}\n/*# sourceMappingURL=site.css.666666666666.map */"},
		{"left alone", `a{b:url(data:image/png;base64,AAAA);c:url(https://x.example/a.png);d:url(//cdn.example/a.png);e:url(#grad);f:url(/other/a.png);g:url()}`,
			`a{b:url(data:image/png;base64,AAAA);c:url(https://x.example/a.png);d:url(//cdn.example/a.png);e:url(#grad);f:url(/other/a.png);g:url()}`},
		{"comment untouched", `/* url(../img/a.png) */`, `/* url(../img/a.png) */`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := rewriteCSS("css/site.css", []byte(c.src), "/static/", lookupTest)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestRewriteCSSErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"missing file", "a{}\nb{c:url(../img/nope.png)}", `css/site.css:2: "../img/nope.png" refers to "img/nope.png", which is not a static file`},
		{"outside", `a{b:url(../../etc/passwd)}`, `points outside the static files`},
		{"bad escape", `a{b:url(%zz.png)}`, "is not a valid URL path"},
		{"dot-file", `a{b:url(../.env)}`, "does not name a static file"},
		{"prefix only", `a{b:url(/static/)}`, "does not name a static file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := rewriteCSS("css/site.css", []byte(c.src), "/static/", lookupTest)
			var re *CSSReferenceError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--ignore") {
				t.Fatalf("err = %v, want a *CSSReferenceError with %q", err, c.want)
			}
		})
	}
}

func FuzzRewriteCSS(f *testing.F) {
	for _, s := range []string{
		`a{b:url(../img/a.png)}`, `@import "base.css";`, "/*# sourceMappingURL=site.css.map */",
		`a{b:url("../img/a b.png")}`, `url(`, `/*`, `"`, `@import '`, `a{b:url(x\)y)}`,
		"a{b:url(../fonts/f.woff2?#x)}\n@import url(base.css) screen;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		refs := cssRefs([]byte(src))
		prev := 0
		for _, r := range refs {
			if r.start < prev || r.end < r.start || r.end > len(src) || src[r.start:r.end] != r.url {
				t.Fatalf("bad reference range %+v in %q", r, src)
			}
			prev = r.end
		}
		out, err := rewriteCSS("css/site.css", []byte(src), "/static/", func(n string) (string, bool) {
			return fingerprintName(n, [32]byte{1, 2, 3}), true
		})
		if err != nil {
			var re *CSSReferenceError
			if !errors.As(err, &re) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(refs) == 0 && string(out) != src {
			t.Fatalf("no references, but the sheet changed")
		}
		if len(out) < len(src) {
			t.Fatalf("rewriting shortened the sheet: %q -> %q", src, out)
		}
	})
}

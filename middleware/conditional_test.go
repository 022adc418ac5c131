package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func condServe(h http.HandlerFunc, method string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	ConditionalGET(ConditionalOptions{MaxBuffer: 64})(h).ServeHTTP(rec, req)
	return rec
}

func TestConditionalComputedETag(t *testing.T) {
	page := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Cache-Control", "max-age=60")
		io.WriteString(w, "<p>hello</p>")
	}
	first := condServe(page, "GET", nil)
	etag := first.Header().Get("ETag")
	if first.Code != 200 || etag == "" || !strings.HasPrefix(etag, `"`) || first.Body.String() != "<p>hello</p>" || first.Header().Get("Content-Length") != "12" {
		t.Fatalf("first: %d %v %q", first.Code, first.Header(), first.Body)
	}
	cases := []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"match", map[string]string{"If-None-Match": etag}, 304},
		{"weak match", map[string]string{"If-None-Match": "W/" + etag}, 304},
		{"in list", map[string]string{"If-None-Match": `"zzz", ` + etag}, 304},
		{"star", map[string]string{"If-None-Match": "*"}, 304},
		{"other", map[string]string{"If-None-Match": `"other"`}, 200},
		{"unquoted garbage", map[string]string{"If-None-Match": strings.Trim(etag, `"`)}, 200},
		{"empty quotes", map[string]string{"If-None-Match": `""`}, 200},
		{"if-match ok", map[string]string{"If-Match": etag}, 200},
		{"if-match weak fails", map[string]string{"If-Match": "W/" + etag}, 412},
		{"if-match other", map[string]string{"If-Match": `"nope"`}, 412},
		{"if-match star", map[string]string{"If-Match": "*"}, 200},
		{"garbage", map[string]string{"If-None-Match": "\x00\x01,,,W/"}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := condServe(page, "GET", tc.hdr)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.status == 304 {
				if rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag || rec.Header().Get("Cache-Control") != "max-age=60" || rec.Header().Get("Content-Type") != "" {
					t.Fatalf("304 headers %v body %q", rec.Header(), rec.Body)
				}
			}
		})
	}
}

func TestConditionalHandlerValidators(t *testing.T) {
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	calls := 0
	page := func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Last-Modified", mod.Format(http.TimeFormat))
		io.WriteString(w, strings.Repeat("big ", 100)) // over MaxBuffer: must not matter
	}
	cases := []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"not modified", map[string]string{"If-Modified-Since": mod.Format(http.TimeFormat)}, 304},
		{"later", map[string]string{"If-Modified-Since": mod.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"earlier", map[string]string{"If-Modified-Since": mod.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"bad date ignored", map[string]string{"If-Modified-Since": "yesterday-ish"}, 200},
		{"unmodified since earlier", map[string]string{"If-Unmodified-Since": mod.Add(-time.Hour).Format(http.TimeFormat)}, 412},
		{"unmodified since later", map[string]string{"If-Unmodified-Since": mod.Add(time.Hour).Format(http.TimeFormat)}, 200},
		{"inm wins over ims", map[string]string{"If-None-Match": `"x"`, "If-Modified-Since": mod.Format(http.TimeFormat)}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := condServe(page, "GET", tc.hdr)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.status == 200 && rec.Body.Len() != 400 {
				t.Fatalf("body %d bytes", rec.Body.Len())
			}
			if tc.status == 304 && rec.Body.Len() != 0 {
				t.Fatalf("304 with body")
			}
		})
	}
}

func TestConditionalPassesThrough(t *testing.T) {
	t.Run("large body streams without etag", func(t *testing.T) {
		rec := condServe(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("x", 100)) }, "GET", nil)
		if rec.Header().Get("ETag") != "" || rec.Body.Len() != 100 {
			t.Fatalf("%v %d", rec.Header(), rec.Body.Len())
		}
	})
	t.Run("no-store", func(t *testing.T) {
		rec := condServe(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			io.WriteString(w, "secret")
		}, "GET", nil)
		if rec.Header().Get("ETag") != "" || rec.Body.String() != "secret" {
			t.Fatalf("%v", rec.Header())
		}
	})
	t.Run("error status", func(t *testing.T) {
		rec := condServe(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", 404) }, "GET", map[string]string{"If-None-Match": "*"})
		if rec.Code != 404 || rec.Header().Get("ETag") != "" {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
	})
	t.Run("POST untouched", func(t *testing.T) {
		rec := condServe(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "made") }, "POST", map[string]string{"If-None-Match": "*"})
		if rec.Code != 200 || rec.Header().Get("ETag") != "" {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
	})
	t.Run("flushed stream", func(t *testing.T) {
		rec := condServe(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		}, "GET", nil)
		if rec.Header().Get("ETag") != "" || rec.Body.String() != "ab" || !rec.Flushed {
			t.Fatalf("%v %q", rec.Header(), rec.Body)
		}
	})
	t.Run("HEAD gets the GET etag", func(t *testing.T) {
		h := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "same") }
		g := condServe(h, "GET", nil)
		hd := condServe(h, "HEAD", nil)
		if g.Header().Get("ETag") != hd.Header().Get("ETag") || hd.Body.Len() != 0 {
			t.Fatalf("GET %v HEAD %v", g.Header(), hd.Header())
		}
	})
}

func TestConditionalWithCompress(t *testing.T) {
	h := Compress(CompressOptions{MinSize: 10})(ConditionalGET(ConditionalOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, bigText)
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, gzReq("GET", "/"))
	etag := rec.Header().Get("ETag")
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("%v", rec.Header())
	}
	req := gzReq("GET", "/")
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 304 || rec.Body.Len() != 0 {
		t.Fatalf("revalidation through Compress: %d %v", rec.Code, rec.Header())
	}
}

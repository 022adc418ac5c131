package middleware

import (
	"bufio"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip stream: %v", err)
	}
	return string(out)
}

func TestAcceptsGzip(t *testing.T) {
	cases := map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP":                  true,
		"x-gzip":                true,
		"deflate, gzip":         true,
		"gzip;q=0":              false,
		"gzip; q=0.000":         false,
		"gzip;q=0.5":            true,
		"*":                     true,
		"*;q=0":                 false,
		"*, gzip;q=0":           false,
		"gzip;q=0, *":           false,
		"br":                    false,
		"identity":              false,
		"gzip;q=abc":            false,
		"gzip;q=2":              false,
		"gzip;q=-1":             false,
		"gzip;level=9":          false,
		"gzip;q=":               false,
		",,,":                   false,
		"gzip;q=0.5;q=1":        false,
		"\x00gzip":              false,
		strings.Repeat("a,", 5): false,
	}
	for in, want := range cases {
		if got := acceptsGzip([]string{in}); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", in, got, want)
		}
	}
}

var bigText = strings.Repeat("Hello, compressible world! ", 200)

func serveCompress(t *testing.T, opts CompressOptions, h http.HandlerFunc, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	Compress(opts)(h).ServeHTTP(rec, req)
	return rec
}

func gzReq(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	return r
}

func TestCompress(t *testing.T) {
	text := func(ct, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			io.WriteString(w, body)
		}
	}
	cases := []struct {
		name     string
		h        http.HandlerFunc
		req      *http.Request
		gzip     bool
		vary     bool
		wantBody string
	}{
		{"html big", text("text/html; charset=utf-8", bigText), gzReq("GET", "/"), true, true, bigText},
		{"json big", text("application/json", bigText), gzReq("GET", "/"), true, true, bigText},
		{"problem+json", text("application/problem+json", bigText), gzReq("GET", "/"), true, true, bigText},
		{"sniffed text", text("", bigText), gzReq("GET", "/"), true, true, bigText},
		{"small body", text("text/html", "tiny"), gzReq("GET", "/"), false, true, "tiny"},
		{"png", text("image/png", bigText), gzReq("GET", "/"), false, false, bigText},
		{"no accept", text("text/html", bigText), httptest.NewRequest("GET", "/", nil), false, true, bigText},
		{"bad accept", text("text/html", bigText), func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept-Encoding", "gzip;q=nonsense")
			return r
		}(), false, true, bigText},
		{"refused", text("text/html", bigText), func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept-Encoding", "gzip;q=0")
			return r
		}(), false, true, bigText},
		{"range request", text("text/html", bigText), func() *http.Request {
			r := gzReq("GET", "/")
			r.Header.Set("Range", "bytes=0-10")
			return r
		}(), false, true, bigText},
		{"already encoded", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "br")
			io.WriteString(w, bigText)
		}, gzReq("GET", "/"), false, false, bigText},
		{"no-transform", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Cache-Control", "public, no-transform")
			io.WriteString(w, bigText)
		}, gzReq("GET", "/"), false, false, bigText},
		{"many small writes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			for i := 0; i < 200; i++ {
				io.WriteString(w, "Hello, compressible world! ")
			}
		}, gzReq("GET", "/"), true, true, bigText},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := serveCompress(t, CompressOptions{}, tc.h, tc.req)
			enc := rec.Header().Get("Content-Encoding")
			if tc.gzip {
				if enc != "gzip" {
					t.Fatalf("Content-Encoding %q, want gzip; headers %v", enc, rec.Header())
				}
				if got := gunzip(t, rec.Body.Bytes()); got != tc.wantBody {
					t.Fatalf("body round trip differs: %d bytes vs %d", len(got), len(tc.wantBody))
				}
				if rec.Header().Get("Content-Length") != "" {
					t.Fatalf("compressed response kept Content-Length")
				}
			} else {
				if enc == "gzip" {
					t.Fatalf("compressed but should not have been")
				}
				if rec.Body.String() != tc.wantBody {
					t.Fatalf("body changed: %q", rec.Body.String())
				}
			}
			if got := hasToken(rec.Header()["Vary"], "Accept-Encoding"); got != tc.vary {
				t.Fatalf("Vary: Accept-Encoding = %v, want %v (%v)", got, tc.vary, rec.Header()["Vary"])
			}
		})
	}
}

func TestCompressHeadersAndStatuses(t *testing.T) {
	t.Run("etag weakened, content-length and accept-ranges dropped", func(t *testing.T) {
		rec := serveCompress(t, CompressOptions{}, func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "text/css")
			h.Set("ETag", `"abc"`)
			h.Set("Accept-Ranges", "bytes")
			h.Set("Content-Length", "5400")
			w.WriteHeader(200)
			io.WriteString(w, bigText)
		}, gzReq("GET", "/"))
		if rec.Header().Get("ETag") != `W/"abc"` || rec.Header().Get("Accept-Ranges") != "" || rec.Header().Get("Content-Length") != "" {
			t.Fatalf("headers %v", rec.Header())
		}
		if gunzip(t, rec.Body.Bytes()) != bigText {
			t.Fatal("body differs")
		}
	})
	t.Run("declared small length", func(t *testing.T) {
		rec := serveCompress(t, CompressOptions{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Content-Length", "4")
			io.WriteString(w, "a{}\n")
		}, gzReq("GET", "/"))
		if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "a{}\n" {
			t.Fatalf("%v %q", rec.Header(), rec.Body)
		}
	})
	for _, code := range []int{204, 304, 206} {
		rec := serveCompress(t, CompressOptions{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code)
			if code == 206 {
				io.WriteString(w, bigText)
			}
		}, gzReq("GET", "/"))
		if rec.Code != code || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("status %d: got %d, encoding %q", code, rec.Code, rec.Header().Get("Content-Encoding"))
		}
	}
	t.Run("error status compressed too", func(t *testing.T) {
		rec := serveCompress(t, CompressOptions{}, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, bigText, 500)
		}, gzReq("GET", "/"))
		if rec.Code != 500 || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%d %v", rec.Code, rec.Header())
		}
	})
	t.Run("HEAD left alone", func(t *testing.T) {
		rec := serveCompress(t, CompressOptions{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, bigText)
		}, gzReq("HEAD", "/"))
		if rec.Header().Get("Content-Encoding") != "" {
			t.Fatal("HEAD compressed")
		}
	})
	t.Run("empty body", func(t *testing.T) {
		rec := serveCompress(t, CompressOptions{}, func(w http.ResponseWriter, r *http.Request) {}, gzReq("GET", "/"))
		if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Encoding") != "" {
			t.Fatalf("%d %v %q", rec.Code, rec.Header(), rec.Body)
		}
		rec = serveCompress(t, CompressOptions{}, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }, gzReq("GET", "/"))
		if rec.Code != 201 || rec.Header().Get("Content-Type") != "" || rec.Header().Get("Content-Encoding") != "" {
			t.Fatalf("status-only answer: %d %v", rec.Code, rec.Header())
		}
	})
	t.Run("custom types and min size", func(t *testing.T) {
		rec := serveCompress(t, CompressOptions{MinSize: 10, Types: []string{"application/x-custom"}, Level: gzip.BestSpeed},
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-custom")
				io.WriteString(w, "0123456789abcdef")
			}, gzReq("GET", "/"))
		if rec.Header().Get("Content-Encoding") != "gzip" || gunzip(t, rec.Body.Bytes()) != "0123456789abcdef" {
			t.Fatalf("%v", rec.Header())
		}
	})
}

func TestCompressBadLevelPanics(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(string), "Compress") {
			t.Fatalf("got %v", v)
		}
	}()
	Compress(CompressOptions{Level: 42})
}

func TestCompressFlushStreams(t *testing.T) {
	chunks := make(chan string)
	done := make(chan struct{})
	h := Compress(CompressOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for c := range chunks {
			io.WriteString(w, c)
			w.(http.Flusher).Flush()
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	go func() {
		defer close(done)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("stream not compressed: %v", resp.Header)
			return
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Error(err)
			return
		}
		br := bufio.NewReader(zr)
		for i := 0; i < 3; i++ {
			line, err := br.ReadString('\n')
			if err != nil || line != "data: tick\n" {
				t.Errorf("line %d = %q, %v", i, line, err)
				return
			}
			chunks <- "data: tick\n" // the next one is sent only after this one arrived
		}
		close(chunks)
	}()
	chunks <- "data: tick\n"
	<-done
}

type hijackRecorder struct {
	*httptest.ResponseRecorder
	hijacked bool
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.hijacked = true
	return nil, nil, nil
}

// Every wrapper must expose the writer below it and keep Flush and Hijack working.
func TestWrappersUnwrapFlushHijack(t *testing.T) {
	mws := map[string]func(http.Handler) http.Handler{
		"Logger":         Logger(nil),
		"Recover":        Recover(nil),
		"Compress":       Compress(CompressOptions{}),
		"ConditionalGET": ConditionalGET(ConditionalOptions{}),
		"Timeout":        Timeout(1 << 40),
	}
	for name, mw := range mws {
		t.Run(name, func(t *testing.T) {
			base := &hijackRecorder{ResponseRecorder: httptest.NewRecorder()}
			var sawBase, flushed bool
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for cur := w; cur != nil; {
					if cur == http.ResponseWriter(base) {
						sawBase = true
						break
					}
					u, ok := cur.(interface{ Unwrap() http.ResponseWriter })
					if !ok {
						break
					}
					cur = u.Unwrap()
				}
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "x")
				if f, ok := w.(http.Flusher); ok {
					f.Flush()
					flushed = base.Flushed
				}
				if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("ResponseController.Flush: %v", err)
				}
				if _, _, err := http.NewResponseController(w).Hijack(); err != nil {
					t.Errorf("Hijack: %v", err)
				}
			}))
			h.ServeHTTP(base, gzReq("GET", "/"))
			if !sawBase {
				t.Error("Unwrap chain does not reach the underlying writer")
			}
			if !flushed {
				t.Error("Flush did not reach the underlying writer")
			}
			if !base.hijacked {
				t.Error("Hijack did not reach the underlying writer")
			}
		})
	}
}

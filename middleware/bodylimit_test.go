package middleware

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBodyLimit(t *testing.T) {
	var readErr error
	var ran bool
	h := BodyLimit(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran = true
		_, readErr = io.ReadAll(r.Body)
		if readErr != nil {
			var s interface{ HTTPStatus() int }
			if errors.As(readErr, &s) {
				http.Error(w, readErr.Error(), s.HTTPStatus())
				return
			}
		}
		w.WriteHeader(200)
	}))
	cases := []struct {
		name    string
		body    string
		chunked bool
		status  int
		ran     bool
	}{
		{"under", "0123456789", false, 200, true},
		{"declared over", "0123456789A", false, 413, false},
		{"chunked under", "0123", true, 200, true},
		{"chunked over", strings.Repeat("x", 1000), true, 413, true},
		{"empty", "", false, 200, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran, readErr = false, nil
			req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			if tc.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status || ran != tc.ran {
				t.Fatalf("status %d ran %v, want %d %v (%q)", rec.Code, ran, tc.status, tc.ran, rec.Body)
			}
			if tc.status == 413 {
				if !strings.Contains(rec.Body.String(), "10 bytes") {
					t.Fatalf("message does not name the limit: %q", rec.Body)
				}
				if tc.chunked {
					var mbe *http.MaxBytesError
					var bte *BodyTooLargeError
					if !errors.As(readErr, &mbe) || !errors.As(readErr, &bte) || bte.Limit != 10 {
						t.Fatalf("read error %v is not both *BodyTooLargeError and *http.MaxBytesError", readErr)
					}
				}
			}
		})
	}
}

func TestBodyLimitOverRealServer(t *testing.T) {
	srv := httptest.NewServer(BodyLimit(1024)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		}
	})))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", strings.NewReader(strings.Repeat("x", 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Chunked, no Content-Length.
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 100; i++ {
			if _, err := pw.Write([]byte(strings.Repeat("y", 1000))); err != nil {
				return
			}
		}
		pw.Close()
	}()
	resp, err = http.Post(srv.URL, "text/plain", pr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	pr.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("chunked status %d", resp.StatusCode)
	}
}

func TestBodyLimitNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	BodyLimit(-1)
}

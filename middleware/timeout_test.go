package middleware

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTimeout(t *testing.T) {
	t.Run("handler honouring its context gets 503", func(t *testing.T) {
		var writeErr error
		h := Timeout(10 * time.Millisecond)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500) // what an error handler would do with ctx.Err()
			_, writeErr = io.WriteString(w, "context deadline exceeded")
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != 503 || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("status %d headers %v body %q", rec.Code, rec.Header(), rec.Body)
		}
		if !errors.Is(writeErr, http.ErrHandlerTimeout) {
			t.Fatalf("late write error %v, want http.ErrHandlerTimeout", writeErr)
		}
	})
	t.Run("fast handler untouched", func(t *testing.T) {
		var deadline bool
		h := Timeout(time.Hour)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, deadline = r.Context().Deadline()
			io.WriteString(w, "ok")
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != 200 || rec.Body.String() != "ok" || !deadline {
			t.Fatalf("%d %q deadline=%v", rec.Code, rec.Body, deadline)
		}
	})
	t.Run("started response finishes", func(t *testing.T) {
		h := Timeout(10 * time.Millisecond)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "begun ")
			<-r.Context().Done()
			io.WriteString(w, "and ended")
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != 200 || rec.Body.String() != "begun and ended" {
			t.Fatalf("%d %q", rec.Code, rec.Body)
		}
	})
	t.Run("outer cancellation is not a timeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		h := Timeout(time.Hour)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
		if rec.Code == 503 {
			t.Fatal("client cancellation answered 503")
		}
	})
	t.Run("non-positive panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		Timeout(0)
	})
}

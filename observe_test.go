package galvani

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

type recordingObserver struct {
	mu       sync.Mutex
	started  int
	finished []RequestInfo
}

func (o *recordingObserver) RequestStarted(*http.Request) { o.mu.Lock(); o.started++; o.mu.Unlock() }
func (o *recordingObserver) RequestFinished(_ *http.Request, ri RequestInfo) {
	o.mu.Lock()
	o.finished = append(o.finished, ri)
	o.mu.Unlock()
}

type ctxKeyObserveTest struct{}

// TestObserveRequestsSeesPatternThroughMiddleware checks the route pattern reaches
// the observer when middleware replaces the request (WithContext) and the writer
// (with Unwrap), for matched, unmatched, group-middleware and panicking routes.
func TestObserveRequestsSeesPatternThroughMiddleware(t *testing.T) {
	a := New(Settings{})
	o := &recordingObserver{}
	a.ObserveRequests(o)
	a.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = r.WithContext(context.WithValue(r.Context(), ctxKeyObserveTest{}, 1))
			next.ServeHTTP(&unwrapWriter{w}, r)
		})
	})
	a.Get("/items/{id:int}/", func(c *Ctx) error { return c.Text(201, "x") })
	a.Get("/quiet/", func(c *Ctx) error { return nil })
	g := a.Group("/g")
	g.Use(func(next http.Handler) http.Handler { return next })
	g.Get("/{name}/", func(c *Ctx) error { return Error(418, "teapot") })
	a.Get("/boom/", func(c *Ctx) error { panic("boom") })
	for _, p := range []string{"/items/7/", "/quiet/", "/g/x/", "/missing", "/healthz", "/boom/"} {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
	}
	want := []RequestInfo{
		{Route: "/items/{id:int}/", Status: 201},
		{Route: "/quiet/", Status: 200},
		{Route: "/g/{name}/", Status: 418},
		{Route: "", Status: 404},
		{Route: "/boom/", Status: 500},
	}
	if o.started != len(want) || len(o.finished) != len(want) {
		t.Fatalf("started %d, finished %d, want %d each (probes are not observed)", o.started, len(o.finished), len(want))
	}
	for i, w := range want {
		got := o.finished[i]
		if got.Route != w.Route || got.Status != w.Status || got.Duration <= 0 {
			t.Errorf("request %d: %+v, want %+v", i, got, w)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("ObserveRequests after serving did not panic")
		}
	}()
	a.ObserveRequests(nil)
}

// TestObserverSeesPanicEscapingMiddleware checks that a panic in middleware is
// observed as a 500 and still goes up.
func TestObserverSeesPanicEscapingMiddleware(t *testing.T) {
	a := New(Settings{})
	o := &recordingObserver{}
	a.ObserveRequests(o)
	a.Use(func(http.Handler) http.Handler {
		return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("mw") })
	})
	a.Get("/", func(c *Ctx) error { return nil })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		a.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	if len(o.finished) != 1 || o.finished[0].Status != 500 || o.finished[0].Route != "" {
		t.Errorf("finished = %+v", o.finished)
	}
}

type unwrapWriter struct{ http.ResponseWriter }

func (w *unwrapWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// BenchmarkPlaintextObserved is BenchmarkPlaintext's App with a request observer
// that does nothing: the cost of the hook itself.
func BenchmarkPlaintextObserved(b *testing.B) {
	a := New(Settings{})
	a.ObserveRequests(nopObserver{})
	a.Get("/plaintext", func(c *Ctx) error { return c.Text(http.StatusOK, "Hello, World!") })
	r := newBenchRequest(b, "/plaintext")
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		a.ServeHTTP(w, r)
	}
}

type nopObserver struct{}

func (nopObserver) RequestStarted(*http.Request)               {}
func (nopObserver) RequestFinished(*http.Request, RequestInfo) {}

package galvani

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

type published struct{ title string }

func TestSignalSendOrderAndDisconnect(t *testing.T) {
	var sig Signal[*published]
	if sig.HasReceivers() || sig.Receivers() != 0 {
		t.Fatal("zero signal has receivers")
	}
	if err := sig.Send(context.Background(), &published{"x"}); err != nil {
		t.Fatalf("send without receivers: %v", err)
	}
	var got []string
	d1 := sig.Connect(func(ctx context.Context, p *published) error { got = append(got, "a:"+p.title); return nil })
	d2 := sig.Connect(func(ctx context.Context, p *published) error { got = append(got, "b:"+p.title); return nil })
	if err := sig.Send(context.Background(), &published{"one"}); err != nil {
		t.Fatal(err)
	}
	d1()
	d1() // twice is harmless
	if err := sig.Send(context.Background(), &published{"two"}); err != nil {
		t.Fatal(err)
	}
	d2()
	if err := sig.Send(context.Background(), &published{"three"}); err != nil {
		t.Fatal(err)
	}
	if want := "a:one b:one b:two"; strings.Join(got, " ") != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if sig.HasReceivers() {
		t.Fatal("receivers left after disconnecting all")
	}
}

func TestSignalSendStopsAtFirstErrorSendAllDoesNot(t *testing.T) {
	var sig Signal[int]
	errVeto := errors.New("veto")
	errOther := errors.New("other")
	var calls []string
	sig.Connect(func(context.Context, int) error { calls = append(calls, "1"); return errVeto })
	sig.Connect(func(context.Context, int) error { calls = append(calls, "2"); return errOther })
	sig.Connect(func(context.Context, int) error { calls = append(calls, "3"); return nil })
	if err := sig.Send(context.Background(), 1); !errors.Is(err, errVeto) {
		t.Fatalf("Send = %v, want the first error", err)
	}
	if strings.Join(calls, "") != "1" {
		t.Fatalf("Send called %v after the first error", calls)
	}
	calls = nil
	err := sig.SendAll(context.Background(), 1)
	if !errors.Is(err, errVeto) || !errors.Is(err, errOther) {
		t.Fatalf("SendAll = %v, want both errors", err)
	}
	if strings.Join(calls, "") != "123" {
		t.Fatalf("SendAll called %v, want every receiver", calls)
	}
}

func TestSignalSameFunctionTwice(t *testing.T) {
	var sig Signal[string]
	n := 0
	fn := func(context.Context, string) error { n++; return nil }
	d := sig.Connect(fn)
	sig.Connect(fn)
	sig.Send(context.Background(), "")
	d()
	sig.Send(context.Background(), "")
	if n != 3 || sig.Receivers() != 1 {
		t.Fatalf("calls %d, receivers %d; want 3 and 1", n, sig.Receivers())
	}
}

func TestSignalNilReceiverPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Connect(nil) did not panic")
		}
	}()
	var sig Signal[int]
	sig.Connect(nil)
}

// A receiver that connects or disconnects while a send is under way neither
// deadlocks nor changes the receivers of that send.
func TestSignalConnectDuringSend(t *testing.T) {
	var sig Signal[int]
	var order []string
	var dSelf func()
	dSelf = sig.Connect(func(ctx context.Context, _ int) error {
		order = append(order, "self")
		dSelf()
		sig.Connect(func(context.Context, int) error { order = append(order, "late"); return nil })
		return nil
	})
	sig.Send(context.Background(), 0)
	sig.Send(context.Background(), 0)
	if got := strings.Join(order, " "); got != "self late" {
		t.Fatalf("order %q", got)
	}
}

func TestSignalConcurrent(t *testing.T) {
	var sig Signal[int]
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				d := sig.Connect(func(context.Context, int) error { mu.Lock(); total++; mu.Unlock(); return nil })
				d()
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				sig.Send(context.Background(), j)
			}
		}()
	}
	wg.Wait()
	if sig.HasReceivers() {
		t.Fatal("receivers left")
	}
}

func TestRequestSignals(t *testing.T) {
	var logs bytes.Buffer
	a := New(Settings{Debug: true})
	a.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	a.Use(func(next http.Handler) http.Handler { return next })
	var seen []string
	a.Get("/ok", func(c *Ctx) error { seen = append(seen, "handler"); return c.Text(200, "ok") })
	a.Get("/boom", func(c *Ctx) error { panic("boom") })
	dStart := RequestStarted.Connect(func(ctx context.Context, ev RequestEvent) error {
		if ev.App != a {
			return nil // another test's App: the signals are process-wide
		}
		if ctx != ev.Request.Context() {
			t.Errorf("started: not the request's context")
		}
		seen = append(seen, "started "+ev.Request.URL.Path)
		return nil
	})
	defer dStart()
	dFinish := RequestFinished.Connect(func(ctx context.Context, ev RequestEvent) error {
		if ev.App != a {
			return nil
		}
		seen = append(seen, "finished "+ev.Request.URL.Path)
		return errors.New("receiver trouble")
	})
	defer dFinish()

	w := httptest.NewRecorder()
	a.ServeHTTP(w, httptest.NewRequest("GET", "/ok", nil))
	if w.Code != 200 {
		t.Fatalf("status %d: a failing receiver changed the response", w.Code)
	}
	w = httptest.NewRecorder()
	a.ServeHTTP(w, httptest.NewRequest("GET", "/boom", nil))
	if w.Code != 500 {
		t.Fatalf("panicking handler answered %d", w.Code)
	}
	want := "started /ok|handler|finished /ok|started /boom|finished /boom"
	if got := strings.Join(seen, "|"); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	if !strings.Contains(logs.String(), "request_finished receiver failed") || !strings.Contains(logs.String(), "receiver trouble") {
		t.Fatalf("receiver error not logged: %s", logs.String())
	}
}

// Without receivers the request signals add no allocation to a request.
func TestRequestSignalsFreeWhenUnused(t *testing.T) {
	a := New(Settings{})
	a.Get("/x", func(c *Ctx) error { return nil })
	r := httptest.NewRequest("GET", "/x", nil)
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	n := testing.AllocsPerRun(100, func() { a.ServeHTTP(w, r) })
	if n != 0 {
		t.Fatalf("%v allocations per request without signal receivers", n)
	}
}

func ExampleSignal() {
	type Article struct{ Title string }
	var published Signal[*Article]

	disconnect := published.Connect(func(ctx context.Context, a *Article) error {
		fmt.Println("notify subscribers of", a.Title) // a real receiver sends mail, clears caches...
		return nil
	})
	_ = published.Send(context.Background(), &Article{Title: "Hello"})
	disconnect()
	_ = published.Send(context.Background(), &Article{Title: "Unseen"})
	// Output: notify subscribers of Hello
}

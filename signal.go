package galvani

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
)

// Signal is a typed event that any number of receivers subscribe to, like Django's
// django.dispatch.Signal, with the payload's type checked by the compiler. The zero
// value is ready to use; declare a project's own signals as package variables:
//
//	var ArticlePublished galvani.Signal[*Article]
//
//	disconnect := ArticlePublished.Connect(func(ctx context.Context, a *Article) error {
//		return notifySubscribers(ctx, a)
//	})
//	defer disconnect()
//	err := ArticlePublished.Send(ctx, article)
//
// Receivers run synchronously, in the goroutine of Send, in the order they were
// connected. A Signal is safe for concurrent use: Connect and disconnect may run while
// another goroutine sends, and a send already under way finishes with the receivers it
// started with. Sending to a signal without receivers costs one atomic load.
type Signal[T any] struct {
	mu        sync.Mutex                           // serialises Connect and disconnect
	receivers atomic.Pointer[[]*signalReceiver[T]] // copy on write: Send reads without locking
}

type signalReceiver[T any] struct {
	fn func(ctx context.Context, v T) error
}

// Connect adds fn as a receiver and returns a function that removes it again.
// Calling the returned function more than once does nothing. Connecting the same
// function twice makes it a receiver twice. Connect panics on a nil fn.
func (s *Signal[T]) Connect(fn func(ctx context.Context, v T) error) (disconnect func()) {
	if fn == nil {
		panic("galvani: Signal.Connect with a nil receiver")
	}
	r := &signalReceiver[T]{fn: fn}
	s.mu.Lock()
	var cur []*signalReceiver[T]
	if p := s.receivers.Load(); p != nil {
		cur = *p
	}
	next := append(append(make([]*signalReceiver[T], 0, len(cur)+1), cur...), r)
	s.receivers.Store(&next)
	s.mu.Unlock()
	return func() { s.disconnect(r) }
}

func (s *Signal[T]) disconnect(r *signalReceiver[T]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.receivers.Load()
	if p == nil {
		return
	}
	next := make([]*signalReceiver[T], 0, len(*p))
	for _, x := range *p {
		if x != r {
			next = append(next, x)
		}
	}
	if len(next) == 0 {
		s.receivers.Store(nil)
		return
	}
	s.receivers.Store(&next)
}

// HasReceivers reports whether any receiver is connected, so a sender can skip
// building an expensive payload.
func (s *Signal[T]) HasReceivers() bool { return s.receivers.Load() != nil }

// Receivers returns the number of connected receivers.
func (s *Signal[T]) Receivers() int {
	if p := s.receivers.Load(); p != nil {
		return len(*p)
	}
	return 0
}

// Send calls every receiver with v in connection order and returns the first error
// one returns; the receivers after it are not called (Django's send). Use it when a
// receiver may veto what the sender is about to do.
func (s *Signal[T]) Send(ctx context.Context, v T) error {
	p := s.receivers.Load()
	if p == nil {
		return nil
	}
	for _, r := range *p {
		if err := r.fn(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// SendAll calls every receiver with v, even after one fails, and returns their
// errors joined (Django's send_robust). Use it for notifications that every receiver
// must see.
func (s *Signal[T]) SendAll(ctx context.Context, v T) error {
	p := s.receivers.Load()
	if p == nil {
		return nil
	}
	var errs []error
	for _, r := range *p {
		if err := r.fn(ctx, v); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RequestEvent is what the request signals send: the App serving and the request.
type RequestEvent struct {
	App     *App
	Request *http.Request
}

// RequestStarted is sent by App.ServeHTTP for every request before any middleware
// runs (Django's request_started). RequestFinished is sent after the response was
// written, even when the handler panicked (Django's request_finished). Both are sent
// with SendAll, with the request's context; receivers' errors are logged to
// App.Logger and do not change the response. They are process-wide, like Django's:
// a receiver sees the requests of every App in the process (RequestEvent.App says
// which). An App with no receivers connected pays one atomic load per signal and
// request.
var (
	RequestStarted  Signal[RequestEvent]
	RequestFinished Signal[RequestEvent]
)

// serveWithSignals is ServeHTTP when a request signal has receivers.
func (a *App) serveWithSignals(w http.ResponseWriter, r *http.Request) {
	ev := RequestEvent{App: a, Request: r}
	a.sendRequestSignal(&RequestStarted, "request_started", ev)
	defer a.sendRequestSignal(&RequestFinished, "request_finished", ev)
	if len(a.middleware) == 0 {
		a.dispatch(w, r)
		return
	}
	a.handler.ServeHTTP(w, r)
}

// sendRequestSignal sends a request signal, logging the receivers' errors.
func (a *App) sendRequestSignal(s *Signal[RequestEvent], name string, ev RequestEvent) {
	if err := s.SendAll(ev.Request.Context(), ev); err != nil {
		a.Logger.Error("galvani: "+name+" receiver failed", "method", ev.Request.Method, "path", ev.Request.URL.Path, "err", err)
	}
}

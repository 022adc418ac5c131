package galvani

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// statusErr is an error type that carries a status without importing anything, like
// the orm's ErrNotFound.
type statusErr struct{ code int }

func (e statusErr) Error() string   { return fmt.Sprintf("internal detail %d at /srv/app/db.go", e.code) }
func (e statusErr) HTTPStatus() int { return e.code }

func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{errors.New("x"), 500},
		{Error(404, ""), 404},
		{fmt.Errorf("wrapped: %w", Error(409, "taken")), 409},
		{statusErr{410}, 410},
		{statusErr{200}, 500}, // not an error status
		{statusErr{999}, 500},
		{&ValidationError{}, 400},
		{&ValidationError{Status: 422}, 422},
		{&PanicError{Value: Error(404, "")}, 500},
		{errors.Join(errors.New("a"), Error(403, "")), 403},
	} {
		if got := StatusOf(tc.err); got != tc.want {
			t.Errorf("StatusOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestValidationError(t *testing.T) {
	var v ValidationError
	if v.Err() != nil {
		t.Fatal("empty ValidationError must be a nil error")
	}
	var nilV *ValidationError
	if nilV.Err() != nil {
		t.Fatal("nil *ValidationError must be a nil error")
	}
	v.Add("title", "required").Add("title", "too short").Add("", "dates overlap")
	if got := v.Error(); got != "invalid input: title: required; title: too short; dates overlap" {
		t.Errorf("Error() = %q", got)
	}
	m := v.FieldMap()
	if len(m["title"]) != 2 || m[""][0] != "dates overlap" {
		t.Errorf("FieldMap = %v", m)
	}
	if e := Invalid("age", "must be at least %d", 18); e.Fields[0] != (FieldError{"age", "must be at least 18"}) || e.HTTPStatus() != 400 {
		t.Errorf("Invalid = %+v", e)
	}
}

func TestRequestID(t *testing.T) {
	r, _ := http.NewRequest("GET", "/", nil)
	if RequestID(r) != "" || RequestID(nil) != "" {
		t.Fatal("no ID expected")
	}
	r = r.WithContext(WithRequestID(context.Background(), "req-123"))
	if RequestID(r) != "req-123" || RequestIDFromContext(r.Context()) != "req-123" {
		t.Fatalf("RequestID = %q", RequestID(r))
	}
}

// withRequestID is the part of the logging middleware these tests need.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), "rid-42")))
	})
}

func TestHandleErrorProduction(t *testing.T) {
	a, logs := testApp(t, false)
	a.Use(withRequestID)
	a.Get("/httperr", func(c *Ctx) error { return Error(409, "slug already taken").Wrap(errors.New("pq: duplicate key")) })
	a.Get("/5xx-msg", func(c *Ctx) error { return Error(503, "Down for maintenance") })
	a.Get("/plain", func(c *Ctx) error {
		return fmt.Errorf("query /srv/app/db.go: %w", errors.New("password=hunter2 refused"))
	})
	a.Get("/custom", func(c *Ctx) error { return statusErr{404} })
	a.Get("/invalid", func(c *Ctx) error { return Invalid("email", "enter a valid <email>") })
	a.Get("/panic", func(c *Ctx) error { panic("secret panic text") })
	a.Get("/nilmap", func(c *Ctx) error {
		var m map[string]int
		m["x"] = 1
		return nil
	})
	a.Get("/panic-err", func(c *Ctx) error { panic(fmt.Errorf("open /etc/app.conf: %w", os.ErrNotExist)) })
	a.Get("/headers", func(c *Ctx) error {
		c.SetHeader("Content-Disposition", "attachment")
		c.SetHeader("Content-Type", "application/pdf")
		c.SetHeader("X-Kept", "yes")
		return errors.New("pdf failed")
	})

	type want struct {
		status   int
		ct       string
		contains []string
	}
	html, js, txt := "text/html; charset=utf-8", "application/json", "text/plain; charset=utf-8"
	for _, tc := range []struct {
		path, accept string
		want         want
	}{
		{"/httperr", "application/json", want{409, js, []string{`{"error":"slug already taken","status":409,"request_id":"rid-42"}`}}},
		{"/httperr", "text/html", want{409, html, []string{"<h1>slug already taken</h1>", "rid-42"}}},
		{"/httperr", "text/plain", want{409, txt, []string{"slug already taken\n"}}},
		{"/httperr", "", want{409, txt, []string{"slug already taken"}}},
		{"/httperr", "*/*", want{409, txt, []string{"slug already taken"}}},
		{"/httperr", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", want{409, html, []string{"slug already taken"}}},
		{"/httperr", "image/png", want{409, txt, []string{"slug already taken"}}},
		{"/httperr", "text/html;q=0.5, application/json", want{409, js, []string{"slug already taken"}}},
		{"/5xx-msg", "application/json", want{503, js, []string{"Down for maintenance"}}},
		{"/plain", "application/json", want{500, js, []string{`{"error":"Internal Server Error","status":500,"request_id":"rid-42"}`}}},
		{"/plain", "text/html", want{500, html, []string{"Internal Server Error"}}},
		{"/custom", "application/json", want{404, js, []string{`"error":"Not Found"`}}},
		{"/invalid", "application/json", want{400, js, []string{`"fields":{"email":["enter a valid \u003cemail\u003e"]}`}}},
		{"/invalid", "text/html", want{400, html, []string{"<b>email</b>: enter a valid &lt;email&gt;"}}},
		{"/invalid", "text/plain", want{400, txt, []string{"- email: enter a valid <email>"}}},
		{"/panic", "text/html", want{500, html, []string{"Internal Server Error"}}},
		{"/panic", "application/json", want{500, js, []string{"Internal Server Error"}}},
		{"/panic", "text/plain", want{500, txt, []string{"Internal Server Error"}}},
		{"/nilmap", "text/html", want{500, html, []string{"Internal Server Error"}}},
		{"/panic-err", "application/json", want{500, js, []string{"Internal Server Error"}}},
		{"/headers", "text/plain", want{500, txt, []string{"Internal Server Error"}}},
		{"/nowhere", "text/html", want{404, html, []string{"<h1>Not Found</h1>"}}},
		{"/nowhere", "application/json", want{404, js, []string{`"error":"Not Found"`}}},
	} {
		hdr := []string{}
		if tc.accept != "" {
			hdr = []string{"Accept", tc.accept}
		}
		w := do(a, "GET", tc.path, nil, hdr...)
		body := w.Body.String()
		if w.Code != tc.want.status || w.Header().Get("Content-Type") != tc.want.ct {
			t.Errorf("%s (%s): got %d %q, want %d %q\n%s", tc.path, tc.accept, w.Code, w.Header().Get("Content-Type"), tc.want.status, tc.want.ct, body)
		}
		for _, s := range tc.want.contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s (%s): body lacks %q:\n%s", tc.path, tc.accept, s, body)
			}
		}
		// Nothing internal leaks in production: no error text, paths, stack or settings.
		for _, leak := range []string{"secret panic", "hunter2", "/srv/", "/etc/", ".go", "goroutine", "panic", "pq:", "duplicate", "internal detail", "s3cr3t", "nil map", "pdf failed", "Traceback"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s (%s): production response leaks %q:\n%s", tc.path, tc.accept, leak, body)
			}
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", tc.path)
		}
	}
	w := do(a, "GET", "/headers", nil)
	if w.Header().Get("Content-Disposition") != "" || w.Header().Get("X-Kept") != "yes" {
		t.Errorf("stale headers: %v", w.Header())
	}

	// The details go to the log, with the request ID and, for panics, the stack.
	log := logs.String()
	for _, s := range []string{"secret panic text", "hunter2 refused", "request_id=rid-42", "errors_test.go", "status=500", "pq: duplicate key", "level=WARN msg=\"client error\" status=409"} {
		if !strings.Contains(log, s) {
			t.Errorf("log lacks %q:\n%s", s, log)
		}
	}
}

func TestAbortHandlerPanicPropagates(t *testing.T) {
	a, _ := testApp(t, false)
	a.Get("/abort", func(c *Ctx) error { panic(http.ErrAbortHandler) })
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	do(a, "GET", "/abort", nil)
	t.Error("http.ErrAbortHandler must reach net/http")
}

func TestPanicStackStartsAtHandler(t *testing.T) {
	var got *PanicError
	a, _ := testApp(t, false)
	a.Get("/capture", func(c *Ctx) error {
		defer func() {
			if v := recover(); v != nil {
				got = newPanicError(v)
			}
		}()
		return panicky()
	})
	do(a, "GET", "/capture", nil)
	if got == nil || len(got.Callers()) == 0 {
		t.Fatal("no stack captured")
	}
	frames := debugFrames(got.Callers())
	if !strings.HasSuffix(frames[0].Function, "galvani.panicky") {
		t.Errorf("first frame %s, want panicky", frames[0].Function)
	}
}

func panicky() error {
	var s []int
	_ = s[3] // index out of range
	return nil
}

// A panic after the response started cannot become a 500: the status is on its way.
// The connection is aborted instead (http.ErrAbortHandler), so the client sees a
// failure, never a cut-off body that looks complete.
func TestPanicAfterResponseStartedAbortsConnection(t *testing.T) {
	a, logs := testApp(t, false)
	a.Get("/buffered", func(c *Ctx) error { // still in net/http's buffer: would get a Content-Length
		c.Response.Write([]byte("partial"))
		panic("late")
	})
	a.Get("/length", func(c *Ctx) error { // declared length, body cut
		c.SetHeader("Content-Length", "100")
		c.Response.Write([]byte("partial"))
		panic("late")
	})
	a.Get("/flushed", func(c *Ctx) error { // headers on the wire, chunked body cut
		c.Response.Write([]byte("partial"))
		http.NewResponseController(c.Response).Flush()
		panic("late")
	})
	a.Get("/before", func(c *Ctx) error { panic("early") })
	srv := httptest.NewServer(a)
	defer srv.Close()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	for _, path := range []string{"/buffered", "/length", "/flushed"} {
		res, err := srv.Client().Get(srv.URL + path)
		if err == nil {
			body, rerr := io.ReadAll(res.Body)
			res.Body.Close()
			if rerr == nil {
				t.Errorf("%s: the client got a complete-looking answer: %d %q (Content-Length %d)", path, res.StatusCode, body, res.ContentLength)
			}
		}
	}
	// Before anything was written, a panic is still a clean 500.
	res, err := srv.Client().Get(srv.URL + "/before")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 500 {
		t.Errorf("panic before writing: %d, want 500", res.StatusCode)
	}
	if n := strings.Count(logs.String(), "panic: late"); n != 3 {
		t.Errorf("each late panic must be logged once, got %d:\n%s", n, logs)
	}
}

// downErr is a database-down error as the orm's UnavailableError is: a 503 that asks
// clients to come back later.
type downErr struct{}

func (downErr) Error() string             { return "dial tcp 10.0.0.5:5432: connect: connection refused" }
func (downErr) HTTPStatus() int           { return 503 }
func (downErr) RetryAfter() time.Duration { return 1500 * time.Millisecond }
func (downErr) Unwrap() error             { return nil }

func TestHandleErrorUnavailable(t *testing.T) {
	for _, debug := range []bool{false, true} {
		a, logs := testApp(t, debug)
		a.Get("/down", func(c *Ctx) error { return fmt.Errorf("loading the article: %w", downErr{}) })
		for _, accept := range []string{"text/html", "application/json", ""} {
			w := do(a, "GET", "/down", nil, "Accept", accept)
			body := w.Body.String()
			if w.Code != 503 || w.Header().Get("Retry-After") != "2" {
				t.Errorf("debug=%v %q: got %d Retry-After %q, want 503 and 2 (seconds rounded up)\n%s", debug, accept, w.Code, w.Header().Get("Retry-After"), body)
			}
			// Not the debug page, even in debug mode: no stack, no settings.
			for _, s := range []string{"goroutine", "errors_test.go", "Traceback", "SECRET"} {
				if strings.Contains(body, s) {
					t.Errorf("debug=%v %q: the 503 shows %q:\n%s", debug, accept, s, body)
				}
			}
			if !strings.Contains(body, "Service Unavailable") {
				t.Errorf("debug=%v %q: body does not say Service Unavailable:\n%s", debug, accept, body)
			}
			if strings.Contains(body, "10.0.0.5") != debug {
				t.Errorf("debug=%v %q: the cause is shown only in debug mode:\n%s", debug, accept, body)
			}
		}
		log := logs.String()
		if !strings.Contains(log, `msg="service unavailable"`) || !strings.Contains(log, "connection refused") || strings.Contains(log, "stack=") {
			t.Errorf("debug=%v: want one stackless \"service unavailable\" line with the cause:\n%s", debug, log)
		}
	}
}

package galvani

import (
	"bytes"
	"fmt"
	"net/http"
)

// ErrorReport describes a server error (a 5xx answered by HandleError) to the hooks
// registered with App.OnServerError, with the details of the debug page: the mail
// battery mails it to the admins (Django's AdminEmailHandler). Secrets in settings,
// headers, cookies and forms are masked as on the debug page. It is built whatever
// Settings.Debug says; the visitor never sees it.
type ErrorReport struct {
	// Request is the request that failed. Its body has been read or not, as the
	// handler left it; do not read it.
	Request *http.Request
	// Status is the HTTP status answered (500 and up).
	Status int
	// Err is the error (a *PanicError for a panic).
	Err error

	page *debugPage
}

// Text returns the report as plain text: the error and what it wraps, the request,
// the stack with the current source line of each frame, the query, form, cookies,
// headers and settings (secrets masked).
func (r *ErrorReport) Text() string { return debugText(r.page) }

// HTML returns the report as the HTML debug page.
func (r *ErrorReport) HTML() string {
	var b bytes.Buffer
	if err := debug500Page.Execute(&b, r.page); err != nil {
		return ""
	}
	return b.String()
}

// Signature identifies the error for rate limiting: its type, the route and the
// innermost frame of the project's code, so the same bug on different URLs is one
// error and different bugs are different errors.
func (r *ErrorReport) Signature() string {
	where := ""
	for _, f := range r.page.Frames {
		if !f.System {
			where = fmt.Sprintf("%s:%d", f.File, f.Line)
			break
		}
	}
	return r.page.Title + "|" + r.page.Route + "|" + where
}

// OnServerError registers fn to run for every server error HandleError answers,
// after it is logged and before the response is written, in Debug mode too. fn runs
// on the request's goroutine: send anything slow to the background. A panic in fn is
// logged and otherwise ignored. Call it before serving; it panics after.
func (a *App) OnServerError(fn func(*ErrorReport)) {
	a.checkNotServing("App.OnServerError")
	a.errorHooks = append(a.errorHooks, fn)
}

func (a *App) reportError(c *Ctx, status int, err error) {
	defer func() {
		if v := recover(); v != nil {
			a.Logger.Error("an OnServerError hook panicked", "panic", fmt.Sprint(v))
		}
	}()
	p := a.buildDebugPage(c, status, err)
	p.Report = true
	rep := &ErrorReport{Request: c.Request, Status: status, Err: err, page: p}
	for _, h := range a.errorHooks {
		h(rep)
	}
}

package galvani

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"strings"
	"time"
)

// This file renders the debug pages (Settings.Debug only): the technical 500 page,
// modelled on Django's, and the 404 page that lists the routes that were tried.

// debugFrame is one stack frame with its source context.
type debugFrame struct {
	Function string
	File     string
	Line     int
	System   bool // Go runtime or standard library: collapsed on the page
	Source   []debugLine
}

type debugLine struct {
	N       int
	Text    string
	Current bool
}

// debugPage is everything the 500 page shows.
type debugPage struct {
	Status     int
	StatusText string
	Title      string // the error's type
	Message    string // the error's text
	Location   string // innermost frame of the project's code
	Chain      []debugRow
	Frames     []debugFrame
	Method     string
	URL        string
	Route      string
	Handler    string
	RequestID  string
	GoVersion  string
	Time       string
	Query      []debugRow
	Form       []debugRow
	Cookies    []debugRow
	Headers    []debugRow
	Settings   []debugRow
	Sections   []debugSectionView
	Report     bool // rendered for an ErrorReport (a mail), not for the visitor
}

// debugJSON is the debug member of a JSON error response in debug mode.
type debugJSON struct {
	Error  string      `json:"error"`
	Type   string      `json:"type"`
	Chain  []string    `json:"chain,omitempty"`
	Stack  []jsonFrame `json:"stack,omitempty"`
	Routes []string    `json:"routes,omitempty"`
}

type jsonFrame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// stackOf returns the stack recorded by the first error in err's chain that has a
// Callers() []uintptr method (PanicError has one), or nil.
func stackOf(err error) []uintptr {
	var s interface{ Callers() []uintptr }
	if errors.As(err, &s) {
		return s.Callers()
	}
	return nil
}

// formatStack renders program counters like a Go traceback, for log lines.
func formatStack(pcs []uintptr) string {
	var b strings.Builder
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
		if !more {
			break
		}
	}
	return b.String()
}

const sourceContext = 7 // lines shown on each side of a frame's line

// sourceCache reads each source file once per page, skipping unreadable or huge files.
type sourceCache map[string][]string

func (sc sourceCache) lines(file string) []string {
	if l, ok := sc[file]; ok {
		return l
	}
	sc[file] = nil
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() > 4<<20 || !st.Mode().IsRegular() {
		return nil
	}
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	sc[file] = lines
	return lines
}

func isSystemFrame(f runtime.Frame) bool {
	if strings.HasPrefix(f.Function, "runtime.") {
		return true
	}
	if root := runtime.GOROOT(); root != "" && strings.HasPrefix(f.File, root+"/") {
		return true
	}
	return false
}

func debugFrames(pcs []uintptr) []debugFrame {
	if len(pcs) == 0 {
		return nil
	}
	sc := sourceCache{}
	var out []debugFrame
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		df := debugFrame{Function: f.Function, File: f.File, Line: f.Line, System: isSystemFrame(f)}
		if lines := sc.lines(f.File); f.Line > 0 && f.Line <= len(lines) {
			lo, hi := max(1, f.Line-sourceContext), min(len(lines), f.Line+sourceContext)
			for n := lo; n <= hi; n++ {
				df.Source = append(df.Source, debugLine{N: n, Text: lines[n-1], Current: n == f.Line})
			}
		}
		out = append(out, df)
		if !more || len(out) >= 100 {
			break
		}
	}
	return out
}

// errorChain lists err and the errors it wraps: type and message.
func errorChain(err error) []debugRow {
	var rows []debugRow
	var walk func(e error, depth int)
	walk = func(e error, depth int) {
		for e != nil && depth < 16 && len(rows) < 32 {
			rows = append(rows, debugRow{typeName(e), e.Error()})
			switch u := e.(type) {
			case interface{ Unwrap() []error }:
				for _, x := range u.Unwrap() {
					walk(x, depth+1)
				}
				return
			case interface{ Unwrap() error }:
				e = u.Unwrap()
			default:
				return
			}
			depth++
		}
	}
	walk(err, 0)
	return rows
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// errorTitle names err for the debug page by its type, as Django names the
// exception class. fmt.Errorf's and errors.Join's wrappers say nothing about what
// went wrong, so it looks through them to the (first) error they wrap.
func errorTitle(err error) string {
	for range 100 {
		switch typeName(err) {
		case "*fmt.wrapError", "*fmt.wrapErrors", "*errors.joinError":
		default:
			return typeName(err)
		}
		var next error
		switch x := err.(type) {
		case interface{ Unwrap() error }:
			next = x.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := x.Unwrap(); len(errs) > 0 {
				next = errs[0]
			}
		}
		if next == nil {
			break
		}
		err = next
	}
	return typeName(err)
}

func (a *App) buildDebugPage(c *Ctx, status int, err error) *debugPage {
	r := c.Request
	p := &debugPage{
		Status: status, StatusText: http.StatusText(status),
		Title: errorTitle(err), Message: err.Error(),
		Chain: errorChain(err), Frames: debugFrames(stackOf(err)),
		Method: r.Method, URL: requestURL(r), RequestID: RequestID(r),
		GoVersion: runtime.Version(), Time: time.Now().Format(time.RFC1123Z),
		Query: valuesRows(c.QueryValues()), Form: formRows(r), Cookies: cookieRows(r), Headers: headerRows(r.Header),
		Settings: settingsRows(&a.Settings), Sections: a.evalDebugSections(r),
	}
	if pe := (*PanicError)(nil); errors.As(err, &pe) {
		p.Title = "panic"
		switch pe.Value.(type) {
		case runtime.Error, string:
		default:
			p.Title = "panic: " + typeName(pe.Value)
		}
		p.Message = fmt.Sprint(pe.Value)
	}
	if rt := c.Route(); rt != nil {
		p.Route = methodsString(rt.Methods) + " " + rt.Pattern
		if n := rt.FullName(); n != "" {
			p.Route += " (name " + n + ")"
		}
		p.Handler = rt.Handler()
	}
	for _, f := range p.Frames {
		if !f.System {
			p.Location = fmt.Sprintf("%s, line %d, in %s", f.File, f.Line, f.Function)
			break
		}
	}
	return p
}

// requestURL reconstructs the URL the client asked for, with the values of
// secret-looking query parameters masked.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := *r.URL
	if u.RawQuery != "" {
		q, _ := url.ParseQuery(u.RawQuery)
		changed := false
		for k := range q {
			if secretName.MatchString(k) {
				q[k] = []string{masked}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return scheme + "://" + r.Host + u.RequestURI()
}

func debugHeaders(w http.ResponseWriter, status int, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

// debug500 writes the technical error page for a 5xx in debug mode.
func (a *App) debug500(c *Ctx, status int, err error) {
	p := a.buildDebugPage(c, status, err)
	w := c.Response
	switch errorFormat(c.Request) {
	case "text/html":
		debugHeaders(w, status, "text/html; charset=utf-8")
		if terr := debug500Page.Execute(w, p); terr != nil {
			a.Logger.Error("debug page failed", "err", terr)
		}
	case "application/json":
		body := errorBody{Error: publicMessage(status, err), Status: status, RequestID: p.RequestID, Detail: err.Error()}
		dj := &debugJSON{Error: err.Error(), Type: p.Title}
		for _, r := range p.Chain[1:] {
			dj.Chain = append(dj.Chain, r.K+": "+r.V)
		}
		for _, f := range p.Frames {
			dj.Stack = append(dj.Stack, jsonFrame{f.Function, f.File, f.Line})
		}
		body.Debug = dj
		w.Header().Set("Cache-Control", "no-store")
		writeJSONError(w, status, body)
	default:
		debugHeaders(w, status, "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(debugText(p)))
	}
}

// debugText is the debug page as plain text.
func debugText(p *debugPage) string {
	var b strings.Builder
	{
		fmt.Fprintf(&b, "%d %s\n\n%s: %s\n", p.Status, p.StatusText, p.Title, p.Message)
		for _, r := range p.Chain[1:] {
			fmt.Fprintf(&b, "  wraps %s: %s\n", r.K, r.V)
		}
		fmt.Fprintf(&b, "\nRequest: %s %s\n", p.Method, p.URL)
		if p.Route != "" {
			fmt.Fprintf(&b, "Route: %s -> %s\n", p.Route, p.Handler)
		}
		if p.RequestID != "" {
			fmt.Fprintf(&b, "Request ID: %s\n", p.RequestID)
		}
		if len(p.Frames) > 0 {
			b.WriteString("\nStack (innermost first):\n")
			for _, f := range p.Frames {
				fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
				for _, l := range f.Source {
					if l.Current {
						fmt.Fprintf(&b, "\t> %5d  %s\n", l.N, l.Text)
					}
				}
			}
		}
		if p.Report {
			for _, sec := range []struct {
				name string
				rows []debugRow
			}{{"GET", p.Query}, {"POST", p.Form}, {"COOKIES", p.Cookies}, {"HEADERS", p.Headers}, {"Settings", p.Settings}} {
				if len(sec.rows) == 0 {
					continue
				}
				fmt.Fprintf(&b, "\n%s:\n", sec.name)
				for _, r := range sec.rows {
					fmt.Fprintf(&b, "  %s = %s\n", r.K, r.V)
				}
			}
			fmt.Fprintf(&b, "\nGo %s, %s\n", p.GoVersion, p.Time)
		} else {
			b.WriteString("\nYou see this page because Settings.Debug is on. Turn it off in production.\n")
		}
	}
	return b.String()
}

// debug404Page holds what the debug 404 page shows.
type debug404View struct {
	Method    string
	Path      string
	URL       string
	RequestID string
	Message   string
	RaisedBy  string // handler that returned the 404, when a route matched
	Hint      string // the router's explanation, when no route matched (APPEND_SLASH)
	Route     string
	Routes    []debugRoute
}

type debugRoute struct {
	N       int
	Methods string
	Pattern string
	Name    string
	Handler string
}

// debug404 writes the 404 page in debug mode: for a path no route matched, the routes
// that were tried, in order, like Django's; for a 404 a handler returned, its message
// and the handler.
func (a *App) debug404(c *Ctx, err error) {
	r := c.Request
	v := &debug404View{Method: r.Method, Path: r.URL.Path, URL: requestURL(r), RequestID: RequestID(r), Message: err.Error()}
	if rt := c.Route(); rt != nil {
		v.RaisedBy = rt.Handler()
		v.Route = methodsString(rt.Methods) + " " + rt.Pattern
	} else {
		if he := (*HTTPError)(nil); errors.As(err, &he) && he.Message != http.StatusText(http.StatusNotFound) {
			v.Hint = he.Message
		}
		for i, rt := range a.Routes() {
			v.Routes = append(v.Routes, debugRoute{N: i + 1, Methods: methodsString(rt.Methods), Pattern: rt.Pattern, Name: rt.FullName(), Handler: rt.Handler()})
		}
	}
	w := c.Response
	switch errorFormat(r) {
	case "text/html":
		debugHeaders(w, http.StatusNotFound, "text/html; charset=utf-8")
		if terr := debug404Page.Execute(w, v); terr != nil {
			a.Logger.Error("debug page failed", "err", terr)
		}
	case "application/json":
		body := errorBody{Error: publicMessage(http.StatusNotFound, err), Status: http.StatusNotFound, RequestID: v.RequestID, Detail: err.Error()}
		dj := &debugJSON{Error: err.Error(), Type: typeName(err)}
		for _, rt := range v.Routes {
			dj.Routes = append(dj.Routes, strings.TrimSpace(rt.Methods+" "+rt.Pattern+" "+rt.Name))
		}
		body.Debug = dj
		w.Header().Set("Cache-Control", "no-store")
		writeJSONError(w, http.StatusNotFound, body)
	default:
		debugHeaders(w, http.StatusNotFound, "text/plain; charset=utf-8")
		var b strings.Builder
		fmt.Fprintf(&b, "404 Not Found: %s %s\n", v.Method, v.Path)
		if v.RaisedBy != "" {
			fmt.Fprintf(&b, "Raised by: %s (route %s)\n%s\n", v.RaisedBy, v.Route, v.Message)
		} else {
			b.WriteString("\nGalvani tried these URL patterns, in this order:\n")
			for _, rt := range v.Routes {
				fmt.Fprintf(&b, "%4d. %-8s %s", rt.N, rt.Methods, rt.Pattern)
				if rt.Name != "" {
					fmt.Fprintf(&b, "  [name=%s]", rt.Name)
				}
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "\nThe current path, %s, didn't match any of these.\n", v.Path)
			if v.Hint != "" {
				fmt.Fprintf(&b, "\n%s\n", v.Hint)
			}
		}
		b.WriteString("\nYou see this page because Settings.Debug is on. Turn it off in production.\n")
		_, _ = w.Write([]byte(b.String()))
	}
}

func writeJSONError(w http.ResponseWriter, status int, body errorBody) {
	b, err := json.Marshal(body)
	if err != nil {
		b = []byte(`{"error":"Internal Server Error","status":500}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

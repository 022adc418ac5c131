package galvani

import "net/http"

// DebugSection adds a section to the debug error page shown when Settings.Debug is
// on. It returns label/value rows for the request being answered (the ORM's
// per-request query log is one). It is never called in production.
type DebugSection func(r *http.Request) [][2]string

// AddDebugSection registers a titled section for the debug error page.
func (a *App) AddDebugSection(title string, fn DebugSection) {
	a.debugSections = append(a.debugSections, namedDebugSection{title, fn})
}

type namedDebugSection struct {
	title string
	fn    DebugSection
}

package galvani

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// ---- redirects ----

// Redirect answers with a redirect to target, which may be relative ("../list",
// "/articles/") or absolute ("https://example.com/"). Status must be a redirect
// code: 302 Found and 303 See Other (after a POST) are the usual ones, 301 and 308
// are permanent, 307 keeps the method. Redirect sends the client wherever target
// says: when target comes from the request (a ?next= parameter), use RedirectLocal,
// or the redirect is an open redirect. A target containing control characters
// (CR/LF header injection) is a 400 error and nothing is written.
func (c *Ctx) Redirect(status int, target string) error {
	switch status {
	case http.StatusMultipleChoices, http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return fmt.Errorf("galvani: Redirect status %d is not a redirect (use 301, 302, 303, 307 or 308)", status)
	}
	if hasCTL(target) {
		return Error(http.StatusBadRequest, "redirect target contains control characters")
	}
	if target == "" {
		return fmt.Errorf("galvani: Redirect to an empty URL")
	}
	http.Redirect(c.Response, c.Request, target, status)
	return nil
}

// RedirectLocal redirects to target when it stays on this site (IsLocalURL), and to
// fallback otherwise. It is the safe way to follow a user-supplied "next" URL, like
// Django's url_has_allowed_host_and_scheme check in its login view.
func (c *Ctx) RedirectLocal(status int, target, fallback string) error {
	if !IsLocalURL(target) {
		target = fallback
	}
	return c.Redirect(status, target)
}

// IsLocalURL reports whether u is a URL on the same site: a path ("/a/b", "b",
// "?page=2") with no scheme and no host. It refuses the tricks browsers accept as
// links to other sites: "//evil.example", "/\evil.example", "\\evil.example",
// "https:evil.example", "javascript:...", leading spaces and control characters.
func IsLocalURL(u string) bool {
	if u == "" || hasCTL(u) || u[0] == ' ' {
		return false
	}
	// Browsers read a backslash as a slash.
	norm := strings.ReplaceAll(u, `\`, "/")
	if strings.HasPrefix(norm, "//") {
		return false
	}
	p, err := url.Parse(norm)
	if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil || p.Opaque != "" {
		return false
	}
	return true
}

func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// ---- files ----

// File serves the file name from fsys with http.ServeContent: Content-Type from the
// extension, Last-Modified and If-Modified-Since, Range requests. name is a path
// inside fsys, typically from a {rest...} path parameter; names that are not valid
// fs paths ("..", "/etc/passwd", "a/../../b", backslashes) and directories are 404,
// so a client cannot escape fsys.
func (c *Ctx) File(fsys fs.FS, name string) error {
	return c.serveFile(fsys, name, "")
}

// Attachment serves a file like File with Content-Disposition: attachment, so
// browsers download it as filename (or under its own name when filename is empty).
func (c *Ctx) Attachment(fsys fs.FS, name, filename string) error {
	if filename == "" {
		filename = path.Base(name)
	}
	return c.serveFile(fsys, name, filename)
}

func (c *Ctx) serveFile(fsys fs.FS, name, attachment string) error {
	if name == "" || !fs.ValidPath(name) || strings.ContainsAny(name, "\\\x00") {
		return Error(http.StatusNotFound, "")
	}
	f, err := fsys.Open(name)
	if err != nil {
		return fileError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fileError(err)
	}
	if st.IsDir() {
		return Error(http.StatusNotFound, "")
	}
	if attachment != "" {
		c.Response.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": attachment}))
	}
	if rs, ok := f.(io.ReadSeeker); ok {
		http.ServeContent(c.Response, c.Request, st.Name(), st.ModTime(), rs)
		return nil
	}
	// A file that cannot seek: no ranges, but the rest as ServeContent would do it.
	h := c.Response.Header()
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	} else {
		h.Set("Content-Type", "application/octet-stream")
	}
	if !st.ModTime().IsZero() {
		if ims, err := http.ParseTime(c.Request.Header.Get("If-Modified-Since")); err == nil && !st.ModTime().Truncate(1e9).After(ims) {
			c.Response.WriteHeader(http.StatusNotModified)
			return nil
		}
		h.Set("Last-Modified", st.ModTime().UTC().Format(http.TimeFormat))
	}
	c.Response.WriteHeader(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, err = io.Copy(c.Response, f)
	}
	return err
}

func fileError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrInvalid):
		return Error(http.StatusNotFound, "").Wrap(err)
	case errors.Is(err, fs.ErrPermission):
		return Error(http.StatusForbidden, "").Wrap(err)
	}
	return err
}

// ---- streaming ----

// Stream writes status and contentType, then calls fn with a writer that flushes
// every write to the client straight away: server-sent events, long exports. fn
// should stop when c.Context() is done (the client went away). An error from fn
// cannot change the response any more; it is logged.
func (c *Ctx) Stream(status int, contentType string, fn func(w io.Writer) error) error {
	h := c.Response.Header()
	h.Set("Content-Type", contentType)
	h.Del("Content-Length")
	c.Response.WriteHeader(status)
	fw := &flushWriter{w: c.Response, rc: http.NewResponseController(c.Response)}
	_ = fw.rc.Flush()
	return fn(fw)
}

type flushWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err != nil {
		return n, err
	}
	if err := f.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return n, err
	}
	return n, nil
}

// ---- templates ----

// ErrNoTemplateEngine is returned by Render when the App has no TemplateEngine.
var ErrNoTemplateEngine = errors.New("galvani: Render needs a template engine: call App.SetTemplates (the template battery provides one)")

// Render renders the template name with data through the App's TemplateEngine and
// writes it with status, as text/html unless the engine set another Content-Type.
// Engines write nothing when rendering fails (see TemplateEngine), so a template
// error becomes a clean error page instead of half a page.
func (c *Ctx) Render(status int, name string, data any) error {
	if c.app == nil || c.app.engine == nil {
		return ErrNoTemplateEngine
	}
	tw := &c.tw
	*tw = templateWriter{w: c.Response, status: status}
	err := c.app.engine.Render(tw, c.Request, name, data)
	tw.w = nil
	if err != nil {
		return fmt.Errorf("render %q: %w", name, err)
	}
	if !tw.started {
		tw.start(c.Response)
	}
	return nil
}

// templateWriter is the ResponseWriter a TemplateEngine renders into: it sends
// Render's status (and a default Content-Type) just before the first byte of the
// page, so nothing reaches the client before the engine has succeeded far enough
// to write. It lives in the pooled Ctx.
type templateWriter struct {
	w       http.ResponseWriter
	status  int
	started bool
}

func (t *templateWriter) start(w http.ResponseWriter) {
	t.started = true
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = textHTML
	}
	w.WriteHeader(t.status)
}

// Header implements http.ResponseWriter.
func (t *templateWriter) Header() http.Header { return t.w.Header() }

// WriteHeader implements http.ResponseWriter; the status is Render's, so it is ignored.
func (t *templateWriter) WriteHeader(int) {}

// Write implements http.ResponseWriter.
func (t *templateWriter) Write(p []byte) (int, error) {
	if !t.started {
		t.start(t.w)
	}
	return t.w.Write(p)
}

// WriteString implements io.StringWriter.
func (t *templateWriter) WriteString(s string) (int, error) {
	if !t.started {
		t.start(t.w)
	}
	return io.WriteString(t.w, s)
}

package mail

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
)

// ErrorReporter mails the admins about server errors (Django's AdminEmailHandler):
// each mail has the error, the stack with source lines, the request and the
// settings with secrets masked, as plain text with the debug page as its HTML
// alternative. It is rate-limited, so an error that repeats on every request does
// not flood the admins or the mail server: one mail per distinct error per
// Interval, at most Burst mails per Interval in all; what was held back is counted
// in the next mail. Mails are sent in the background, so the failing request is
// not delayed. App installs one when Debug is off and Admins are set.
type ErrorReporter struct {
	// Mailer sends the mails.
	Mailer *Mailer
	// Interval and Burst are the rate limits. Defaults 10 minutes and 10.
	Interval time.Duration
	Burst    int
	// Logger receives failures to send. Nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time

	mu         sync.Mutex
	sent       []time.Time          // times of mails in the current window
	last       map[string]time.Time // last mail per error signature
	suppressed int
	inflight   sync.WaitGroup
	busy       int
}

func (e *ErrorReporter) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *ErrorReporter) limits() (time.Duration, int) {
	iv, burst := e.Interval, e.Burst
	if iv <= 0 {
		iv = 10 * time.Minute
	}
	if burst <= 0 {
		burst = 10
	}
	return iv, burst
}

// allow applies the rate limits to an error with signature sig and returns how
// many mails were held back since the last one sent.
func (e *ErrorReporter) allow(sig string) (ok bool, held int) {
	iv, burst := e.limits()
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.last == nil {
		e.last = map[string]time.Time{}
	}
	kept := e.sent[:0]
	for _, t := range e.sent {
		if now.Sub(t) < iv {
			kept = append(kept, t)
		}
	}
	e.sent = kept
	if t, seen := e.last[sig]; (seen && now.Sub(t) < iv) || len(e.sent) >= burst || e.busy >= 4 {
		e.suppressed++
		return false, 0
	}
	if len(e.last) > 1000 { // forget old signatures, bounded memory
		for k, t := range e.last {
			if now.Sub(t) >= iv {
				delete(e.last, k)
			}
		}
	}
	e.last[sig] = now
	e.sent = append(e.sent, now)
	held, e.suppressed = e.suppressed, 0
	e.busy++
	return true, held
}

// Report mails the admins about one error; register it with App.OnServerError.
func (e *ErrorReporter) Report(rep *galvani.ErrorReport) {
	sig := rep.Signature()
	ok, held := e.allow(sig)
	if !ok {
		return
	}
	r := rep.Request
	subject := fmt.Sprintf("ERROR (%s): %d %s %s", clientKind(r.RemoteAddr), rep.Status, r.Method, r.URL.Path)
	if len(r.URL.Path) > 100 {
		subject = fmt.Sprintf("ERROR: %d %s %s...", rep.Status, r.Method, r.URL.Path[:100])
	}
	text := rep.Text()
	if held > 0 {
		text = fmt.Sprintf("(%d more error mails were held back by the rate limit since the last one.)\n\n", held) + text
	}
	html := rep.HTML()
	e.inflight.Add(1)
	go func() {
		defer e.inflight.Done()
		defer func() {
			e.mu.Lock()
			e.busy--
			e.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.Mailer.MailAdmins(ctx, subject, text, html); err != nil {
			lg := e.Logger
			if lg == nil {
				lg = slog.Default()
			}
			lg.Error("mail: mailing the admins about a server error failed", "err", err)
		}
	}()
}

// Wait waits for the mails being sent (tests, and shutdown).
func (e *ErrorReporter) Wait() { e.inflight.Wait() }

func clientKind(addr string) string {
	host := addr
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		host = strings.Trim(addr[:i], "[]")
	}
	if host == "127.0.0.1" || host == "::1" {
		return "internal IP"
	}
	return "external IP"
}

// App is the mail battery as an installable app:
//
//	app := galvani.New(settings, mail.App, ...)
//
// At start-up it opens the backend of Settings.EmailURL (For returns it) and, when
// Debug is off and Settings.Admins is set, mails the admins about every server
// error (ErrorReporter). `check` reports a malformed EMAIL_URL or address
// (mail.E001, mail.E002), and with --deploy, mail that is only printed (mail.W001).
var App galvani.AppConfig = mailApp{}

type mailApp struct{}

func (mailApp) Label() string { return "mail" }

// Ready implements galvani.ReadyHook.
func (mailApp) Ready(app *galvani.App) error {
	m, err := For(&app.Settings)
	if err != nil {
		return err
	}
	if !app.Settings.Debug && len(m.Admins) > 0 {
		cfg := galvani.Section(&app.Settings, "mail", Config{})
		rep := &ErrorReporter{Mailer: m, Interval: cfg.AdminsInterval, Burst: cfg.AdminsBurst, Logger: app.Logger}
		app.OnServerError(rep.Report)
	}
	return nil
}

// Check implements galvani.Checker.
func (mailApp) Check(app *galvani.App) []galvani.CheckMessage {
	var out []galvani.CheckMessage
	add := func(id, msg, hint string) {
		out = append(out, galvani.CheckMessage{Level: galvani.CheckError, ID: id, Msg: msg, Hint: hint, Object: "settings"})
	}
	s := &app.Settings
	if s.EmailURL != "" {
		if b, err := Open(s.EmailURL); err != nil {
			add("mail.E001", err.Error(), "See docs/mail.md for the EMAIL_URL forms.")
		} else {
			b.Close()
		}
	}
	for name, v := range map[string]string{"DEFAULT_FROM_EMAIL": s.DefaultFromEmail, "SERVER_EMAIL": s.ServerEmail} {
		if v == "" {
			continue
		}
		if _, err := parseAddress(name, v); err != nil {
			add("mail.E002", fmt.Sprintf("%s %q is not an e-mail address: %v", name, v, err), "")
		}
	}
	for _, a := range s.Admins {
		if _, err := mail.ParseAddress(a); err != nil {
			add("mail.E002", fmt.Sprintf("ADMINS entry %q is not an e-mail address", a), "")
		}
	}
	return out
}

// CheckDeploy implements galvani.DeployChecker.
func (mailApp) CheckDeploy(app *galvani.App) []galvani.CheckMessage {
	u := app.Settings.EmailURL
	if u == "" || strings.HasPrefix(u, "console:") || strings.HasPrefix(u, "memory:") || strings.HasPrefix(u, "file:") {
		return []galvani.CheckMessage{{Level: galvani.CheckWarning, ID: "mail.W001", Object: "settings",
			Msg:  "EMAIL_URL does not send mail (messages are printed, kept in memory or written to files).",
			Hint: "Set EMAIL_URL=smtp://user:password@host:587 (or smtps://...:465)."}}
	}
	return nil
}

package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
)

// Config is the "mail" settings section. The backend and addresses are
// Settings.EmailURL, DefaultFromEmail, ServerEmail and Admins.
type Config struct {
	// SubjectPrefix starts the subject of mails to the admins. Default "[Galvani] ".
	// Env: EMAIL_SUBJECT_PREFIX.
	SubjectPrefix string `env:"EMAIL_SUBJECT_PREFIX"`
	// AdminsInterval and AdminsBurst rate-limit error mails: at most AdminsBurst
	// mails per AdminsInterval, and one per distinct error. Defaults 10 minutes, 10.
	// Env: EMAIL_ADMINS_INTERVAL, EMAIL_ADMINS_BURST.
	AdminsInterval time.Duration `env:"EMAIL_ADMINS_INTERVAL"`
	AdminsBurst    int           `env:"EMAIL_ADMINS_BURST"`

	opened *openedMailer
}

type openedMailer struct {
	m   *Mailer
	err error
}

// Mailer sends a project's mail: its backend, with the project's default sender
// and admins (Django's send_mail, send_mass_mail and mail_admins).
type Mailer struct {
	// Backend delivers the messages.
	Backend Backend
	// DefaultFrom is the From of messages that have none (DEFAULT_FROM_EMAIL).
	DefaultFrom string
	// ServerEmail is the From of mails to the admins (SERVER_EMAIL).
	ServerEmail string
	// Admins receive MailAdmins (ADMINS).
	Admins []string
	// SubjectPrefix starts the subject of MailAdmins (EMAIL_SUBJECT_PREFIX).
	SubjectPrefix string
}

// Send delivers the messages, giving those without From the DefaultFrom, and
// returns how many were delivered.
func (m *Mailer) Send(ctx context.Context, msgs ...*Message) (int, error) {
	for _, msg := range msgs {
		if msg.From == "" {
			msg.From = m.DefaultFrom
		}
	}
	return m.Backend.Send(ctx, msgs...)
}

// SendMail sends one plain-text message (Django's send_mail).
func (m *Mailer) SendMail(ctx context.Context, subject, text string, to ...string) error {
	_, err := m.Send(ctx, &Message{Subject: subject, Text: text, To: to})
	return err
}

// ErrNoAdmins is returned by MailAdmins when no admins are configured.
var ErrNoAdmins = errors.New("mail: no admins (set ADMINS)")

// MailAdmins sends a message to the admins from ServerEmail, its subject prefixed
// with SubjectPrefix (Django's mail_admins). html may be "".
func (m *Mailer) MailAdmins(ctx context.Context, subject, text, html string) error {
	if len(m.Admins) == 0 {
		return ErrNoAdmins
	}
	_, err := m.Backend.Send(ctx, &Message{From: m.ServerEmail, To: m.Admins, Subject: oneLine(m.SubjectPrefix + subject), Text: text, HTML: html})
	return err
}

// oneLine replaces line breaks by spaces, for subjects built from error messages.
func oneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

var openMu sync.Mutex

// For returns the Mailer of the project configured by s, opening its backend on the
// first call for that Settings value (Settings.EmailURL; console:// by default).
func For(s *galvani.Settings) (*Mailer, error) {
	openMu.Lock()
	defer openMu.Unlock()
	cfg := galvani.Section(s, "mail", Config{})
	if cfg.opened == nil {
		m, err := newMailer(s, cfg)
		cfg.opened = &openedMailer{m: m, err: err}
	}
	return cfg.opened.m, cfg.opened.err
}

func newMailer(s *galvani.Settings, cfg *Config) (*Mailer, error) {
	u := s.EmailURL
	if u == "" {
		u = galvani.DefaultEmailURL
	}
	b, err := Open(u)
	if err != nil {
		return nil, err
	}
	m := &Mailer{Backend: b, DefaultFrom: s.DefaultFromEmail, ServerEmail: s.ServerEmail, Admins: s.Admins, SubjectPrefix: cfg.SubjectPrefix}
	if m.DefaultFrom == "" {
		m.DefaultFrom = galvani.DefaultFromEmail
	}
	if m.ServerEmail == "" {
		m.ServerEmail = galvani.DefaultServerEmail
	}
	if m.SubjectPrefix == "" {
		m.SubjectPrefix = "[Galvani] "
	}
	return m, nil
}

// Templates names the templates of a templated mail.
type Templates struct {
	// Subject renders the subject; its whitespace, line breaks included, is
	// collapsed to single spaces.
	Subject string
	// Text renders the plain-text body (write it inside {% autoescape off %}).
	Text string
	// HTML renders the HTML alternative; "" for none.
	HTML string
}

// Render builds a message from templates (Django's render_to_string for the subject
// and the bodies), with the template engine installed in the project. r, when not
// nil, gives the templates the request's context processors.
func Render(e galvani.TemplateEngine, r *http.Request, t Templates, data any) (*Message, error) {
	if e == nil {
		return nil, errors.New("mail: no template engine (template.Setup(app))")
	}
	render := func(name string) (string, error) {
		w := &bufferWriter{h: http.Header{}}
		if err := e.Render(w, r, name, data); err != nil {
			return "", fmt.Errorf("mail: rendering %s: %w", name, err)
		}
		return w.buf.String(), nil
	}
	subject, err := render(t.Subject)
	if err != nil {
		return nil, err
	}
	m := &Message{Subject: strings.Join(strings.Fields(subject), " ")}
	if m.Text, err = render(t.Text); err != nil {
		return nil, err
	}
	if t.HTML != "" {
		if m.HTML, err = render(t.HTML); err != nil {
			return nil, err
		}
	}
	return m, nil
}

type bufferWriter struct {
	h   http.Header
	buf bytes.Buffer
}

func (w *bufferWriter) Header() http.Header         { return w.h }
func (w *bufferWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *bufferWriter) WriteHeader(int)             {}

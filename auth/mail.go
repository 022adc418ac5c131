package auth

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/galvani-web/galvani/mail"
)

// Message is a plain-text mail: what auth needs to send password reset links. By
// default auth sends it with the mail battery (projectMailer); a project may give
// Options.Mailer any other sender.
type Message struct {
	From    string
	To      []string
	Subject string
	Body    string
}

// Mailer sends mail.
type Mailer interface {
	Send(ctx context.Context, msg Message) error
}

// ConsoleMailer writes each message to W, for development (Django's console
// e-mail backend).
type ConsoleMailer struct {
	W  io.Writer
	mu sync.Mutex
}

// Send implements Mailer.
func (c *ConsoleMailer) Send(_ context.Context, msg Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := fmt.Fprintf(c.W, "From: %s\nTo: %s\nSubject: %s\n\n%s\n%s\n",
		oneLine(msg.From), oneLine(strings.Join(msg.To, ", ")), oneLine(msg.Subject), msg.Body, strings.Repeat("-", 72))
	return err
}

// MemoryMailer keeps sent messages in Outbox, for tests (Django's locmem backend).
type MemoryMailer struct {
	mu     sync.Mutex
	outbox []Message
}

// Send implements Mailer.
func (m *MemoryMailer) Send(_ context.Context, msg Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outbox = append(m.outbox, msg)
	return nil
}

// Outbox returns a copy of the messages sent so far.
func (m *MemoryMailer) Outbox() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Message(nil), m.outbox...)
}

// projectMailer sends auth's mail with the project's mail battery (Settings.EmailURL).
type projectMailer struct{ m *mail.Mailer }

// Send implements Mailer.
func (p projectMailer) Send(ctx context.Context, msg Message) error {
	_, err := p.m.Send(ctx, &mail.Message{From: msg.From, To: msg.To, Subject: oneLine(msg.Subject), Text: msg.Body})
	return err
}

// printsOnly reports whether the project's mail is only printed (console://).
func (p projectMailer) printsOnly() bool {
	_, ok := p.m.Backend.(*mail.Console)
	return ok
}

// oneLine keeps header values on one line (no header injection).
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

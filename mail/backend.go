package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Backend delivers messages: SMTP in production, the console in development,
// files or memory in tests (Django's e-mail backends).
type Backend interface {
	// Send delivers the messages in order and returns how many it delivered; it
	// stops at the first failure. A message that does not render (ErrHeaderInjection,
	// a malformed address) is an error before anything of it is sent.
	Send(ctx context.Context, msgs ...*Message) (int, error)
	// Close releases connections.
	Close() error
}

// maxURLLength bounds an e-mail URL.
const maxURLLength = 2048

// Open opens the backend an e-mail URL names (EMAIL_URL):
//
//	smtp://user:password@mail.example.com:587     SMTP, with STARTTLS when the server offers it
//	smtp://mail.example.com:587?tls=starttls      ... and refusing to go on without it
//	smtp://localhost:25?tls=none                  plain SMTP (local relays only)
//	smtps://user:password@mail.example.com:465    SMTP over TLS from the first byte
//	console://                                    print messages on standard error (the default)
//	console://stdout                              ... on standard output
//	file:///var/mail/outbox                       one .eml file per message in a directory
//	memory://                                     keep them in memory (tests: *Memory)
//
// SMTP options: timeout=10s (per connection step), helo=name (the EHLO name),
// keepalive=30s (how long an idle connection is kept for the next Send; 0 closes it
// after each Send). The password may be percent-encoded.
func Open(rawURL string) (Backend, error) {
	if len(rawURL) > maxURLLength {
		return nil, fmt.Errorf("mail: URL longer than %d bytes", maxURLLength)
	}
	for i := 0; i < len(rawURL); i++ {
		if rawURL[i] < ' ' || rawURL[i] == 0x7f {
			return nil, errors.New("mail: URL holds a control character")
		}
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || !strings.Contains(rawURL, "://") {
		return nil, fmt.Errorf("mail: %q is not an e-mail URL (smtp://host:587, smtps://host:465, console://, file:///dir, memory://)", redact(rawURL))
	}
	q := u.Query()
	take := func(name string) (string, bool, error) {
		vs, ok := q[name]
		if !ok {
			return "", false, nil
		}
		delete(q, name)
		if len(vs) != 1 {
			return "", false, fmt.Errorf("mail: URL %q: option %s given %d times", redact(rawURL), name, len(vs))
		}
		return vs[0], true, nil
	}
	var b Backend
	switch strings.ToLower(u.Scheme) {
	case "smtp", "smtps":
		s, err := smtpFromURL(u, take)
		if err != nil {
			return nil, fmt.Errorf("mail: URL %q: %w", redact(rawURL), err)
		}
		b = s
	case "console":
		var w io.Writer = os.Stderr
		switch u.Host + u.Path {
		case "", "stderr":
		case "stdout":
			w = os.Stdout
		default:
			return nil, fmt.Errorf("mail: URL %q: console:// prints to stderr or stdout", rawURL)
		}
		b = &Console{W: w}
	case "file":
		if u.Host != "" || u.Path == "" {
			return nil, fmt.Errorf("mail: URL %q: use file:///absolute/dir or file:///./relative/dir", rawURL)
		}
		dir := u.Path
		if strings.HasPrefix(dir, "/./") {
			dir = dir[3:]
		}
		b = &File{Dir: dir}
	case "memory", "locmem":
		if u.Host != "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("mail: URL %q: memory:// takes no location", rawURL)
		}
		b = &Memory{}
	default:
		return nil, fmt.Errorf("mail: unknown e-mail URL scheme %q (smtp, smtps, console, file, memory)", u.Scheme)
	}
	if len(q) > 0 {
		names := make([]string, 0, len(q))
		for k := range q {
			names = append(names, k)
		}
		sort.Strings(names)
		b.Close()
		return nil, fmt.Errorf("mail: URL %q: unknown option %s", redact(rawURL), strings.Join(names, ", "))
	}
	return b, nil
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		return "***" + raw[i:]
	}
	return raw
}

func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 && n < 1<<31 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (seconds or a Go duration like 10s)", v)
	}
	return d, nil
}

// ---- console ----

// Console prints each message, as it would be sent, on W (Django's console backend;
// the development default). Messages are separated by a line of dashes.
type Console struct {
	W  io.Writer
	mu sync.Mutex
}

// Send implements Backend.
func (c *Console) Send(_ context.Context, msgs ...*Message) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, m := range msgs {
		b, err := render(m)
		if err != nil {
			return i, err
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		if _, err := fmt.Fprintf(c.W, "%s\n%s\n", b, strings.Repeat("-", 79)); err != nil {
			return i, err
		}
	}
	return len(msgs), nil
}

// Close implements Backend.
func (c *Console) Close() error { return nil }

// render checks a message has recipients and renders it.
func render(m *Message) ([]byte, error) {
	if _, err := m.Recipients(); err != nil {
		return nil, err
	}
	return m.Bytes()
}

// ---- file ----

// File writes each message into Dir as its own .eml file, named by time and a
// random suffix (Django's file-based backend), creating Dir when needed.
type File struct {
	Dir string
}

// Send implements Backend.
func (f *File) Send(_ context.Context, msgs ...*Message) (int, error) {
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return 0, fmt.Errorf("mail: %w", err)
	}
	for i, m := range msgs {
		b, err := render(m)
		if err != nil {
			return i, err
		}
		var r [6]byte
		rand.Read(r[:])
		name := time.Now().UTC().Format("20060102-150405.000000") + "-" + hex.EncodeToString(r[:]) + ".eml"
		if err := os.WriteFile(filepath.Join(f.Dir, name), b, 0o640); err != nil {
			return i, fmt.Errorf("mail: %w", err)
		}
	}
	return len(msgs), nil
}

// Close implements Backend.
func (f *File) Close() error { return nil }

// ---- memory ----

// Memory keeps the messages it is given (Django's locmem backend and its
// mail.outbox), for tests: Messages returns them, Raw their rendered form.
type Memory struct {
	mu   sync.Mutex
	msgs []*Message
	raw  [][]byte
}

// Send implements Backend: each message is rendered (so a malformed one fails as it
// would over SMTP) and a copy kept.
func (m *Memory) Send(_ context.Context, msgs ...*Message) (int, error) {
	for i, msg := range msgs {
		b, err := render(msg)
		if err != nil {
			return i, err
		}
		c := *msg
		m.mu.Lock()
		m.msgs = append(m.msgs, &c)
		m.raw = append(m.raw, b)
		m.mu.Unlock()
	}
	return len(msgs), nil
}

// Messages returns the messages sent so far, oldest first.
func (m *Memory) Messages() []*Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Message(nil), m.msgs...)
}

// Raw returns the rendered messages sent so far, oldest first.
func (m *Memory) Raw() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]byte(nil), m.raw...)
}

// Clear forgets the messages.
func (m *Memory) Clear() {
	m.mu.Lock()
	m.msgs, m.raw = nil, nil
	m.mu.Unlock()
}

// Close implements Backend.
func (m *Memory) Close() error { return nil }

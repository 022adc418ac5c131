package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TLSMode says how an SMTP connection is encrypted.
type TLSMode int

const (
	// TLSAuto upgrades with STARTTLS when the server offers it (smtp:// default).
	TLSAuto TLSMode = iota
	// TLSStartTLS requires STARTTLS: a server that does not offer it is an error
	// (Django's EMAIL_USE_TLS).
	TLSStartTLS
	// TLSImplicit speaks TLS from the first byte, usually on port 465 (smtps://,
	// Django's EMAIL_USE_SSL).
	TLSImplicit
	// TLSNone never encrypts; credentials are then refused except to localhost.
	TLSNone
)

// SMTP delivers messages to an SMTP server with Go's net/smtp: STARTTLS or implicit
// TLS, certificate verification, AUTH PLAIN or LOGIN (only over TLS or to
// localhost), one connection for all the messages of a Send, and the connection kept
// for KeepAlive so that bulk sends over many calls do not reconnect each time.
type SMTP struct {
	// Addr is host:port.
	Addr string
	// Username and Password authenticate when Username is set.
	Username, Password string
	// TLS is the encryption mode.
	TLS TLSMode
	// TLSConfig verifies the server; nil means the system roots and the host of Addr.
	TLSConfig *tls.Config
	// Timeout bounds dialling and each message's exchange. Default 10s.
	Timeout time.Duration
	// LocalName is the name sent with EHLO. Default "localhost".
	LocalName string
	// KeepAlive is how long an idle connection is kept for the next Send; zero means
	// 30s, negative closes it after each Send.
	KeepAlive time.Duration

	mu   sync.Mutex
	idle *smtpConn
}

type smtpConn struct {
	c    *smtp.Client
	conn net.Conn
	at   time.Time
}

var _ Backend = (*SMTP)(nil)

func smtpFromURL(u *url.URL, take func(string) (string, bool, error)) (*SMTP, error) {
	s := &SMTP{}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, errors.New("no SMTP host")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("an SMTP URL has no path")
	}
	if u.Scheme == "smtps" {
		s.TLS = TLSImplicit
		if port == "" {
			port = "465"
		}
	} else if port == "" {
		port = "25"
	}
	s.Addr = net.JoinHostPort(host, port)
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if v, ok, err := take("tls"); err != nil {
		return nil, err
	} else if ok {
		switch strings.ToLower(v) {
		case "auto":
			s.TLS = TLSAuto
		case "starttls", "true", "1":
			s.TLS = TLSStartTLS
		case "implicit", "ssl":
			s.TLS = TLSImplicit
		case "none", "false", "0":
			s.TLS = TLSNone
		default:
			return nil, fmt.Errorf("tls=%q: use auto, starttls, implicit or none", v)
		}
		if u.Scheme == "smtps" && s.TLS != TLSImplicit {
			return nil, errors.New("smtps:// is implicit TLS; use smtp:// for tls=" + v)
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"timeout", &s.Timeout}, {"keepalive", &s.KeepAlive}} {
		if v, ok, err := take(d.name); err != nil {
			return nil, err
		} else if ok {
			t, err := parseDuration(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d.name, err)
			}
			*d.dst = t
			if d.name == "keepalive" && t == 0 {
				*d.dst = -1
			}
		}
	}
	if v, ok, err := take("helo"); err != nil {
		return nil, err
	} else if ok {
		if !validFieldName(v) || strings.ContainsAny(v, "<>") {
			return nil, fmt.Errorf("helo=%q is not a host name", v)
		}
		s.LocalName = v
	}
	return s, nil
}

func (s *SMTP) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 10 * time.Second
}

func (s *SMTP) host() string {
	h, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return s.Addr
	}
	return h
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		c := s.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.host()
		}
		return c
	}
	return &tls.Config{ServerName: s.host(), MinVersion: tls.VersionTLS12}
}

// dial opens, secures and authenticates a connection.
func (s *SMTP) dial(ctx context.Context) (*smtpConn, error) {
	d := net.Dialer{Timeout: s.timeout()}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp: %w", err)
	}
	conn.SetDeadline(time.Now().Add(s.timeout()))
	if s.TLS == TLSImplicit {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("mail: smtp: TLS: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host())
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("mail: smtp: %w", err)
	}
	fail := func(err error) (*smtpConn, error) {
		c.Close()
		return nil, fmt.Errorf("mail: smtp: %w", err)
	}
	name := s.LocalName
	if name == "" {
		name = "localhost"
	}
	if err := c.Hello(name); err != nil {
		return fail(err)
	}
	if s.TLS == TLSAuto || s.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fail(fmt.Errorf("STARTTLS: %w", err))
			}
		} else if s.TLS == TLSStartTLS {
			return fail(errors.New("the server does not offer STARTTLS, which tls=starttls requires"))
		}
	}
	if s.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return fail(errors.New("the server does not offer AUTH, and a username is set"))
		}
		var a smtp.Auth
		switch {
		case hasWord(mechs, "PLAIN"):
			a = smtp.PlainAuth("", s.Username, s.Password, s.host())
		case hasWord(mechs, "LOGIN"):
			a = &loginAuth{user: s.Username, pass: s.Password, host: s.host()}
		default:
			return fail(fmt.Errorf("the server offers AUTH %s; Galvani speaks PLAIN and LOGIN", mechs))
		}
		if err := c.Auth(a); err != nil {
			return fail(fmt.Errorf("AUTH: %w", err))
		}
	}
	return &smtpConn{c: c, conn: conn}, nil
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// loginAuth is the LOGIN mechanism (Office 365 and others offer only it), refused,
// like net/smtp's PLAIN, over an unencrypted connection except to localhost.
type loginAuth struct {
	user, pass, host string
	step             int
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLocalhost(server.Name) {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", fromServer)
}

func isLocalhost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// take returns the kept connection when it is still fresh and answers NOOP.
func (s *SMTP) take() *smtpConn {
	s.mu.Lock()
	c := s.idle
	s.idle = nil
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	keep := s.KeepAlive
	if keep == 0 {
		keep = 30 * time.Second
	}
	c.conn.SetDeadline(time.Now().Add(s.timeout()))
	if time.Since(c.at) > keep || c.c.Noop() != nil {
		c.c.Close()
		return nil
	}
	return c
}

// put keeps c for the next Send, or closes it.
func (s *SMTP) put(c *smtpConn) {
	if s.KeepAlive < 0 {
		c.c.Quit()
		return
	}
	c.at = time.Now()
	s.mu.Lock()
	old := s.idle
	s.idle = c
	s.mu.Unlock()
	if old != nil {
		old.c.Quit()
	}
}

// Send implements Backend: every message is rendered first (a malformed one fails
// before anything is sent), then all go over one connection.
func (s *SMTP) Send(ctx context.Context, msgs ...*Message) (int, error) {
	type prepared struct {
		from string
		to   []string
		body []byte
	}
	ps := make([]prepared, len(msgs))
	for i, m := range msgs {
		to, err := m.Recipients()
		if err != nil {
			return 0, err
		}
		from, err := m.Sender()
		if err != nil {
			return 0, err
		}
		body, err := m.Bytes()
		if err != nil {
			return 0, err
		}
		ps[i] = prepared{from, to, body}
	}
	if len(ps) == 0 {
		return 0, nil
	}
	c := s.take()
	if c == nil {
		var err error
		if c, err = s.dial(ctx); err != nil {
			return 0, err
		}
	}
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Now()) })
	defer stop()
	for i, p := range ps {
		c.conn.SetDeadline(time.Now().Add(s.timeout()))
		if err := deliver(c.c, p.from, p.to, p.body); err != nil {
			var perr *smtpReplyError
			if errors.As(err, &perr) && ctx.Err() == nil {
				// The server refused this message; the connection is still good.
				if c.c.Reset() == nil {
					s.put(c)
				} else {
					c.c.Close()
				}
			} else {
				c.c.Close()
			}
			if ctx.Err() != nil {
				return i, ctx.Err()
			}
			return i, fmt.Errorf("mail: smtp: message %d: %w", i+1, err)
		}
	}
	if ctx.Err() != nil {
		c.c.Close()
		return len(ps), nil
	}
	s.put(c)
	return len(ps), nil
}

// smtpReplyError is a refusal by the server (a 4xx or 5xx reply), after which the
// connection can go on.
type smtpReplyError struct{ err error }

func (e *smtpReplyError) Error() string { return e.err.Error() }
func (e *smtpReplyError) Unwrap() error { return e.err }

func reply(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &smtpReplyError{err}
	}
	return err
}

func deliver(c *smtp.Client, from string, to []string, body []byte) error {
	if err := c.Mail(from); err != nil {
		return reply(err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return reply(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return reply(err)
	}
	if _, err := w.Write(body); err != nil {
		w.Close()
		return err
	}
	return reply(w.Close())
}

// Close implements Backend: it ends the kept connection.
func (s *SMTP) Close() error {
	s.mu.Lock()
	c := s.idle
	s.idle = nil
	s.mu.Unlock()
	if c != nil {
		c.conn.SetDeadline(time.Now().Add(s.timeout()))
		return c.c.Quit()
	}
	return nil
}

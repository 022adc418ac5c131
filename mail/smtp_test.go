package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani/internal/testdb"
)

func tlsFor(t *testing.T, srv testdb.SMTPServer) *tls.Config {
	pem, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in " + srv.CAFile)
	}
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

func token() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// received waits for the message whose Subject holds tok in the server's maildir
// and returns it as the server stored it.
func received(t *testing.T, srv testdb.SMTPServer, tok string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(srv.Maildir, "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err == nil && bytes.Contains(b, []byte(tok)) {
				os.Remove(f)
				return b
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no message with %s reached the server", tok)
	return nil
}

// TestSMTPDelivery sends a message with alternatives, an inline image and an
// attachment through the real server — with STARTTLS and AUTH, and over implicit
// TLS — and checks the MIME that arrived.
func TestSMTPDelivery(t *testing.T) {
	srv := testdb.SMTP(t)
	for _, mode := range []string{"starttls", "implicit"} {
		t.Run(mode, func(t *testing.T) {
			s := &SMTP{Addr: srv.Addr, Username: srv.User, Password: srv.Password, TLS: TLSStartTLS, TLSConfig: tlsFor(t, srv)}
			if mode == "implicit" {
				s.Addr, s.TLS = srv.ImplicitAddr, TLSImplicit
			}
			defer s.Close()
			tok := token()
			m := &Message{From: "Galvani <noreply@example.com>", To: []string{"Ada <ada@example.com>"}, Cc: []string{"cc@example.com"},
				Bcc: []string{"hidden@example.com"}, ReplyTo: []string{"support@example.com"},
				Subject: "Délivré " + tok, Text: "Plain ünïcödé body", HTML: "<p>HTML body</p>",
				Headers: map[string]string{"X-Test-Token": tok}}
			logo := []byte("\x89PNG fake image bytes")
			m.HTML = `<p>HTML body <img src="` + m.Embed("logo.png", "image/png", logo) + `"></p>`
			m.Attach("data.csv", "text/csv", []byte("x,y\n"))
			n, err := s.Send(context.Background(), m)
			if err != nil || n != 1 {
				t.Fatalf("Send = %d, %v", n, err)
			}
			raw := received(t, srv, tok)
			env, msgRaw, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
			_ = msgRaw
			envelope, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if got := envelope.Header.Get("X-Envelope-To"); got != "ada@example.com,cc@example.com,hidden@example.com" {
				t.Errorf("envelope recipients %q (%s)", got, env)
			}
			if envelope.Header.Get("X-Envelope-From") != "noreply@example.com" || envelope.Header.Get("X-Authenticated") != "True" || envelope.Header.Get("X-Tls") != "True" {
				t.Errorf("envelope: %s", env)
			}
			p := parse(t, bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\r\n")))
			if p.header.Get("X-Test-Token") != tok || p.header.Get("Bcc") != "" || bytes.Contains(raw[len(env):], []byte("hidden@example.com")) {
				t.Errorf("headers: Bcc leaked or custom header lost")
			}
			var types []string
			for _, pt := range p.parts {
				types = append(types, pt.path[strings.LastIndexByte(pt.path, '>')+1:])
			}
			if strings.Join(types, ",") != "text/plain,text/html,image/png,text/csv" {
				t.Errorf("received parts %v", types)
			}
			if string(p.parts[0].body) != "Plain ünïcödé body" || !bytes.Equal(p.parts[2].body, logo) {
				t.Errorf("bodies did not survive: %q", p.parts[0].body)
			}
		})
	}
}

// TestSMTPReusesConnection: the messages of one Send, and of Sends within
// KeepAlive, go over one connection.
func TestSMTPReusesConnection(t *testing.T) {
	srv := testdb.SMTP(t)
	var dials atomic.Int32
	proxy := countingProxy(t, srv.Addr, &dials)
	s := &SMTP{Addr: proxy, Username: srv.User, Password: srv.Password, TLS: TLSStartTLS, TLSConfig: tlsFor(t, srv)}
	defer s.Close()
	tok := token()
	var msgs []*Message
	for i := 0; i < 5; i++ {
		msgs = append(msgs, &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "bulk " + tok + " " + string(rune('a'+i)), Text: "x"})
	}
	if n, err := s.Send(context.Background(), msgs...); err != nil || n != 5 {
		t.Fatalf("Send = %d, %v", n, err)
	}
	if n, err := s.Send(context.Background(), &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "bulk " + tok + " f", Text: "x"}); err != nil || n != 1 {
		t.Fatalf("second Send = %d, %v", n, err)
	}
	for i := 0; i < 6; i++ {
		received(t, srv, "bulk "+tok+" "+string(rune('a'+i)))
	}
	if d := dials.Load(); d != 1 {
		t.Errorf("6 messages over %d connections, want 1", d)
	}
}

// countingProxy forwards TCP connections to addr, counting them.
func countingProxy(t *testing.T, addr string, n *atomic.Int32) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{}, 2)
				go func() { copyConn(up, c); done <- struct{}{} }()
				go func() { copyConn(c, up); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "localhost:" + port
}

func copyConn(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestSMTPRefusals(t *testing.T) {
	srv := testdb.SMTP(t)
	ctx := context.Background()
	msg := func() *Message {
		return &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "x " + token(), Text: "x"}
	}
	// Wrong password.
	s := &SMTP{Addr: srv.Addr, Username: srv.User, Password: "wrong", TLS: TLSStartTLS, TLSConfig: tlsFor(t, srv)}
	if _, err := s.Send(ctx, msg()); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Errorf("a wrong password: %v", err)
	}
	// An untrusted certificate is refused (no RootCAs: the system roots).
	s = &SMTP{Addr: srv.Addr, TLS: TLSStartTLS}
	if _, err := s.Send(ctx, msg()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a self-signed certificate without trusting it: %v", err)
	}
	// Credentials are never sent in clear text to a host that is not local.
	s = &SMTP{Addr: srv.Addr, Username: srv.User, Password: srv.Password, TLS: TLSNone}
	if _, err := s.Send(ctx, msg()); err == nil {
		t.Error("AUTH over a plain connection succeeded")
	}
	// A message refused before sending costs no connection.
	bad := msg()
	bad.Subject = "x\r\nBcc: victim@example.com"
	if n, err := s.Send(ctx, msg(), bad); n != 0 || !errors.Is(err, ErrHeaderInjection) {
		t.Errorf("a batch with an injected header: %d, %v", n, err)
	}
	// A cancelled context stops the send.
	s = &SMTP{Addr: srv.Addr, TLS: TLSStartTLS, TLSConfig: tlsFor(t, srv)}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Send(cctx, msg()); err == nil {
		t.Error("Send with a cancelled context succeeded")
	}
}

func TestOpenURLs(t *testing.T) {
	for raw, check := range map[string]func(b Backend) bool{
		"smtp://user:p%40ss@mail.example.com:587?tls=starttls&timeout=5s&keepalive=0&helo=web1": func(b Backend) bool {
			s := b.(*SMTP)
			return s.Addr == "mail.example.com:587" && s.Username == "user" && s.Password == "p@ss" && s.TLS == TLSStartTLS &&
				s.Timeout == 5*time.Second && s.KeepAlive < 0 && s.LocalName == "web1"
		},
		"smtps://mail.example.com": func(b Backend) bool { s := b.(*SMTP); return s.Addr == "mail.example.com:465" && s.TLS == TLSImplicit },
		"smtp://localhost?tls=none": func(b Backend) bool {
			s := b.(*SMTP)
			return s.Addr == "localhost:25" && s.TLS == TLSNone
		},
		"console://":          func(b Backend) bool { _, ok := b.(*Console); return ok },
		"console://stdout":    func(b Backend) bool { return b.(*Console).W == os.Stdout },
		"file:///tmp/outbox":  func(b Backend) bool { return b.(*File).Dir == "/tmp/outbox" },
		"file:///./var/mails": func(b Backend) bool { return b.(*File).Dir == "var/mails" },
		"memory://":           func(b Backend) bool { _, ok := b.(*Memory); return ok },
	} {
		b, err := Open(raw)
		if err != nil {
			t.Errorf("Open(%q): %v", raw, err)
			continue
		}
		if !check(b) {
			t.Errorf("Open(%q) = %+v", raw, b)
		}
	}
	for _, bad := range []string{"", "smtp", "smtp://", "smtp://h:25/path", "smtp://h?tls=maybe", "smtps://h?tls=none",
		"smtp://h?timeout=-1s", "smtp://h?timeout=soon", "smtp://h?helo=a%20b", "smtp://h?unknown=1", "smtp://h?tls=none&tls=auto",
		"console://printer", "file://host/dir", "file://", "memory://x", "pigeon://coop", "smtp://h\r\n", "smtp://" + strings.Repeat("h", 3000)} {
		if _, err := Open(bad); err == nil {
			t.Errorf("Open(%q) accepted it", bad)
		}
	}
	if _, err := Open("smtp://user:hunter2@h?bogus=1"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the password shows in %v", err)
	}
}

// FuzzOpen: no e-mail URL makes Open panic, and SMTP URLs it accepts have a host
// and port.
func FuzzOpen(f *testing.F) {
	for _, s := range []string{"smtp://u:p@h:587?tls=starttls", "smtps://h", "console://", "file:///x", "memory://", "smtp://h?timeout=%zz", "smtp://[::1]:25"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Open(s)
		if err != nil {
			return
		}
		defer b.Close()
		if sm, ok := b.(*SMTP); ok {
			if _, _, err := net.SplitHostPort(sm.Addr); err != nil {
				t.Fatalf("accepted %q with address %q", s, sm.Addr)
			}
			if _, err := url.Parse(s); err != nil {
				t.Fatalf("accepted an unparseable URL %q", s)
			}
		}
	})
}

package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// parsed is a rendered message read back with the standard library's parsers.
type parsed struct {
	header mail.Header
	parts  []part // leaves of the MIME tree, in order, with their path of types
}

type part struct {
	path        string // "multipart/mixed>multipart/alternative>text/plain"
	header      map[string][]string
	body        []byte
	disposition string
	filename    string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("a bare LF in the message: every line must end in CRLF")
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, raw)
	}
	var p parsed
	p.header = m.Header
	var walk func(ct, cte, disp string, h map[string][]string, body io.Reader, path string)
	walk = func(ct, cte, disp string, h map[string][]string, body io.Reader, path string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("Content-Type %q: %v", ct, err)
		}
		if path != "" {
			path += ">"
		}
		path += mt
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				pt, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				walk(pt.Header.Get("Content-Type"), pt.Header.Get("Content-Transfer-Encoding"), pt.Header.Get("Content-Disposition"), pt.Header, pt, path)
			}
		}
		b, _ := io.ReadAll(body)
		b = decodeBody(t, cte, b)
		d, dp, _ := mime.ParseMediaType(disp)
		p.parts = append(p.parts, part{path: path, header: h, body: b, disposition: d, filename: dp["filename"]})
	}
	walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", m.Header, m.Body, "")
	return p
}

func decodeBody(t *testing.T, cte string, b []byte) []byte {
	t.Helper()
	switch strings.ToLower(cte) {
	case "base64":
		out, err := io.ReadAll(base64Decoder(b))
		if err != nil {
			t.Fatalf("base64: %v", err)
		}
		return out
	case "quoted-printable":
		out, err := io.ReadAll(qpDecoder(b))
		if err != nil {
			t.Fatalf("quoted-printable: %v", err)
		}
		return out
	}
	return b
}

func TestPlainMessage(t *testing.T) {
	m := &Message{From: "Ada Lovelace <ada@example.com>", To: []string{"bob@example.com", "Carl <carl@example.com>"},
		Cc: []string{"dee@example.com"}, Bcc: []string{"secret@example.com"}, ReplyTo: []string{"replies@example.com"},
		Subject: "Hello", Text: "Hi Bob,\nsee you.\n", Date: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC),
		Headers: map[string]string{"X-Campaign": "winter", "List-Unsubscribe": "<https://example.com/u>"}}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	h := p.header
	want := map[string]string{
		"From": `"Ada Lovelace" <ada@example.com>`, "To": `<bob@example.com>, "Carl" <carl@example.com>`,
		"Cc": "<dee@example.com>", "Reply-To": "<replies@example.com>", "Subject": "Hello",
		"Date": "Sun, 06 Dec 2026 10:00:00 +0000", "X-Campaign": "winter", "Mime-Version": "1.0",
		"Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "7bit",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if h.Get("Bcc") != "" || bytes.Contains(raw, []byte("secret@example.com")) {
		t.Error("Bcc is written into the message")
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID %q", id)
	}
	if string(p.parts[0].body) != "Hi Bob,\r\nsee you.\r\n" {
		t.Errorf("body %q", p.parts[0].body)
	}
	rcpt, err := m.Recipients()
	if err != nil || strings.Join(rcpt, ",") != "bob@example.com,carl@example.com,dee@example.com,secret@example.com" {
		t.Errorf("Recipients = %v %v", rcpt, err)
	}
}

func TestAlternativesAttachmentsInline(t *testing.T) {
	m := &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Report",
		Text: "Plain text, ünïcödé and a long line " + strings.Repeat("x", 100), HTML: `<p>Hi</p>`}
	logo := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 0xff}, 50)
	cid := m.Embed("logo.png", "image/png", logo)
	m.HTML = `<p>Hi <img src="` + cid + `"></p>`
	m.Attach("report.csv", "text/csv", []byte("a,b\n1,2\n"))
	m.Attach("naïve résumé.pdf", "", []byte("%PDF-1.4"))
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	var paths []string
	for _, pt := range p.parts {
		paths = append(paths, pt.path)
	}
	wantPaths := []string{
		"multipart/mixed>multipart/alternative>text/plain",
		"multipart/mixed>multipart/alternative>multipart/related>text/html",
		"multipart/mixed>multipart/alternative>multipart/related>image/png",
		"multipart/mixed>text/csv",
		"multipart/mixed>application/pdf",
	}
	if strings.Join(paths, "\n") != strings.Join(wantPaths, "\n") {
		t.Fatalf("MIME tree:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(wantPaths, "\n"))
	}
	if !strings.Contains(string(p.parts[0].body), "ünïcödé") || !strings.Contains(string(p.parts[0].body), strings.Repeat("x", 100)) {
		t.Errorf("the text part does not decode back: %q", p.parts[0].body)
	}
	if got := p.parts[2].header["Content-Id"]; len(got) != 1 || "cid:"+strings.Trim(got[0], "<>") != cid {
		t.Errorf("inline Content-ID %v, HTML refers to %s", got, cid)
	}
	if p.parts[2].disposition != "inline" || !bytes.Equal(p.parts[2].body, logo) {
		t.Errorf("inline image: %s, %d bytes", p.parts[2].disposition, len(p.parts[2].body))
	}
	if p.parts[3].disposition != "attachment" || p.parts[3].filename != "report.csv" || string(p.parts[3].body) != "a,b\n1,2\n" {
		t.Errorf("attachment: %+v", p.parts[3])
	}
	if p.parts[4].filename != "naïve résumé.pdf" {
		t.Errorf("a non-ASCII file name came back as %q", p.parts[4].filename)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d characters", len(line))
		}
	}
}

func TestEncodedHeaders(t *testing.T) {
	subject := "Résumé: " + strings.Repeat("ünïcödé wörds ", 12) + "日本語の件名"
	m := &Message{From: "Zoë Ünïcödé <zoe@example.com>", To: []string{"b@example.com"}, Subject: subject, Text: "x",
		Headers: map[string]string{"X-Note": "naïve"}}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	head := string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))])
	for _, line := range strings.Split(head, "\r\n") {
		if len(line) > 78 {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
		for _, r := range line {
			if r > 127 {
				t.Fatalf("non-ASCII in a header line: %q", line)
			}
		}
	}
	p := parse(t, raw)
	dec := new(mime.WordDecoder)
	got, err := dec.DecodeHeader(p.header.Get("Subject"))
	if err != nil || got != subject {
		t.Errorf("Subject decodes to %q (%v)", got, err)
	}
	from, err := p.header.AddressList("From")
	if err != nil || from[0].Name != "Zoë Ünïcödé" {
		t.Errorf("From = %v %v", from, err)
	}
}

// TestHeaderInjectionRefused: every way to smuggle a line break into the header
// block is an error, and nothing is rendered.
func TestHeaderInjectionRefused(t *testing.T) {
	base := func() *Message {
		return &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "ok", Text: "body"}
	}
	cases := map[string]func(m *Message){
		"subject CRLF":          func(m *Message) { m.Subject = "Hi\r\nBcc: victim@example.com" },
		"subject LF":            func(m *Message) { m.Subject = "Hi\nBcc: victim@example.com" },
		"subject CR":            func(m *Message) { m.Subject = "Hi\rBcc: victim@example.com" },
		"from":                  func(m *Message) { m.From = "a@example.com\r\nBcc: victim@example.com" },
		"to":                    func(m *Message) { m.To = []string{"b@example.com\nBcc: victim@example.com"} },
		"display name":          func(m *Message) { m.To = []string{"\"Bob\r\nBcc: victim@example.com\" <b@example.com>"} },
		"cc":                    func(m *Message) { m.Cc = []string{"c@example.com\r\n"} },
		"reply-to":              func(m *Message) { m.ReplyTo = []string{"r@example.com\r\nX-Evil: 1"} },
		"bcc":                   func(m *Message) { m.Bcc = []string{"x@example.com\r\nX-Evil: 1"} },
		"header value":          func(m *Message) { m.Headers = map[string]string{"X-Tag": "a\r\nBcc: victim@example.com"} },
		"header name":           func(m *Message) { m.Headers = map[string]string{"X-Tag\r\nBcc": "victim@example.com"} },
		"header name colon":     func(m *Message) { m.Headers = map[string]string{"Bcc: victim@example.com\r\nX": "1"} },
		"header overriding To":  func(m *Message) { m.Headers = map[string]string{"to": "victim@example.com"} },
		"header overriding Bcc": func(m *Message) { m.Headers = map[string]string{"BCC": "victim@example.com"} },
		"attachment name":       func(m *Message) { m.Attach("a.txt\r\nBcc: victim@example.com", "text/plain", nil) },
		"attachment type":       func(m *Message) { m.Attach("a.txt", "text/plain\r\nBcc: victim@example.com", nil) },
		"content id": func(m *Message) {
			m.Attachments = append(m.Attachments, Attachment{Filename: "a", ContentID: "x>\r\nBcc: v"})
		},
		"nul": func(m *Message) { m.Subject = "a\x00b" },
	}
	for name, change := range cases {
		m := base()
		change(m)
		raw, err := m.Bytes()
		if err == nil {
			t.Errorf("%s: rendered:\n%s", name, raw)
			continue
		}
		if name != "header overriding To" && name != "header overriding Bcc" && name != "nul" && !errors.Is(err, ErrHeaderInjection) {
			t.Errorf("%s: %v, want ErrHeaderInjection", name, err)
		}
	}
}

func TestMessageErrors(t *testing.T) {
	for name, m := range map[string]*Message{
		"no from":      {To: []string{"b@example.com"}},
		"bad to":       {From: "a@example.com", To: []string{"not an address"}},
		"bad type":     {From: "a@example.com", To: []string{"b@example.com"}, Attachments: []Attachment{{Filename: "x", ContentType: "no/slash/es;;"}}},
		"too many rcp": {From: "a@example.com", To: make([]string, 1001)},
	} {
		if _, err := m.Bytes(); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
	if _, err := (&Message{From: "a@example.com"}).Recipients(); !errors.Is(err, ErrNoRecipients) {
		t.Errorf("no recipients: %v", err)
	}
}

// FuzzMessageHeaders: whatever text goes into the subject, a header value or a
// display name, the rendered message either is refused or has exactly the headers
// it should, with the text coming back unchanged.
func FuzzMessageHeaders(f *testing.F) {
	for _, s := range []string{"plain", "Ünïcödé", "a\r\nBcc: x@y", "=?utf-8?q?x?=", strings.Repeat("long words ", 30), "tab\there", "\x00", "\"quoted\""} {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, subject, value, name string) {
		m := &Message{From: "a@example.com", To: []string{(&mail.Address{Name: name, Address: "b@example.com"}).String()},
			Subject: subject, Text: "x", Headers: map[string]string{"X-Value": value}}
		raw, err := m.Bytes()
		if err != nil {
			return
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("rendered an unparseable message: %v\n%q", err, raw)
		}
		allowed := map[string]bool{"Date": true, "Message-Id": true, "From": true, "To": true, "Subject": true,
			"X-Value": true, "Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true}
		for k, vs := range msg.Header {
			if !allowed[k] || len(vs) != 1 {
				t.Fatalf("header %s appeared (%d times) for subject %q value %q name %q", k, len(vs), subject, value, name)
			}
		}
		dec := new(mime.WordDecoder)
		if got, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || normalizeSpace(got) != normalizeSpace(strings.ToValidUTF8(subject, "\uFFFD")) {
			t.Fatalf("Subject %q came back as %q (%v)", subject, got, err)
		}
	})
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func base64Decoder(b []byte) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, bytes.NewReader(b))
}

func qpDecoder(b []byte) io.Reader { return quotedprintable.NewReader(bytes.NewReader(b)) }

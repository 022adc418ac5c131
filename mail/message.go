package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one e-mail (Django's EmailMessage and EmailMultiAlternatives in one):
// a plain-text body, an optional HTML alternative, attachments, inline images and
// extra headers. Addresses are "ada@example.com" or "Ada Lovelace <ada@example.com>".
//
// Header injection is impossible by construction: Bytes parses every address with
// net/mail and writes it back in canonical form, refuses a subject, header value,
// file name or address holding a line break, encodes non-ASCII text as RFC 2047
// encoded words, and accepts extra header names only as RFC 5322 field names that
// are not one of the headers it writes itself.
type Message struct {
	// From is the sender. Empty means the project's DefaultFromEmail.
	From string
	// To, Cc and Bcc are the recipients. Bcc is never written into the message.
	To, Cc, Bcc []string
	// ReplyTo sets the Reply-To header.
	ReplyTo []string
	// Subject is the subject line: one line of any Unicode text.
	Subject string
	// Text is the plain-text body.
	Text string
	// HTML is the HTML alternative of the body (multipart/alternative with Text).
	HTML string
	// Attachments are files attached to the message, and inline images the HTML
	// refers to (see Embed).
	Attachments []Attachment
	// Headers are extra headers (X-Mailer, List-Unsubscribe, ...). A Message-ID or
	// Date here replaces the generated one.
	Headers map[string]string
	// Date is the Date header; zero means the time Bytes is called.
	Date time.Time
}

// Attachment is a file attached to a Message.
type Attachment struct {
	// Filename is the name the recipient sees.
	Filename string
	// ContentType is its MIME type; empty means guessed from Filename, or
	// application/octet-stream.
	ContentType string
	// Data is the content.
	Data []byte
	// ContentID makes it an inline part the HTML refers to as cid:ContentID.
	ContentID string
}

// Attach adds an attachment (Django's attach).
func (m *Message) Attach(filename, contentType string, data []byte) {
	m.Attachments = append(m.Attachments, Attachment{Filename: filename, ContentType: contentType, Data: data})
}

// AttachFile adds the file at path as an attachment named after its base name.
func (m *Message) AttachFile(path, contentType string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	name := path
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	m.Attach(name, contentType, b)
	return nil
}

// Embed adds an inline image (or any inline part) and returns the URL the HTML
// uses for it, "cid:...":
//
//	src := msg.Embed("logo.png", "image/png", logo)
//	msg.HTML = `<img src="` + src + `" alt="Logo">`
func (m *Message) Embed(filename, contentType string, data []byte) string {
	var b [12]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:]) + "@galvani"
	m.Attachments = append(m.Attachments, Attachment{Filename: filename, ContentType: contentType, Data: data, ContentID: id})
	return "cid:" + id
}

// ErrHeaderInjection is returned for a header value, subject, address or file
// name that holds a line break (Django's BadHeaderError).
var ErrHeaderInjection = errors.New("mail: header value holds a line break")

// ErrNoRecipients is returned for a message without To, Cc or Bcc.
var ErrNoRecipients = errors.New("mail: the message has no recipients")

// managedHeaders are written by Bytes itself; Headers may not set them (but may set
// Message-ID and Date).
var managedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true, "Subject": true,
	"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
}

// maxAddresses bounds the recipients of one message.
const maxAddresses = 1000

// parseAddress parses one address, refusing line breaks.
func parseAddress(field, s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n\x00") {
		return nil, fmt.Errorf("%w: %s address %q", ErrHeaderInjection, field, s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("mail: %s address %q: %v", field, s, err)
	}
	if strings.ContainsAny(a.Name, "\r\n") || strings.ContainsAny(a.Address, "\r\n<>,; ") {
		return nil, fmt.Errorf("%w: %s address %q", ErrHeaderInjection, field, s)
	}
	return a, nil
}

func parseAddresses(field string, list []string) ([]*mail.Address, error) {
	if len(list) > maxAddresses {
		return nil, fmt.Errorf("mail: more than %d %s addresses", maxAddresses, field)
	}
	out := make([]*mail.Address, 0, len(list))
	for _, s := range list {
		a, err := parseAddress(field, s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Recipients returns the envelope recipients: the bare addresses of To, Cc and Bcc.
func (m *Message) Recipients() ([]string, error) {
	var out []string
	for _, f := range []struct {
		name string
		list []string
	}{{"To", m.To}, {"Cc", m.Cc}, {"Bcc", m.Bcc}} {
		as, err := parseAddresses(f.name, f.list)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out = append(out, a.Address)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoRecipients
	}
	return out, nil
}

// Sender returns the bare address of From, for the SMTP envelope.
func (m *Message) Sender() (string, error) {
	a, err := parseAddress("From", m.From)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}

// Bytes renders the message as RFC 5322 text with MIME parts, lines ending in CRLF:
//
//	multipart/mixed                 (when there are attachments)
//	  multipart/alternative         (when there is HTML)
//	    text/plain
//	    multipart/related           (when there are inline parts)
//	      text/html
//	      inline parts
//	  attachments
//
// It returns ErrHeaderInjection for a line break where a header goes.
func (m *Message) Bytes() ([]byte, error) {
	from, err := parseAddress("From", m.From)
	if err != nil {
		return nil, err
	}
	to, err := parseAddresses("To", m.To)
	if err != nil {
		return nil, err
	}
	cc, err := parseAddresses("Cc", m.Cc)
	if err != nil {
		return nil, err
	}
	replyTo, err := parseAddresses("Reply-To", m.ReplyTo)
	if err != nil {
		return nil, err
	}
	if _, err := parseAddresses("Bcc", m.Bcc); err != nil {
		return nil, err
	}
	if strings.ContainsAny(m.Subject, "\r\n\x00") {
		return nil, fmt.Errorf("%w: Subject %q", ErrHeaderInjection, m.Subject)
	}
	var b bytes.Buffer
	h := &headerWriter{w: &b}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	extra, err := m.extraHeaders()
	if err != nil {
		return nil, err
	}
	if _, ok := extra["Date"]; !ok {
		h.raw("Date", date.Format(time.RFC1123Z))
	}
	if _, ok := extra["Message-Id"]; !ok {
		h.raw("Message-ID", newMessageID(from.Address))
	}
	h.raw("From", from.String())
	h.addresses("To", to)
	h.addresses("Cc", cc)
	h.addresses("Reply-To", replyTo)
	h.text("Subject", m.Subject)
	names := make([]string, 0, len(extra))
	for k := range extra {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h.text(k, extra[k])
	}
	h.raw("MIME-Version", "1.0")
	if err := m.writeBody(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// extraHeaders validates Headers, keyed by canonical name.
func (m *Message) extraHeaders() (map[string]string, error) {
	out := make(map[string]string, len(m.Headers))
	for k, v := range m.Headers {
		if !validFieldName(k) {
			return nil, fmt.Errorf("%w: header name %q", ErrHeaderInjection, k)
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if managedHeaders[ck] {
			return nil, fmt.Errorf("mail: header %s is set from the Message's fields, not Headers", ck)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, fmt.Errorf("%w: header %s: %q", ErrHeaderInjection, ck, v)
		}
		out[ck] = v
	}
	return out, nil
}

// validFieldName reports whether s is an RFC 5322 field name: printable ASCII
// without colon or space, at most 76 characters.
func validFieldName(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

func newMessageID(from string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("<%d.%s@%s>", time.Now().UnixNano(), hex.EncodeToString(b[:]), domain)
}

// headerWriter writes folded header lines.
type headerWriter struct{ w *bytes.Buffer }

// raw writes a header whose value is already safe ASCII.
func (h *headerWriter) raw(name, value string) {
	h.w.WriteString(name)
	h.w.WriteString(": ")
	h.w.WriteString(value)
	h.w.WriteString("\r\n")
}

// text writes an unstructured header: non-ASCII text as encoded words, folded
// between words so no line passes 78 characters.
func (h *headerWriter) text(name, value string) {
	enc := encodeWords(value)
	h.w.WriteString(name)
	h.w.WriteString(":")
	fold(h.w, len(name)+1, strings.Fields(enc))
	h.w.WriteString("\r\n")
}

func (h *headerWriter) addresses(name string, as []*mail.Address) {
	if len(as) == 0 {
		return
	}
	var parts []string
	for i, a := range as {
		words := strings.Fields(a.String())
		if i < len(as)-1 {
			words[len(words)-1] += ","
		}
		parts = append(parts, words...)
	}
	h.w.WriteString(name)
	h.w.WriteString(":")
	fold(h.w, len(name)+1, parts)
	h.w.WriteString("\r\n")
}

// fold writes words separated by spaces, starting a continuation line when the
// current one would pass 78 characters.
func fold(w *bytes.Buffer, col int, words []string) {
	for _, word := range words {
		if col+1+len(word) > 78 && col > 1 {
			w.WriteString("\r\n")
			col = 0
		}
		w.WriteByte(' ')
		w.WriteString(word)
		col += 1 + len(word)
	}
}

// encodeWords returns s as RFC 2047 encoded words when it is not plain ASCII, when
// it holds something a reader would take for an encoded word ("=?"), or when a word
// is too long to fold; otherwise s as it is.
func encodeWords(s string) string {
	plain := !strings.Contains(s, "=?")
	for i := 0; i < len(s) && plain; i++ {
		if s[i] >= 0x80 || (s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f {
			plain = false
		}
	}
	for _, w := range strings.Fields(s) {
		if len(w) > 75 {
			plain = false
		}
	}
	if plain {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	// Base64 encoded words of at most 45 bytes of text each (60 encoded), cut
	// between runes; the spaces between the words are not part of the text.
	var b strings.Builder
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > 45 {
				break
			}
			n += size
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("=?utf-8?b?")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(s[:n])))
		b.WriteString("?=")
		s = s[n:]
	}
	return b.String()
}

func (m *Message) writeBody(b *bytes.Buffer) error {
	var attached []Attachment
	for _, a := range m.Attachments {
		if strings.ContainsAny(a.Filename, "\r\n\x00") || strings.ContainsAny(a.ContentType, "\r\n\x00") || strings.ContainsAny(a.ContentID, "\r\n<>\x00 ") {
			return fmt.Errorf("%w: attachment %q", ErrHeaderInjection, a.Filename)
		}
		if a.ContentID == "" {
			attached = append(attached, a)
		}
	}
	if len(attached) == 0 {
		return m.writeAlternatives(b, nil)
	}
	mw := multipart.NewWriter(b)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"" + mw.Boundary() + "\"\r\n\r\n")
	if err := m.writeAlternatives(nil, mw); err != nil {
		return err
	}
	for _, a := range attached {
		if err := writeAttachment(mw, a, "attachment"); err != nil {
			return err
		}
	}
	return mw.Close()
}

// writeAlternatives writes the text and HTML bodies: as the rest of the message
// (top, when parent is nil) or as a part of parent.
func (m *Message) writeAlternatives(top *bytes.Buffer, parent *multipart.Writer) error {
	var inline []Attachment
	for _, a := range m.Attachments {
		if a.ContentID != "" {
			inline = append(inline, a)
		}
	}
	// part opens a part with the given headers, in the parent or as the message.
	part := func(h textproto.MIMEHeader) (io.Writer, error) {
		if parent != nil {
			return parent.CreatePart(h)
		}
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			top.WriteString(k + ": " + h.Get(k) + "\r\n")
		}
		top.WriteString("\r\n")
		return top, nil
	}
	if m.HTML == "" && len(inline) == 0 {
		w, err := part(textHeader("text/plain", m.Text))
		if err != nil {
			return err
		}
		return writeText(w, m.Text)
	}
	var buf bytes.Buffer
	alt := multipart.NewWriter(&buf)
	if m.Text != "" || m.HTML == "" {
		w, err := alt.CreatePart(textHeader("text/plain", m.Text))
		if err != nil {
			return err
		}
		if err := writeText(w, m.Text); err != nil {
			return err
		}
	}
	if len(inline) == 0 {
		w, err := alt.CreatePart(textHeader("text/html", m.HTML))
		if err != nil {
			return err
		}
		if err := writeText(w, m.HTML); err != nil {
			return err
		}
	} else {
		var rbuf bytes.Buffer
		rel := multipart.NewWriter(&rbuf)
		w, err := rel.CreatePart(textHeader("text/html", m.HTML))
		if err != nil {
			return err
		}
		if err := writeText(w, m.HTML); err != nil {
			return err
		}
		for _, a := range inline {
			if err := writeAttachment(rel, a, "inline"); err != nil {
				return err
			}
		}
		if err := rel.Close(); err != nil {
			return err
		}
		w, err = alt.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/related; boundary="` + rel.Boundary() + `"; type="text/html"`}})
		if err != nil {
			return err
		}
		w.Write(rbuf.Bytes())
	}
	if err := alt.Close(); err != nil {
		return err
	}
	w, err := part(textproto.MIMEHeader{"Content-Type": {`multipart/alternative; boundary="` + alt.Boundary() + `"`}})
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// textHeader is the header of a text part: 7bit when it can be, else
// quoted-printable.
func textHeader(ct, s string) textproto.MIMEHeader {
	return textproto.MIMEHeader{
		"Content-Type":              {ct + "; charset=utf-8"},
		"Content-Transfer-Encoding": {textEncoding(s)},
	}
}

func textEncoding(s string) string {
	line := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			line = 0
			continue
		case c >= 0x80 || c == '\r' || c == 0:
			return "quoted-printable"
		}
		if line++; line > 76 {
			return "quoted-printable"
		}
	}
	return "7bit"
}

// writeText writes a text body with CRLF line ends in the encoding textEncoding chose.
func writeText(w io.Writer, s string) error {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	if textEncoding(s) == "7bit" {
		_, err := io.WriteString(w, strings.ReplaceAll(s, "\n", "\r\n"))
		return err
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, strings.ReplaceAll(s, "\n", "\r\n")); err != nil {
		return err
	}
	return qp.Close()
}

func writeAttachment(mw *multipart.Writer, a Attachment, disposition string) error {
	ct := a.ContentType
	if ct == "" {
		if i := strings.LastIndexByte(a.Filename, '.'); i >= 0 {
			ct = mime.TypeByExtension(a.Filename[i:])
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
	}
	mediatype, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("mail: attachment %q: content type %q: %v", a.Filename, ct, err)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(mediatype, params))
	h.Set("Content-Transfer-Encoding", "base64")
	disp := map[string]string{}
	if a.Filename != "" {
		disp["filename"] = a.Filename
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, disp))
	if a.ContentID != "" {
		h.Set("Content-ID", "<"+a.ContentID+">")
	}
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(a.Data)
	for len(enc) > 76 {
		io.WriteString(w, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	_, err = io.WriteString(w, enc+"\r\n")
	return err
}

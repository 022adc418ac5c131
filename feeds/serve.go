package feeds

import (
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/httpx"
)

// memoryLimit is how much of a rendered feed is kept in memory before the rest
// goes to a temporary file.
const memoryLimit = 1 << 20

func (f *Feed[T]) serve(c *galvani.Ctx, format Format) error {
	if f.Items == nil {
		return galvani.Error(http.StatusInternalServerError, "feeds: Feed.Items is nil")
	}
	info, err := f.info(c)
	if err != nil {
		return err
	}
	if info.Link == "" {
		return galvani.Error(http.StatusInternalServerError, "feeds: Info.Link is empty (RSS requires the channel's link, Atom derives the feed's id from it)")
	}
	rs, err := newResolver(c.Request, f.BaseURL)
	if err != nil {
		return err
	}
	info = rs.channel(info)
	h := c.Response.Header()
	if f.LastModified != nil {
		return f.stream(c, format, info, rs)
	}

	// Render the items first (their dates make the feed's), hashing them for the ETag.
	sp := &spill{sum: sha256.New()}
	defer sp.close()
	var latest time.Time
	fallback := info.Updated
	if fallback.IsZero() {
		fallback = now()
	}
	buf := make([]byte, 0, chunkCap)
	var stable []byte
	for v, err := range f.Items(c) {
		if err != nil {
			return err
		}
		it, err := f.item(c, v)
		if err != nil {
			return err
		}
		if it, err = rs.item(it); err != nil {
			return err
		}
		d := it.date()
		if d.After(latest) {
			latest = d
		}
		start := len(buf)
		buf = appendItem(buf, format, &it, fallback)
		if d.IsZero() {
			// An undated Atom entry shows the time of the request; the ETag is taken
			// over the entry without it, so it stays the same while the items do.
			stable = appendItem(stable[:0], format, &it, time.Time{})
			sp.sum.Write(stable)
		} else {
			sp.sum.Write(buf[start:])
		}
		if len(buf) >= flushAt {
			kept, err := sp.take(buf)
			if err != nil {
				return err
			}
			if kept {
				buf = make([]byte, 0, chunkCap)
			} else {
				buf = buf[:0]
			}
		}
	}
	if _, err := sp.take(buf); err != nil {
		return err
	}
	updated := info.Updated
	if updated.IsZero() {
		updated = latest
	}
	head := appendHead(make([]byte, 0, 1024), format, &info, orNow(updated, format))
	tail := appendTail(nil, format)
	if updated.IsZero() {
		sp.sum.Write(appendHead(nil, format, &info, time.Time{}))
	} else {
		sp.sum.Write(head)
	}
	sum := sp.sum.Sum(nil)
	h.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:16])+`"`)
	if !updated.IsZero() {
		h.Set("Last-Modified", updated.UTC().Format(http.TimeFormat))
	}
	if st := httpx.Preconditions(c.Request, h); st != 0 {
		return notModified(c, st)
	}
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Length", strconv.FormatInt(int64(len(head))+sp.n+int64(len(tail)), 10))
	c.Response.WriteHeader(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return nil
	}
	if _, err := c.Response.Write(head); err != nil {
		return err
	}
	if err := sp.writeTo(c.Response); err != nil {
		return err
	}
	_, err = c.Response.Write(tail)
	return err
}

// orNow gives Atom's required feed date when nothing dated the feed; RSS then
// has no lastBuildDate.
func orNow(t time.Time, format Format) time.Time {
	if t.IsZero() && format == Atom {
		return now()
	}
	return t
}

// stream serves a feed whose date LastModified tells: the conditional request is
// answered first, then the document streams out item by item.
func (f *Feed[T]) stream(c *galvani.Ctx, format Format, info Info, rs resolver) error {
	h := c.Response.Header()
	lm, err := f.LastModified(c)
	if err != nil {
		return err
	}
	if info.Updated.IsZero() {
		info.Updated = lm
	}
	if !info.Updated.IsZero() {
		h.Set("Last-Modified", info.Updated.UTC().Format(http.TimeFormat))
	}
	if st := httpx.Preconditions(c.Request, h); st != 0 {
		return notModified(c, st)
	}
	h.Set("Content-Type", format.ContentType())
	c.Response.WriteHeader(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return nil
	}
	enc := NewEncoder(c.Response, format)
	if err := enc.Start(info); err != nil {
		return err
	}
	for v, err := range f.Items(c) {
		if err != nil {
			return err // the status is sent: the error is logged and the document left unfinished
		}
		it, err := f.item(c, v)
		if err != nil {
			return err
		}
		if it, err = rs.item(it); err != nil {
			return err
		}
		if err := enc.Item(it); err != nil {
			return err
		}
	}
	return enc.End()
}

// notModified answers 304 (with the validators) or 412.
func notModified(c *galvani.Ctx, status int) error {
	h := c.Response.Header()
	if status == http.StatusPreconditionFailed {
		h.Del("ETag")
		h.Del("Last-Modified")
		return c.Text(status, "Precondition Failed\n")
	}
	h.Del("Content-Type")
	h.Del("Content-Length")
	c.Response.WriteHeader(status)
	return nil
}

// chunkCap is the capacity of the buffers items are rendered into: flushAt and
// room for one more item, so that they rarely grow.
const chunkCap = flushAt + 8<<10

// spill holds rendered chunks in memory up to memoryLimit and in a temporary
// file past it, hashing everything it is given.
type spill struct {
	chunks [][]byte
	mem    int
	file   *os.File
	sum    hash.Hash
	n      int64
}

// take adds p to the document (the caller hashes what it renders: the hash is
// not always over these bytes). kept reports whether the spill keeps p (the
// caller must not reuse it then) or wrote it to its file.
func (s *spill) take(p []byte) (kept bool, err error) {
	s.n += int64(len(p))
	if s.file == nil && s.mem+len(p) <= memoryLimit {
		s.chunks = append(s.chunks, p)
		s.mem += len(p)
		return true, nil
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "galvani-feed-*")
		if err != nil {
			return false, err
		}
		s.file = f
	}
	_, err = s.file.Write(p)
	return false, err
}

func (s *spill) writeTo(w io.Writer) error {
	for _, c := range s.chunks {
		if _, err := w.Write(c); err != nil {
			return err
		}
	}
	if s.file == nil {
		return nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.file)
	return err
}

func (s *spill) close() {
	if s.file != nil {
		name := s.file.Name()
		s.file.Close()
		os.Remove(name)
	}
}

// now is the clock undated Atom feeds and entries show; tests move it.
var now = time.Now

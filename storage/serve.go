package storage

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// inlineImages are the sniffed types Handler shows in the browser; every other
// file is a download.
var inlineImages = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/bmp": true,
}

// Handler serves the files of a storage by name, for development (Django's
// static() helper for MEDIA_URL): mount it where the storage's URLs point, as
// App.Mount strips the prefix:
//
//	app.Mount("/media", storage.Handler(storage.Default()))
//
// The request path, without its leading slash, is the name; a name that is not
// clean (ValidName: "..", backslashes, hidden files, control characters) is a
// 404, so nothing outside the storage is reached, and FileSystem opens through
// os.Root besides. Only GET and HEAD are answered (405 otherwise).
//
// Uploaded files are the clients' content, so every response has
// X-Content-Type-Options: nosniff and a Content-Security-Policy that runs
// nothing (default-src 'none'; sandbox). Raster images (PNG, JPEG, GIF, WebP,
// BMP, by their content, not their name) are shown inline with their sniffed
// type; anything else — SVG and HTML included — is sent as an attachment with
// the type of its extension, so a browser downloads it instead of running it.
// Files that can seek (FileSystem) get ranges and conditional requests.
//
// In production let the web server (nginx, a CDN, the bucket) serve the files
// with the same headers; see docs/storage.md.
func Handler(s Storage) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		if !ValidName(name) {
			http.NotFound(w, r)
			return
		}
		rc, err := s.Open(r.Context(), name)
		var pathErr *fs.PathError
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrInvalidName) || errors.As(err, &pathErr) {
			// Missing, or refused by the file system: a link that leads out of
			// the root, a file the server may not read.
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, "500 internal server error", http.StatusInternalServerError)
			return
		}
		defer rc.Close()
		var info fs.FileInfo
		if st, ok := rc.(interface{ Stat() (fs.FileInfo, error) }); ok {
			if info, err = st.Stat(); err == nil && !info.Mode().IsRegular() {
				http.NotFound(w, r) // a directory is not a file
				return
			}
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		// Sniff the first bytes, then read from the start again.
		head := make([]byte, 512)
		n, err := io.ReadFull(rc, head)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			http.Error(w, "500 internal server error", http.StatusInternalServerError)
			return
		}
		head = head[:n]
		sniffed, _, _ := strings.Cut(http.DetectContentType(head), ";")
		if inlineImages[sniffed] {
			h.Set("Content-Type", sniffed)
		} else {
			typ := mime.TypeByExtension(path.Ext(name))
			if typ == "" {
				typ = "application/octet-stream"
			}
			h.Set("Content-Type", typ)
			h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(name)}))
		}
		if rs, ok := rc.(io.ReadSeeker); ok {
			if _, err := rs.Seek(0, io.SeekStart); err == nil {
				var mod time.Time
				if info != nil {
					mod = info.ModTime()
				}
				http.ServeContent(w, r, "", mod, rs)
				return
			}
		}
		if r.Method == http.MethodHead {
			return
		}
		w.Write(head)
		io.Copy(w, rc)
	})
}

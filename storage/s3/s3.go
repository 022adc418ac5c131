// Package s3 stores files in an S3-compatible bucket (Amazon S3, MinIO,
// Cloudflare R2, Ceph, versitygw, SeaweedFS...), on the minio-go client.
//
// Importing it registers the s3:// scheme with storage.Open, so the storage a
// project uses can be chosen by its STORAGE_URL alone:
//
//	import _ "github.com/galvani-web/galvani/storage/s3"
//
//	STORAGE_URL=s3://media-bucket/uploads/?region=eu-west-1
//	STORAGE_URL=s3://ACCESS:SECRET@media?endpoint=http://127.0.0.1:9000&public_url=https://cdn.example.com/
//
// A Bucket follows the naming rules of storage.FileSystem: Save cleans the name
// with storage.CleanName and never overwrites a stored file (see Bucket.Save for
// how), and Open, Delete, Exists, URL, Size and the presigning methods refuse the
// names Save never returns. Save streams: a file of unknown length is sent in
// parts (multipart upload), holding one part in memory at a time.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/galvani-web/galvani/internal/ctxio"
	"github.com/galvani-web/galvani/storage"
)

// Part sizes of multipart uploads. S3 takes at most 10,000 parts per object,
// each but the last at least 5 MiB, so the part size bounds the largest file
// Save can store: 10,000 × PartSize (78 GiB at the default).
const (
	DefaultPartSize = 8 << 20
	MinPartSize     = 5 << 20
	MaxPartSize     = 5 << 30
	maxParts        = 10000
)

// DefaultURLExpiry is how long the URLs that URL signs stay valid when the
// bucket has no PublicURL.
const DefaultURLExpiry = time.Hour

// Config describes a bucket. Open (through storage.Open and an s3:// URL) fills
// one from the URL; New takes one directly.
type Config struct {
	// Endpoint is the server: "host[:port]" (HTTPS) or a URL with the scheme
	// "http://host:port" or "https://host:port". Empty means Amazon S3
	// (s3.amazonaws.com).
	Endpoint string
	// Region is the bucket's region; empty means "us-east-1". It is used to
	// sign requests, so URL and the presigning methods never ask the server.
	Region string
	// Bucket is the bucket's name.
	Bucket string
	// Prefix is prepended to every name to make the object key, e.g. "media/"
	// (the storage's names do not include it). It must be a clean name
	// (storage.ValidName) with or without a trailing slash, or empty.
	Prefix string
	// AccessKey and SecretKey (and SessionToken for temporary credentials) sign
	// requests. When AccessKey and SecretKey are both empty, New takes them from
	// the environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
	// AWS_SESSION_TOKEN.
	AccessKey, SecretKey, SessionToken string
	// PublicURL, if set, is the address the bucket's files are served under (a
	// CDN, or the bucket's own address when it is publicly readable): URL
	// returns PublicURL followed by the name. Without it URL returns a presigned
	// address valid for URLExpiry.
	PublicURL string
	// URLExpiry is the lifetime of the URLs that URL signs; zero means
	// DefaultURLExpiry.
	URLExpiry time.Duration
	// PartSize is the size of the parts of a multipart upload, and so the memory
	// one Save of a large file holds; zero means DefaultPartSize. Files smaller
	// than a part are stored with one PUT.
	PartSize int64
	// Transport, if set, carries the requests (tests, proxies); nil means a
	// transport like http.DefaultTransport.
	Transport http.RoundTripper
}

// Bucket is a storage.Storage on an S3-compatible bucket. It is also a
// storage.Sizer, a storage.Presigner and a storage.Pinger (the readiness check
// asks whether the bucket exists). Its methods may be called concurrently.
type Bucket struct {
	client    *minio.Client
	core      minio.Core
	endpoint  string // for messages
	bucket    string
	prefix    string
	publicURL string
	urlExpiry time.Duration
	partSize  int64

	// unconditional is set once the server answered a conditional PUT with
	// NotImplemented: Save then relies on its existence check alone.
	unconditional atomic.Bool
}

var (
	_ storage.Storage   = (*Bucket)(nil)
	_ storage.Sizer     = (*Bucket)(nil)
	_ storage.Presigner = (*Bucket)(nil)
	_ storage.Pinger    = (*Bucket)(nil)
)

// New returns the Bucket cfg describes. It checks the configuration but does not
// touch the network: a server that is down or refuses the credentials makes the
// operations fail (and Ping report it), not New.
func New(cfg Config) (*Bucket, error) {
	endpoint, secure, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("storage/s3: bucket name %q: %v", cfg.Bucket, err)
	}
	prefix := strings.TrimSuffix(cfg.Prefix, "/")
	if prefix != "" {
		if !storage.ValidName(prefix) {
			return nil, fmt.Errorf("storage/s3: prefix %q is not a clean name (letters, digits, '-', '_' and '.' in segments separated by '/'; it would be %q)", cfg.Prefix, storage.CleanName(prefix))
		}
		prefix += "/"
	}
	access, secret, token := cfg.AccessKey, cfg.SecretKey, cfg.SessionToken
	if access == "" && secret == "" {
		access, secret, token = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
		if access == "" && secret == "" {
			return nil, errors.New("storage/s3: no credentials: give ACCESS:SECRET in the s3:// URL (s3://ACCESS:SECRET@bucket) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
		}
	}
	if access == "" || secret == "" {
		return nil, errors.New("storage/s3: credentials need both an access key and a secret key")
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < MinPartSize || partSize > MaxPartSize {
		return nil, fmt.Errorf("storage/s3: part size %d is outside S3's limits (5 MiB to 5 GiB)", partSize)
	}
	expiry := cfg.URLExpiry
	if expiry == 0 {
		expiry = DefaultURLExpiry
	}
	if err := storage.CheckExpiry(expiry); err != nil {
		return nil, fmt.Errorf("storage/s3: URLExpiry: %w", err)
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.HasPrefix(cfg.PublicURL, "/")) {
			return nil, fmt.Errorf("storage/s3: public URL %q is neither an http(s) URL nor a path", cfg.PublicURL)
		}
	}
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		transport = t
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(access, secret, token),
		Secure:    secure,
		Region:    region,
		Transport: transport,
		// minio-go retries ten times by default, so a server that is down takes
		// many seconds to report; three tries still ride out a passing 503.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("storage/s3: endpoint %q: %v", cfg.Endpoint, err)
	}
	scheme := "https://"
	if !secure {
		scheme = "http://"
	}
	return &Bucket{
		client:    client,
		core:      minio.Core{Client: client},
		endpoint:  scheme + endpoint,
		bucket:    cfg.Bucket,
		prefix:    prefix,
		publicURL: cfg.PublicURL,
		urlExpiry: expiry,
		partSize:  partSize,
	}, nil
}

func parseEndpoint(raw string) (hostport string, secure bool, err error) {
	if raw == "" {
		return "s3.amazonaws.com", true, nil
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", false, fmt.Errorf("storage/s3: endpoint %q: want host[:port], http://host:port or https://host:port", storage.RedactURL(raw))
	}
	switch u.Scheme {
	case "https":
		return u.Host, true, nil
	case "http":
		return u.Host, false, nil
	}
	return "", false, fmt.Errorf("storage/s3: endpoint %q: the scheme must be http or https", raw)
}

// key returns the object key of a clean name.
func (b *Bucket) key(name string) string { return b.prefix + name }

// Save implements storage.Storage. It stores the content of r under
// storage.CleanName(name) or, when that is taken, under a storage.AlternativeName
// of it, and never overwrites a stored object:
//
//   - it first asks whether the name is taken (a HEAD request);
//   - then it writes with If-None-Match: *, so that the server refuses the write
//     if another Save took the name in between (a conditional PUT: Amazon S3,
//     MinIO, R2, Ceph and versitygw honour it), and Save tries another name.
//
// A server that answers NotImplemented to the condition gets unconditional PUTs
// from then on, so it has the existence check alone (check-then-put: two saves of
// one name in the same instant could then both succeed, the later one winning).
//
// A file up to the part size (Config.PartSize) is read into memory and stored
// with one PUT. A larger one first reserves its name with an empty object,
// written under the same condition, then is streamed in parts (a multipart
// upload) holding one part in memory; if reading r, the context or the server
// fails, the upload is aborted and the reservation deleted, so no partial file is
// left (like FileSystem's, the reserved name reads as empty until the upload
// completes). The content type is taken from the name's extension for images,
// audio, video, PDF and plain text, and is application/octet-stream otherwise,
// so that an uploaded HTML or SVG file is never served from the bucket as a page.
func (b *Bucket) Save(ctx context.Context, name string, r io.Reader) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	name = storage.CleanName(name)
	r = ctxio.Reader(ctx, r)
	first, err := b.readFirst(r)
	if err != nil {
		return "", fmt.Errorf("storage/s3: reading %q: %w", name, err)
	}
	small := int64(len(first)) < b.partSize
	opts := minio.PutObjectOptions{ContentType: contentType(name), DisableMultipart: true}
	candidate := name
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if attempt >= maxAttempts {
				return "", fmt.Errorf("storage/s3: no free name for %q after %d tries", name, attempt)
			}
			candidate = storage.AlternativeName(name)
		}
		taken, err := b.Exists(ctx, candidate)
		if err != nil {
			return "", err
		}
		if taken {
			continue
		}
		content := first
		if !small {
			content = nil // the reservation
		}
		err = b.putNew(ctx, candidate, content, opts)
		if errors.Is(err, errTaken) {
			continue
		}
		if err != nil {
			return "", err
		}
		if small {
			return candidate, nil
		}
		if err := b.multipart(ctx, candidate, first, r, opts); err != nil {
			cctx, cancel := cleanupContext(ctx)
			derr := b.client.RemoveObject(cctx, b.bucket, b.key(candidate), minio.RemoveObjectOptions{})
			cancel()
			if derr != nil {
				err = fmt.Errorf("%w (and the reserved name could not be deleted: %v)", err, derr)
			}
			return "", err
		}
		return candidate, nil
	}
}

// maxAttempts bounds the search for an unused name, as FileSystem's does.
const maxAttempts = 100

// errTaken is putNew's answer when the name was taken meanwhile.
var errTaken = errors.New("storage/s3: name taken")

// putNew stores content under name unless an object is stored there already.
func (b *Bucket) putNew(ctx context.Context, name string, content []byte, opts minio.PutObjectOptions) error {
	conditional := !b.unconditional.Load()
	put := opts // opts stays without the condition, for the retry below
	if conditional {
		put.SetMatchETagExcept("*")
	}
	_, err := b.client.PutObject(ctx, b.bucket, b.key(name), bytes.NewReader(content), int64(len(content)), put)
	if err == nil {
		return nil
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case conditional && (resp.StatusCode == http.StatusPreconditionFailed || resp.Code == "PreconditionFailed" ||
		// Amazon S3 answers 409 to the loser of two conditional writes in flight.
		resp.StatusCode == http.StatusConflict && resp.Code == "ConditionalRequestConflict"):
		return errTaken
	case conditional && (resp.StatusCode == http.StatusNotImplemented || resp.Code == "NotImplemented"):
		b.unconditional.Store(true)
		return b.putNew(ctx, name, content, opts)
	}
	return b.wrap("save", name, err)
}

// multipart streams first and then the rest of r into name, in parts of
// b.partSize read into one reused buffer.
func (b *Bucket) multipart(ctx context.Context, name string, first []byte, r io.Reader, opts minio.PutObjectOptions) (err error) {
	key := b.key(name)
	uploadID, err := b.core.NewMultipartUpload(ctx, b.bucket, key, minio.PutObjectOptions{ContentType: opts.ContentType})
	if err != nil {
		return b.wrap("save", name, err)
	}
	defer func() {
		if err != nil {
			// Parts of an upload neither completed nor aborted are kept (and
			// billed) by the server: abort even when ctx is cancelled.
			cctx, cancel := cleanupContext(ctx)
			b.core.AbortMultipartUpload(cctx, b.bucket, key, uploadID)
			cancel()
		}
	}()
	buf := first
	var parts []minio.CompletePart
	for number := 1; ; number++ {
		if number > maxParts {
			return fmt.Errorf("storage/s3: %q is larger than %d parts of %d bytes; raise the part size (Config.PartSize, part_size=)", name, maxParts, b.partSize)
		}
		p, err := b.core.PutObjectPart(ctx, b.bucket, key, uploadID, number, bytes.NewReader(buf), int64(len(buf)), minio.PutObjectPartOptions{})
		if err != nil {
			return b.wrap("save", name, err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: number, ETag: p.ETag,
			ChecksumCRC32: p.ChecksumCRC32, ChecksumCRC32C: p.ChecksumCRC32C, ChecksumSHA1: p.ChecksumSHA1,
			ChecksumSHA256: p.ChecksumSHA256, ChecksumCRC64NVME: p.ChecksumCRC64NVME})
		buf = buf[:cap(buf)]
		n, rerr := io.ReadFull(r, buf)
		buf = buf[:n]
		if rerr == io.EOF {
			break
		}
		if rerr != nil && rerr != io.ErrUnexpectedEOF {
			return fmt.Errorf("storage/s3: reading %q: %w", name, rerr)
		}
	}
	if _, err := b.core.CompleteMultipartUpload(ctx, b.bucket, key, uploadID, parts, minio.PutObjectOptions{ContentType: opts.ContentType}); err != nil {
		return b.wrap("save", name, err)
	}
	return nil
}

// readFirst reads r up to the part size: all of a small file, or the first part
// of a large one. It starts with a small buffer so that small files cost little.
func (b *Bucket) readFirst(r io.Reader) ([]byte, error) {
	buf := make([]byte, min(64<<10, b.partSize))
	n, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return buf[:n], nil
	}
	if err != nil {
		return nil, err
	}
	part := make([]byte, b.partSize)
	copy(part, buf)
	m, err := io.ReadFull(r, part[n:])
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return part[:n+m], err
}

// cleanupContext is for the requests that undo a failed Save: they must run even
// when ctx was cancelled, but not forever.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// Open implements storage.Storage. The returned reader streams the object from
// the server as it is read (it is also an io.Seeker and io.ReaderAt: a seek
// starts a ranged GET); cancelling ctx stops it. A missing object is an error
// matching fs.ErrNotExist.
func (b *Bucket) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := storage.CheckName(name); err != nil {
		return nil, err
	}
	obj, err := b.client.GetObject(ctx, b.bucket, b.key(name), minio.GetObjectOptions{})
	if err != nil {
		return nil, b.wrap("open", name, err)
	}
	// The first request is made here, so that a missing object is reported by
	// Open rather than by the first Read.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, b.notFound(ctx, "open", name, err)
	}
	return obj, nil
}

// notFound wraps err, an error of a HEAD request on name. A HEAD answer has no
// body, so a missing bucket looks like a missing object: when the object seems
// missing, ask about the bucket, so that a misconfigured bucket is not taken for a
// missing file (a 404 page instead of an error).
func (b *Bucket) notFound(ctx context.Context, op, name string, err error) error {
	if isNotFound(err) {
		if ok, berr := b.client.BucketExists(ctx, b.bucket); berr == nil && !ok {
			return fmt.Errorf("storage/s3: %s %q: %w: %q at %s", op, name, ErrNoBucket, b.bucket, b.endpoint)
		}
	}
	return b.wrap(op, name, err)
}

// Delete implements storage.Storage.
func (b *Bucket) Delete(ctx context.Context, name string) error {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	err := b.client.RemoveObject(ctx, b.bucket, b.key(name), minio.RemoveObjectOptions{})
	if err != nil && !isNotFound(err) {
		return b.wrap("delete", name, err)
	}
	return nil
}

// Exists implements storage.Storage.
func (b *Bucket) Exists(ctx context.Context, name string) (bool, error) {
	if err := storage.CheckName(name); err != nil {
		return false, err
	}
	_, err := b.client.StatObject(ctx, b.bucket, b.key(name), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, b.wrap("stat", name, err)
}

// Size implements storage.Sizer (a HEAD request).
func (b *Bucket) Size(ctx context.Context, name string) (int64, error) {
	if err := storage.CheckName(name); err != nil {
		return 0, err
	}
	info, err := b.client.StatObject(ctx, b.bucket, b.key(name), minio.StatObjectOptions{})
	if err != nil {
		return 0, b.notFound(ctx, "stat", name, err)
	}
	return info.Size, nil
}

// URL implements storage.Storage: the PublicURL followed by the name when the
// bucket has one, else a presigned GET address valid for URLExpiry (signed
// locally: URL makes no request).
func (b *Bucket) URL(name string) (string, error) {
	if err := storage.CheckName(name); err != nil {
		return "", err
	}
	if b.publicURL != "" {
		return joinURL(b.publicURL, name), nil
	}
	return b.PresignGet(context.Background(), name, b.urlExpiry)
}

func joinURL(base, name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + strings.Join(segs, "/")
}

// PresignGet implements storage.Presigner: a URL that reads the object with a
// plain GET until expiry has passed. It is signed locally and does not check
// that the object exists.
func (b *Bucket) PresignGet(ctx context.Context, name string, expiry time.Duration) (string, error) {
	if err := storage.CheckName(name); err != nil {
		return "", err
	}
	if err := storage.CheckExpiry(expiry); err != nil {
		return "", err
	}
	u, err := b.client.PresignedGetObject(ctx, b.bucket, b.key(name), expiry, nil)
	if err != nil {
		return "", b.wrap("presign", name, err)
	}
	return u.String(), nil
}

// PresignPut implements storage.Presigner: it picks a clean name not stored yet
// (storage.CleanName, then storage.AlternativeName while the name is taken) and
// returns it with a URL that stores a file under it with a plain PUT until expiry
// has passed. Unlike Save, the upload cannot be made conditional (a plain PUT
// carries no If-None-Match), so the URL lets its holder write, and rewrite, that
// one name until it expires; it sets no limit on the size.
func (b *Bucket) PresignPut(ctx context.Context, name string, expiry time.Duration) (stored, presigned string, err error) {
	if err := storage.CheckExpiry(expiry); err != nil {
		return "", "", err
	}
	name = storage.CleanName(name)
	candidate := name
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if attempt >= maxAttempts {
				return "", "", fmt.Errorf("storage/s3: no free name for %q after %d tries", name, attempt)
			}
			candidate = storage.AlternativeName(name)
		}
		taken, err := b.Exists(ctx, candidate)
		if err != nil {
			return "", "", err
		}
		if !taken {
			break
		}
	}
	u, err := b.client.PresignedPutObject(ctx, b.bucket, b.key(candidate), expiry)
	if err != nil {
		return "", "", b.wrap("presign", candidate, err)
	}
	return candidate, u.String(), nil
}

// Ping implements storage.Pinger: it reports whether the bucket exists and the
// credentials are accepted (a HEAD request on the bucket).
func (b *Bucket) Ping(ctx context.Context) error {
	ok, err := b.client.BucketExists(ctx, b.bucket)
	if err != nil {
		return b.wrap("ping", "", err)
	}
	if !ok {
		return fmt.Errorf("storage/s3: %w: %q at %s", ErrNoBucket, b.bucket, b.endpoint)
	}
	return nil
}

// contentType returns the type to store name with: the extension's type for
// kinds a browser displays without running them, application/octet-stream for
// anything else (HTML, SVG, XML and scripts included).
func contentType(name string) string {
	const fallback = "application/octet-stream"
	t := mime.TypeByExtension(strings.ToLower(path.Ext(name)))
	base, _, _ := strings.Cut(t, ";")
	switch {
	case base == "image/svg+xml":
		return fallback
	case strings.HasPrefix(base, "image/"), strings.HasPrefix(base, "audio/"), strings.HasPrefix(base, "video/"), strings.HasPrefix(base, "font/"):
		return t
	case base == "application/pdf", base == "text/plain", base == "text/csv", base == "application/json",
		base == "application/zip", base == "application/gzip", base == "application/x-gzip":
		return t
	}
	return fallback
}

// notExist builds the error a missing object gives, as FileSystem's do.
func notExist(op, name string) error {
	return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}

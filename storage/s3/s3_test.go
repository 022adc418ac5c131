package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/storage"
	"github.com/galvani-web/galvani/storage/s3"
	"github.com/galvani-web/galvani/storage/storagetest"
)

// server returns the test server and a bucket made for this checkout's tests.
func server(t *testing.T) (testdb.S3Server, string) {
	t.Helper()
	srv := testdb.S3(t)
	bucket := strings.Trim(strings.ToLower(strings.ReplaceAll(testdb.Name("galvani-s3"), "_", "-")), "-")
	u, _ := url.Parse(srv.Endpoint)
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""), Region: srv.Region})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ok, err := c.BucketExists(ctx, bucket)
	if err != nil {
		t.Fatalf("the test S3 server at %s: %v", srv.Endpoint, err)
	}
	if !ok {
		if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: srv.Region}); err != nil {
			if resp := minio.ToErrorResponse(err); resp.Code != "BucketAlreadyOwnedByYou" {
				t.Fatalf("making bucket %s: %v", bucket, err)
			}
		}
	}
	return srv, bucket
}

func newBucket(t *testing.T, adjust func(*s3.Config)) *s3.Bucket {
	t.Helper()
	srv, bucket := server(t)
	cfg := s3.Config{Endpoint: srv.Endpoint, Region: srv.Region, Bucket: bucket,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PartSize: s3.MinPartSize}
	if adjust != nil {
		adjust(&cfg)
	}
	b, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformance(t *testing.T) {
	t.Run("PublicURL", func(t *testing.T) {
		b := newBucket(t, func(c *s3.Config) { c.Prefix = "media/"; c.PublicURL = "https://cdn.example.com/m/" })
		storagetest.Run(t, b, storagetest.Options{URL: func(name string) string { return "https://cdn.example.com/m/" + name }})
	})
	t.Run("NoPrefix", func(t *testing.T) {
		storagetest.Run(t, newBucket(t, nil), storagetest.Options{})
	})
}

// The storage URL opens the same bucket, with credentials from the environment.
func TestStorageURL(t *testing.T) {
	srv, bucket := server(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	raw := "s3://" + bucket + "/urls/?endpoint=" + url.QueryEscape(srv.Endpoint) + "&region=" + srv.Region
	st, err := storage.Open(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.(storage.Pinger).Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	ctx := context.Background()
	name, err := st.Save(ctx, "hello.txt", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Delete(ctx, name)
	// Without public_url, URL is a presigned address that a plain GET reads.
	u, err := st.URL(name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "/urls/") || !strings.Contains(u, "X-Amz-Signature=") {
		t.Errorf("URL = %s, want a presigned URL under the prefix", u)
	}
	if got, status := get(t, u); got != "hi" || status != 200 {
		t.Errorf("GET %s = %d %q", u, status, got)
	}
}

func get(t *testing.T, u string) (string, int) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

func TestPresign(t *testing.T) {
	b := newBucket(t, func(c *s3.Config) { c.Prefix = "presign" })
	ctx := context.Background()
	name, err := b.Save(ctx, "report.pdf", strings.NewReader("%PDF-1.4 report"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Delete(ctx, name)

	getURL, err := b.PresignGet(ctx, name, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(getURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "%PDF-1.4 report" || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("GET of the presigned URL: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// A tampered signature is refused.
	if _, status := get(t, strings.Replace(getURL, "X-Amz-Expires=60", "X-Amz-Expires=600", 1)); status != 403 {
		t.Errorf("a presigned URL with its expiry changed answered %d, want 403", status)
	}

	// PresignPut picks an unused name (report.pdf is taken) and a plain PUT stores under it.
	stored, putURL, err := b.PresignPut(ctx, "report.pdf", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Delete(ctx, stored)
	if stored == name || !strings.HasPrefix(stored, "report_") || !storage.ValidName(stored) {
		t.Errorf("PresignPut picked %q next to %q", stored, name)
	}
	req, _ := http.NewRequest("PUT", putURL, strings.NewReader("uploaded directly"))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT to the presigned URL: %d", resp.StatusCode)
	}
	rc, err := b.Open(ctx, stored)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "uploaded directly" {
		t.Errorf("the presigned PUT stored %q", got)
	}

	for _, d := range []time.Duration{0, time.Millisecond, storage.MaxPresignExpiry + time.Second} {
		if _, err := b.PresignGet(ctx, name, d); !errors.Is(err, storage.ErrExpiry) {
			t.Errorf("PresignGet with expiry %v: %v, want ErrExpiry", d, err)
		}
		if _, _, err := b.PresignPut(ctx, "x.txt", d); !errors.Is(err, storage.ErrExpiry) {
			t.Errorf("PresignPut with expiry %v: %v, want ErrExpiry", d, err)
		}
	}
}

// generator yields size bytes of a fixed pseudo-random sequence without holding
// them, sampling the heap as it goes.
type generator struct {
	size, off int64
	x         uint64
	sum       io.Writer
	peak      uint64
	nextProbe int64
	onOffset  func(int64)
}

func (g *generator) Read(p []byte) (int, error) {
	if g.off >= g.size {
		return 0, io.EOF
	}
	if int64(len(p)) > g.size-g.off {
		p = p[:g.size-g.off]
	}
	for i := range p {
		g.x = g.x*6364136223846793005 + 1442695040888963407
		p[i] = byte(g.x >> 56)
	}
	g.off += int64(len(p))
	if g.sum != nil {
		g.sum.Write(p)
	}
	if g.off >= g.nextProbe {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		g.peak = max(g.peak, ms.HeapAlloc)
		g.nextProbe += 1 << 20
	}
	if g.onOffset != nil {
		g.onOffset(g.off)
	}
	return len(p), nil
}

// A file of unknown length larger than a part streams through a multipart
// upload holding about one part: the heap never holds the file.
func TestLargeUploadStreams(t *testing.T) {
	b := newBucket(t, func(c *s3.Config) { c.Prefix = "large" })
	ctx := context.Background()
	const size = 40 << 20
	sent := sha256.New()
	g := &generator{size: size, x: 1, sum: sent}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	name, err := b.Save(ctx, "big.bin", g)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Delete(ctx, name)
	growth := int64(g.peak) - int64(base)
	t.Logf("uploaded %d MiB in parts of %d MiB; heap grew by at most %.1f MiB", size>>20, s3.MinPartSize>>20, float64(growth)/(1<<20))
	if growth > size/2 {
		t.Errorf("the heap grew by %d bytes while streaming a %d-byte file: the upload is buffered", growth, size)
	}
	if n, err := b.Size(ctx, name); n != size || err != nil {
		t.Fatalf("Size = %d, %v; want %d", n, err, size)
	}
	rc, err := b.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	read := sha256.New()
	if n, err := io.Copy(read, rc); n != size || err != nil {
		t.Fatalf("read back %d bytes, %v", n, err)
	}
	if !bytes.Equal(read.Sum(nil), sent.Sum(nil)) {
		t.Fatal("the file read back differs from the one sent")
	}
}

// Cancelling the context in the middle of a multipart upload stops it, leaves no
// file under the name and no unfinished upload on the server.
func TestSaveCancelledMidUpload(t *testing.T) {
	b := newBucket(t, func(c *s3.Config) { c.Prefix = "cancel" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := &generator{size: 30 << 20, x: 2, onOffset: func(off int64) {
		if off > 12<<20 {
			cancel()
		}
	}}
	stored, err := b.Save(ctx, "big.bin", g)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Save with the context cancelled mid-upload = %q, %v; want context.Canceled", stored, err)
	}
	if g.off >= g.size {
		t.Error("Save read the whole file after the context was cancelled")
	}
	if ok, err := b.Exists(context.Background(), "big.bin"); ok || err != nil {
		t.Errorf("after a cancelled Save, Exists = %v, %v", ok, err)
	}
	srv, bucket := server(t)
	u, _ := url.Parse(srv.Endpoint)
	c, _ := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""), Region: srv.Region})
	for up := range c.ListIncompleteUploads(context.Background(), bucket, "cancel/", true) {
		if up.Err != nil {
			t.Fatal(up.Err)
		}
		t.Errorf("an unfinished upload was left: %s (%s)", up.Key, up.UploadID)
	}
}

// A failing reader in the middle of a large upload leaves nothing either.
func TestSaveFailedMidUpload(t *testing.T) {
	b := newBucket(t, func(c *s3.Config) { c.Prefix = "fail" })
	r := io.MultiReader(&generator{size: 7 << 20, x: 3}, iotestErrReader{})
	if stored, err := b.Save(context.Background(), "big.bin", r); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("Save with a reader failing after 7 MiB = %q, %v", stored, err)
	}
	if ok, err := b.Exists(context.Background(), "big.bin"); ok || err != nil {
		t.Errorf("after a failed Save, Exists = %v, %v", ok, err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// Open streams: cancelling its context stops the reading.
func TestOpenCancel(t *testing.T) {
	b := newBucket(t, func(c *s3.Config) { c.Prefix = "open" })
	name, err := b.Save(context.Background(), "stream.bin", &generator{size: 8 << 20, x: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Delete(context.Background(), name)
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := b.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	n, err := io.Copy(io.Discard, rc)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("reading after cancel: %d more bytes, %v; want context.Canceled", n, err)
	}
	if _, ok := rc.(io.ReadSeeker); !ok {
		t.Error("Open's reader is not an io.Seeker")
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("BadSecret", func(t *testing.T) {
		b := newBucket(t, func(c *s3.Config) { c.SecretKey = "wrong-secret" })
		_, err := b.Save(ctx, "x.txt", strings.NewReader("x"))
		if !errors.Is(err, s3.ErrAccessDenied) || !strings.Contains(err.Error(), "check the access key and secret") {
			t.Errorf("Save with a wrong secret: %v, want ErrAccessDenied with a hint", err)
		}
		if strings.Contains(fmt.Sprint(err), "wrong-secret") {
			t.Errorf("the error shows the secret: %v", err)
		}
		if err := b.Ping(ctx); !errors.Is(err, s3.ErrAccessDenied) {
			t.Errorf("Ping with a wrong secret: %v, want ErrAccessDenied", err)
		}
		if _, err := b.Open(ctx, "x.txt"); !errors.Is(err, s3.ErrAccessDenied) {
			t.Errorf("Open with a wrong secret: %v, want ErrAccessDenied", err)
		}
		if _, err := b.Exists(ctx, "x.txt"); !errors.Is(err, s3.ErrAccessDenied) {
			t.Errorf("Exists with a wrong secret: %v, want ErrAccessDenied", err)
		}
	})
	t.Run("UnknownAccessKey", func(t *testing.T) {
		b := newBucket(t, func(c *s3.Config) { c.AccessKey = "nobody" })
		if err := b.Delete(ctx, "x.txt"); !errors.Is(err, s3.ErrAccessDenied) {
			t.Errorf("Delete with an unknown access key: %v, want ErrAccessDenied", err)
		}
	})
	t.Run("NoBucket", func(t *testing.T) {
		b := newBucket(t, func(c *s3.Config) { c.Bucket = "galvani-no-such-bucket" })
		if err := b.Ping(ctx); !errors.Is(err, s3.ErrNoBucket) || !strings.Contains(err.Error(), "galvani-no-such-bucket") {
			t.Errorf("Ping of a missing bucket: %v, want ErrNoBucket naming it", err)
		}
		if _, err := b.Save(ctx, "x.txt", strings.NewReader("x")); !errors.Is(err, s3.ErrNoBucket) {
			t.Errorf("Save into a missing bucket: %v, want ErrNoBucket", err)
		}
		if _, err := b.Open(ctx, "x.txt"); !errors.Is(err, s3.ErrNoBucket) || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open in a missing bucket: %v, want ErrNoBucket (a configuration error, not a missing file)", err)
		}
	})
}

// A server that does not answer is reported as such, promptly and without a
// server to test against.
func TestUnreachable(t *testing.T) {
	b, err := s3.New(s3.Config{Endpoint: "http://127.0.0.1:1", Bucket: "media", AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Ping(context.Background())
	if !errors.Is(err, s3.ErrUnreachable) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("Ping of a closed port: %v, want ErrUnreachable naming the endpoint", err)
	}
	if _, err := b.Save(context.Background(), "x.txt", strings.NewReader("x")); !errors.Is(err, s3.ErrUnreachable) {
		t.Errorf("Save to a closed port: %v, want ErrUnreachable", err)
	}
}

func ExampleOpen() {
	// The bucket "media" on a MinIO server, its keys under "uploads/"; URL gives
	// CDN addresses. Open makes no request.
	st, err := storage.Open(context.Background(),
		"s3://ACCESS:SECRET@media/uploads/?endpoint=http://127.0.0.1:9000&public_url=https://cdn.example.com/uploads/")
	if err != nil {
		panic(err)
	}
	u, _ := st.URL("avatars/me.png")
	fmt.Println(u)
	_, presigns := st.(storage.Presigner)
	fmt.Println(presigns)
	// Output:
	// https://cdn.example.com/uploads/avatars/me.png
	// true
}

// The test server honours If-None-Match: a conditional PUT of a stored name is
// refused, which is what keeps two concurrent saves of one name apart.
func TestConditionalPut(t *testing.T) {
	b := newBucket(t, func(c *s3.Config) { c.Prefix = "conditional" })
	ctx := context.Background()
	name, err := b.Save(ctx, "taken.txt", strings.NewReader("first"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Delete(ctx, name)
	if err := s3.PutNew(ctx, b, name, []byte("second")); !errors.Is(err, s3.ErrTaken) {
		t.Fatalf("a conditional PUT over a stored object: %v, want it refused", err)
	}
	if s3.Unconditional(b) {
		t.Error("the test server was taken not to support conditional PUTs")
	}
	rc, err := b.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, _ := io.ReadAll(rc); string(got) != "first" {
		t.Errorf("the stored object was overwritten with %q", got)
	}
}

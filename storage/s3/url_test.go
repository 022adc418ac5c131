package s3

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/storage"
)

func TestOpenURL(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	type want struct {
		endpoint, bucket, prefix, publicURL string
		urlExpiry                           time.Duration
		partSize                            int64
	}
	good := []struct {
		raw  string
		want want
	}{
		{"s3://AKID:se%2Fcret@media", want{endpoint: "https://s3.amazonaws.com", bucket: "media", urlExpiry: time.Hour, partSize: DefaultPartSize}},
		{"s3://AKID:secret@media/uploads/avatars?region=eu-west-1&endpoint=http://127.0.0.1:9000&url_expiry=15m&part_size=16MiB",
			want{endpoint: "http://127.0.0.1:9000", bucket: "media", prefix: "uploads/avatars/", urlExpiry: 15 * time.Minute, partSize: 16 << 20}},
		{"s3://AKID:secret@my.bucket-1/?endpoint=minio.internal:9000&public_url=https://cdn.example.com/m/&part_size=5242880",
			want{endpoint: "https://minio.internal:9000", bucket: "my.bucket-1", publicURL: "https://cdn.example.com/m/", urlExpiry: time.Hour, partSize: 5 << 20}},
		{"s3://AKID:secret@media?endpoint=https://r2.example.com&public_url=/media/",
			want{endpoint: "https://r2.example.com", bucket: "media", publicURL: "/media/", urlExpiry: time.Hour, partSize: DefaultPartSize}},
	}
	for _, c := range good {
		st, err := storage.Open(context.Background(), c.raw)
		if err != nil {
			t.Errorf("Open(%q): %v", c.raw, err)
			continue
		}
		b := st.(*Bucket)
		if b.endpoint != c.want.endpoint || b.bucket != c.want.bucket || b.prefix != c.want.prefix ||
			b.publicURL != c.want.publicURL || b.urlExpiry != c.want.urlExpiry || b.partSize != c.want.partSize {
			t.Errorf("Open(%q) = endpoint %q bucket %q prefix %q public %q expiry %v part %d", c.raw,
				b.endpoint, b.bucket, b.prefix, b.publicURL, b.urlExpiry, b.partSize)
		}
	}

	bad := []struct{ raw, want string }{
		{"s3://AKID:hunter2@/prefix", "names no bucket"},
		{"s3://AKID:hunter2@Media", "bucket name"},
		{"s3://AKID:hunter2@a_b", "bucket name"},
		{"s3://AKID@media", "ACCESS:SECRET"},
		{"s3://:hunter2@media", "ACCESS:SECRET"},
		{"s3://media", "no credentials"},
		{"s3://AKID:hunter2@media/../etc", "prefix"},
		{"s3://AKID:hunter2@media/.hidden/", "prefix"},
		{"s3://AKID:hunter2@media?colour=blue", "unknown option colour"},
		{"s3://AKID:hunter2@media?region=a&region=b", "given 2 times"},
		{"s3://AKID:hunter2@media?endpoint=ftp://host", "scheme must be http or https"},
		{"s3://AKID:hunter2@media?endpoint=http://host/path", "want host[:port]"},
		{"s3://AKID:hunter2@media?url_expiry=soon", "url_expiry"},
		{"s3://AKID:hunter2@media?url_expiry=8d", "url_expiry"},
		{"s3://AKID:hunter2@media?url_expiry=200h", "between 1s and 7 days"},
		{"s3://AKID:hunter2@media?part_size=1MiB", "5 MiB to 5 GiB"},
		{"s3://AKID:hunter2@media?part_size=6GiB", "part_size"},
		{"s3://AKID:hunter2@media?part_size=-1", "part_size"},
		{"s3://AKID:hunter2@media?public_url=javascript:alert(1)", "public URL"},
		{"s3://AKID:hunter2@media?x=%zz", "bad query"},
	}
	for _, c := range bad {
		_, err := storage.Open(context.Background(), c.raw)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q): %v, want an error containing %q", c.raw, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q): the error shows the secret: %v", c.raw, err)
		}
	}
}

func TestCredentialsFromEnvironment(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "from-env")
	if _, err := storage.Open(context.Background(), "s3://media"); err != nil {
		t.Fatalf("Open with credentials in the environment: %v", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if _, err := storage.Open(context.Background(), "s3://media"); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("Open with only an access key in the environment: %v", err)
	}
}

// URL with a public_url escapes each segment; without one it signs locally.
func TestURL(t *testing.T) {
	b, err := New(Config{Bucket: "media", Prefix: "up", AccessKey: "a", SecretKey: "b", PublicURL: "https://cdn.example.com/m"})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := b.URL("dir/naïve café.txt"); err == nil {
		t.Errorf("URL of an unclean name = %q", u)
	}
	if u, _ := b.URL("dir/naïve_café.txt"); u != "https://cdn.example.com/m/dir/na%C3%AFve_caf%C3%A9.txt" {
		t.Errorf("URL = %q", u)
	}
	b.publicURL = ""
	u, err := b.URL("dir/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	if !strings.HasPrefix(pu.Host, "media.") && !strings.HasPrefix(pu.Path, "/media/") {
		t.Errorf("presigned URL %q does not name the bucket", u)
	}
	if !strings.HasSuffix(pu.Path, "/up/dir/a.txt") || pu.Query().Get("X-Amz-Expires") != "3600" || pu.Query().Get("X-Amz-Signature") == "" {
		t.Errorf("URL without a public URL = %q, want a presigned URL of up/dir/a.txt for an hour", u)
	}
}

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{
		"a.png": "image/png", "a.JPG": "image/jpeg", "a.pdf": "application/pdf",
		"a.txt": "text/plain; charset=utf-8", "a.mp4": "video/mp4",
		"a.html": "application/octet-stream", "a.svg": "application/octet-stream",
		"a.js": "application/octet-stream", "a.xml": "application/octet-stream",
		"a": "application/octet-stream", "a.exe": "application/octet-stream",
	} {
		if got := contentType(name); got != want {
			t.Errorf("contentType(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"5242880": 5 << 20, "8MiB": 8 << 20, "6144KiB": 6 << 20, "1GiB": 1 << 30} {
		if got, err := parseSize(in); got != want || err != nil {
			t.Errorf("parseSize(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "MiB", "8 MiB", "8MB", "-1", "0", "9223372036854775807GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

func FuzzOpenURL(f *testing.F) {
	for _, s := range []string{"s3://AKID:hunter2@media/p?endpoint=http://h:1", "s3://a:hunter2@b?part_size=8MiB", "s3://hunter2@x/../y", "s3://:hunter2@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		st, err := storage.Open(context.Background(), raw)
		if err != nil {
			if strings.Contains(raw, "hunter2@") && strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("Open(%q): the error shows the secret: %v", raw, err)
			}
			return
		}
		if b, ok := st.(*Bucket); ok {
			if b.prefix != "" && (!storage.ValidName(strings.TrimSuffix(b.prefix, "/")) || !strings.HasSuffix(b.prefix, "/")) {
				t.Fatalf("Open(%q) took the unclean prefix %q", raw, b.prefix)
			}
			if b.partSize < MinPartSize || b.partSize > MaxPartSize {
				t.Fatalf("Open(%q) took the part size %d", raw, b.partSize)
			}
		}
	})
}

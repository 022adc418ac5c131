package s3

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/storage"
)

func init() { storage.RegisterScheme("s3", Open) }

// Open opens the bucket an s3:// URL names; importing this package registers it
// with storage.Open for the scheme s3:
//
//	s3://[ACCESS:SECRET@]bucket[/prefix/][?option=value&...]
//
// The host is the bucket and the path, if any, the prefix of every object key
// (Config.Prefix). The credentials come from the user information, percent-encoded
// (a "/" in a secret is "%2F"), or, when it is absent, from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Options:
//
//	endpoint=host:port          the server, https; http://host:port for plain HTTP (default: Amazon S3)
//	region=eu-west-1            the bucket's region (default us-east-1)
//	public_url=https://cdn/...  URL returns this address followed by the name, unsigned
//	url_expiry=1h               lifetime of the presigned URLs that URL returns without public_url (default 1h)
//	part_size=16MiB             multipart part size: bytes, or with KiB, MiB or GiB (default 8MiB, at least 5MiB)
//
// Open does not touch the network; an unknown option is an error.
func Open(_ context.Context, u *url.URL) (storage.Storage, error) {
	raw := storage.RedactURL(u.String())
	if u.Host == "" {
		return nil, fmt.Errorf("storage: URL %q names no bucket (s3://bucket/prefix?endpoint=...)", raw)
	}
	cfg := Config{Bucket: u.Host, Prefix: strings.TrimPrefix(u.Path, "/")}
	if u.User != nil {
		secret, ok := u.User.Password()
		if !ok || u.User.Username() == "" || secret == "" {
			return nil, fmt.Errorf("storage: URL %q: give credentials as ACCESS:SECRET@ (both), or leave them out to use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", raw)
		}
		cfg.AccessKey, cfg.SecretKey = u.User.Username(), secret
	}
	opts, err := storage.NewURLOptions(u)
	if err != nil {
		return nil, err
	}
	take := func(name string) string {
		if err != nil {
			return ""
		}
		var v string
		v, _, err = opts.Take(name)
		return v
	}
	cfg.Endpoint = take("endpoint")
	cfg.Region = take("region")
	cfg.PublicURL = take("public_url")
	expiry := take("url_expiry")
	partSize := take("part_size")
	if err != nil {
		return nil, err
	}
	if err := opts.Done(); err != nil {
		return nil, err
	}
	if expiry != "" {
		if cfg.URLExpiry, err = time.ParseDuration(expiry); err != nil || cfg.URLExpiry <= 0 {
			return nil, fmt.Errorf("storage: URL %q: url_expiry=%q is not a duration such as 15m or 2h", raw, expiry)
		}
	}
	if partSize != "" {
		if cfg.PartSize, err = parseSize(partSize); err != nil {
			return nil, fmt.Errorf("storage: URL %q: part_size=%q: %v", raw, partSize, err)
		}
	}
	b, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w (URL %q)", err, raw)
	}
	return b, nil
}

// parseSize reads "8388608", "512KiB", "8MiB" or "1GiB".
func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > MaxPartSize/mult {
		return 0, fmt.Errorf("want a size such as 8MiB, between 5MiB and 5GiB")
	}
	return n * mult, nil
}

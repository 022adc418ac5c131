package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/minio/minio-go/v7"
)

// The errors a Bucket's methods match (with errors.Is) besides fs.ErrNotExist
// for a missing object, storage.ErrInvalidName and the context's errors.
var (
	// ErrAccessDenied: the server refused the credentials (unknown access key,
	// wrong secret, expired token) or they do not allow the operation.
	ErrAccessDenied = errors.New("access denied")
	// ErrNoBucket: the bucket does not exist on the server.
	ErrNoBucket = errors.New("no such bucket")
	// ErrUnreachable: no answer from the server (refused connection, unknown
	// host, TLS failure, time-out).
	ErrUnreachable = errors.New("server unreachable")
)

// credentialCodes are the S3 error codes that mean "these credentials won't do".
var credentialCodes = map[string]bool{
	"AccessDenied": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"ExpiredToken": true, "InvalidToken": true, "TokenRefreshRequired": true,
	"AllAccessDisabled": true, "AccountProblem": true, "InvalidSecurity": true,
	// versitygw answers 404 with this code to an unknown access key.
	"XAdminUserNotFound": true,
}

func isNotFound(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound && (resp.Code == "" || resp.Code == "NotFound")
}

// wrap turns an error of the client into one of this package's: a missing object
// matches fs.ErrNotExist; refused credentials, a missing bucket and an
// unreachable server match ErrAccessDenied, ErrNoBucket and ErrUnreachable with a
// message saying what to check; a context's error stays matchable.
func (b *Bucket) wrap(op, name string, err error) error {
	what := op
	if name != "" {
		what = fmt.Sprintf("%s %q", op, name)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("storage/s3: %s: %w", what, err)
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchBucket":
		return fmt.Errorf("storage/s3: %s: %w: %q at %s", what, ErrNoBucket, b.bucket, b.endpoint)
	case credentialCodes[resp.Code] || resp.StatusCode == http.StatusForbidden:
		code := resp.Code
		if code == "" {
			code = http.StatusText(resp.StatusCode)
		}
		return fmt.Errorf("storage/s3: %s: %w by %s for bucket %q (%s: %s); check the access key and secret (in the s3:// URL, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and the bucket's policy",
			what, ErrAccessDenied, b.endpoint, b.bucket, code, resp.Message)
	case isNotFound(err) && name != "":
		return notExist(op, name)
	case resp.Code == "AuthorizationHeaderMalformed" || resp.Code == "PermanentRedirect":
		return fmt.Errorf("storage/s3: %s: %s (%s); check the region (region=) and the endpoint", what, resp.Message, resp.Code)
	}
	var ne net.Error // *url.Error is one
	if errors.As(err, &ne) {
		return fmt.Errorf("storage/s3: %s: %w: %s: %v", what, ErrUnreachable, b.endpoint, err)
	}
	return fmt.Errorf("storage/s3: %s: %w", what, err)
}

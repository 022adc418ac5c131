package s3

import (
	"context"

	"github.com/minio/minio-go/v7"
)

// PutNew and ErrTaken let the tests ask the server for a conditional PUT alone.
func PutNew(ctx context.Context, b *Bucket, name string, content []byte) error {
	return b.putNew(ctx, name, content, minio.PutObjectOptions{})
}

// ErrTaken is putNew's answer to a name taken meanwhile.
var ErrTaken = errTaken

// Unconditional reports whether the server refused conditional PUTs.
func Unconditional(b *Bucket) bool { return b.unconditional.Load() }

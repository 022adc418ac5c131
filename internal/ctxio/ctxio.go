// Package ctxio stops reads when a context ends, for copies (uploads to a storage
// backend) that have no context of their own.
package ctxio

import (
	"context"
	"io"
)

// Reader returns a reader that reads from r until ctx ends, then fails with
// ctx.Err().
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

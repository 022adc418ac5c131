package realtime

import "context"

// JSONConn is a socket that reads messages of type In and sends messages of type
// Out as JSON text. Build it with JSON.
type JSONConn[In, Out any] struct {
	// Conn is the underlying socket, for Join, Close and raw messages.
	*Conn
}

// JSON wraps ws for typed JSON messages.
func JSON[In, Out any](ws *Conn) JSONConn[In, Out] { return JSONConn[In, Out]{ws} }

// Read waits for the next message and decodes it. Malformed JSON closes the socket
// with 1007 and returns a *MessageError; a message over the read limit closes it
// with 1009.
func (c JSONConn[In, Out]) Read(ctx context.Context) (In, error) {
	var v In
	err := c.Conn.ReadJSON(ctx, &v)
	return v, err
}

// Send queues v for the client (see Conn.Send for what a full queue does).
func (c JSONConn[In, Out]) Send(v Out) error { return c.Conn.SendJSON(v) }

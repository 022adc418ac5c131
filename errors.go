package galvani

import (
	"errors"
	"fmt"
	"net/http"
)

// HTTPError is an error that carries the HTTP status it should be answered with.
// Return one from a handler with Error; any other error type can take part by having
// an HTTPStatus() int method (the orm's ErrNotFound does, without importing the core).
type HTTPError struct {
	// Status is the HTTP status code.
	Status int
	// Message is shown to the client; keep it free of internals.
	Message string
	// Err is the underlying cause, logged and shown only on debug pages.
	Err error
}

// Error returns an *HTTPError with the status and a client-facing message.
// An empty message becomes the status text.
func Error(status int, msg string) *HTTPError {
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &HTTPError{Status: status, Message: msg}
}

// Errorf is Error with formatting. The message is shown to the client.
func Errorf(status int, format string, args ...any) *HTTPError {
	return Error(status, fmt.Sprintf(format, args...))
}

// Error implements error.
func (e *HTTPError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

// HTTPStatus reports the status code.
func (e *HTTPError) HTTPStatus() int { return e.Status }

// Unwrap returns the cause.
func (e *HTTPError) Unwrap() error { return e.Err }

// Wrap returns a copy of e with err as its cause.
func (e *HTTPError) Wrap(err error) *HTTPError {
	c := *e
	c.Err = err
	return &c
}

// StatusOf returns the HTTP status an error should be answered with: the HTTPStatus()
// of the first error in its chain that has one, or 500.
func StatusOf(err error) int {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		if c := s.HTTPStatus(); c >= 400 && c <= 599 {
			return c
		}
	}
	return http.StatusInternalServerError
}

// invoke runs h, turning a returned error or a panic into a response.
func (a *App) invoke(c *Ctx, h HandlerFunc) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a.HandleError(c, fmt.Errorf("panic: %v", v))
		}
	}()
	if err := h(c); err != nil {
		a.HandleError(c, err)
	}
}

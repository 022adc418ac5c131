package template

import "net/http"

// ContextProcessor adds variables to every template rendered for a request (Django's
// context processors). Batteries supply their own: the CSRF battery's adds
// csrf_token, auth's adds user, messages' adds messages. Values from the render data
// take precedence over processor values.
type ContextProcessor func(r *http.Request) map[string]any

// RequestProcessor makes the request available as {{ request }}.
func RequestProcessor(r *http.Request) map[string]any { return map[string]any{"request": r} }

// DebugProcessor returns a processor that sets {{ debug }} to on.
func DebugProcessor(on bool) ContextProcessor {
	return func(*http.Request) map[string]any { return map[string]any{"debug": on} }
}

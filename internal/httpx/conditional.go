package httpx

import (
	"net/http"
	"strings"
	"time"
)

// Preconditions applies the request's preconditions to a 200 response with headers h and
// returns 304, 412 or 0 (serve the response), in the order RFC 9110 §13.2.2 gives:
// If-Match (strong comparison) or If-Unmodified-Since, then If-None-Match (weak
// comparison) or If-Modified-Since. Malformed dates are ignored. Shared by the
// ConditionalGET middleware and the batteries that set their own validators
// (feeds, sitemaps).
func Preconditions(r *http.Request, h http.Header) int {
	etag := h.Get("ETag")
	lastMod, lmErr := http.ParseTime(h.Get("Last-Modified"))
	hasLM := lmErr == nil
	if im := headerList(r.Header, "If-Match"); im != "" {
		if !matchETag(im, etag, false) {
			return http.StatusPreconditionFailed
		}
	} else if ius := r.Header.Get("If-Unmodified-Since"); ius != "" && hasLM {
		if t, err := http.ParseTime(ius); err == nil && lastMod.Truncate(time.Second).After(t) {
			return http.StatusPreconditionFailed
		}
	}
	if inm := headerList(r.Header, "If-None-Match"); inm != "" {
		if matchETag(inm, etag, true) {
			return http.StatusNotModified
		}
		return 0
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && hasLM {
		if t, err := http.ParseTime(ims); err == nil && !lastMod.Truncate(time.Second).After(t) {
			return http.StatusNotModified
		}
	}
	return 0
}

// headerList returns the list header name, its lines joined with commas, as a list
// split over several lines means the same as one line (RFC 9110 §5.3).
func headerList(h http.Header, name string) string {
	v := h.Values(name)
	if len(v) == 1 {
		return v[0]
	}
	return strings.Join(v, ",")
}

// matchETag reports whether the list in an If-Match/If-None-Match header matches
// etag: "*" matches any current representation; weak comparison ignores W/ prefixes,
// strong comparison needs both tags strong and equal. Malformed entries never match.
func matchETag(list, etag string, weak bool) bool {
	if strings.TrimSpace(list) == "*" {
		return true // a 200 is a current representation
	}
	if etag == "" {
		return false
	}
	etagWeak := strings.HasPrefix(etag, "W/")
	if !weak && etagWeak {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, cand := range strings.Split(list, ",") {
		cand = strings.TrimSpace(cand)
		isWeak := strings.HasPrefix(cand, "W/")
		cand = strings.TrimPrefix(cand, "W/")
		if len(cand) < 2 || cand[0] != '"' || cand[len(cand)-1] != '"' {
			continue
		}
		if !weak && isWeak {
			continue
		}
		if cand == want {
			return true
		}
	}
	return false
}

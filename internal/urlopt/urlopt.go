// Package urlopt reads the options in the query of a backend URL (cache://,
// storage s3:// and the like): each taken once, the rest reported as unknown.
package urlopt

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Take removes the option name from params and returns its value and whether it
// was given. An option given twice is an error naming shown (the URL, redacted)
// after the package prefix ("cache", "storage").
func Take(params url.Values, name, prefix, shown string) (string, bool, error) {
	vs, ok := params[name]
	if !ok {
		return "", false, nil
	}
	delete(params, name)
	if len(vs) != 1 {
		return "", false, fmt.Errorf("%s: URL %q: option %s given %d times", prefix, shown, name, len(vs))
	}
	return vs[0], true, nil
}

// Done reports the options nobody took as an error.
func Done(params url.Values, prefix, shown string) error {
	if len(params) == 0 {
		return nil
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	return fmt.Errorf("%s: URL %q: unknown option %s", prefix, shown, strings.Join(names, ", "))
}

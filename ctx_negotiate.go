package galvani

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Accepts returns the offer (a media type such as "application/json") the client
// prefers according to its Accept header, with q-values and wildcards as RFC 9110
// describes, or "" when it accepts none of them. Ties go to the earlier offer; a
// missing Accept header, or one with no well-formed entry, accepts the first offer.
// Malformed entries (bad q-values, "*/json") are ignored. Up to 16 offers are
// considered.
func (c *Ctx) Accepts(offers ...string) string {
	return acceptsHeader(c.Request.Header.Get("Accept"), offers)
}

// Negotiate writes v as JSON, XML or plain text (fmt.Sprint), whichever the Accept
// header prefers (JSON when it has no preference), with Vary: Accept. A value that
// encoding/xml cannot represent (a map, say) is offered as JSON and text only. When
// the client accepts none of the offers it is a 406 error.
func (c *Ctx) Negotiate(status int, v any) error {
	c.Response.Header().Add("Vary", "Accept")
	accept := c.Request.Header.Get("Accept")
	offers := negotiateOffers
	for {
		switch acceptsHeader(accept, offers) {
		case "application/json":
			return c.JSON(status, v)
		case "application/xml", "text/xml":
			b, err := xml.Marshal(v)
			if err != nil {
				offers = negotiateNoXML
				continue
			}
			c.Response.Header()["Content-Type"] = appXML
			c.Response.WriteHeader(status)
			if _, err := io.WriteString(c.Response, xml.Header); err != nil {
				return err
			}
			_, err = c.Response.Write(b)
			return err
		case "text/plain":
			return c.Text(status, fmt.Sprint(v))
		}
		return Errorf(http.StatusNotAcceptable, "this resource is available as %s", strings.Join(offers, ", "))
	}
}

var (
	negotiateOffers = []string{"application/json", "application/xml", "text/xml", "text/plain"}
	negotiateNoXML  = []string{"application/json", "text/plain"}
)

// acceptsHeader implements Accepts for an Accept header value. It reads the header
// once and allocates nothing.
func acceptsHeader(accept string, offers []string) string {
	if len(offers) == 0 {
		return ""
	}
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	const maxOffers = 16
	if len(offers) > maxOffers {
		return acceptsHeader(accept, offers[:maxOffers])
	}
	// For each offer, the specificity (-1: no range matched; 0 */*; 1 type/*;
	// 2 type/subtype) and quality of the most specific range matching it.
	var spec [maxOffers]int8
	var qual [maxOffers]int16
	for i := range offers {
		spec[i] = -1
	}
	valid := false
	for rest := accept; rest != ""; {
		var entry string
		entry, rest, _ = strings.Cut(rest, ",")
		mr, params, _ := strings.Cut(entry, ";")
		rtype, rsub, ok := strings.Cut(strings.TrimSpace(mr), "/")
		if !ok || !isToken(rtype) || !isToken(rsub) || (rtype == "*" && rsub != "*") {
			continue
		}
		q, ok := parseQ(params)
		if !ok {
			continue
		}
		valid = true
		for i, offer := range offers {
			otype, osub, _ := strings.Cut(offer, "/")
			var sp int8
			switch {
			case rtype == "*":
				sp = 0
			case !strings.EqualFold(rtype, otype):
				continue
			case rsub == "*":
				sp = 1
			case strings.EqualFold(rsub, osub):
				sp = 2
			default:
				continue
			}
			if sp > spec[i] {
				spec[i], qual[i] = sp, int16(q)
			}
		}
	}
	if !valid {
		return offers[0]
	}
	best, bestQ := "", int16(0)
	for i, offer := range offers {
		if spec[i] >= 0 && qual[i] > bestQ {
			best, bestQ = offer, qual[i]
		}
	}
	return best
}

// parseQ finds the q parameter among an Accept entry's parameters and returns it in
// thousandths; a missing q is 1000, a malformed one is not ok.
func parseQ(params string) (int, bool) {
	for rest := params; rest != ""; {
		var p string
		p, rest, _ = strings.Cut(rest, ";")
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		return parseQValue(strings.TrimSpace(v))
	}
	return 1000, true
}

// parseQValue parses a qvalue: "0", "1", "0.xyz" or "1.000" with up to three decimals.
func parseQValue(v string) (int, bool) {
	if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return 0, false
	}
	n := int(v[0]-'0') * 1000
	if len(v) == 1 {
		return n, true
	}
	if v[1] != '.' {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(v); i++ {
		d := v[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		n += int(d-'0') * scale
		scale /= 10
	}
	if n > 1000 {
		return 0, false
	}
	return n, true
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(b)) {
			return false
		}
	}
	return true
}

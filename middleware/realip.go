package middleware

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

type clientIPKey struct{}

// RealIP returns middleware that finds the client's address behind reverse proxies,
// believing X-Forwarded-For only from the proxies listed in trusted (addresses or
// CIDRs: "10.0.0.0/8", "127.0.0.1", "::1"). Galvani's Settings.TrustedProxies is
// meant for it: middleware.RealIP(app.Settings.TrustedProxies...). It is
// RealIPFrom("X-Forwarded-For", trusted...): use RealIPFrom for a proxy that writes
// Forwarded or X-Real-IP instead.
func RealIP(trusted ...string) func(http.Handler) http.Handler {
	return RealIPFrom("X-Forwarded-For", trusted...)
}

// RealIPFrom returns middleware that finds the client's address in header, the one
// forwarding header the trusted proxies write: "X-Forwarded-For", "Forwarded"
// (RFC 7239, its for= parameters) or "X-Real-IP" (a single address). Only that
// header is read. A proxy appends to or overwrites its own header and passes every
// other one from the client through untouched, so reading (or preferring) any other
// header would let a client name its own address.
//
// When the connection's peer is not trusted, the header is ignored entirely and the
// peer is the client: a client cannot claim another address by sending the header
// itself. When the peer is trusted, the header's hops are walked from right to left,
// past every trusted proxy; the first address that is not trusted is the client. If
// every hop is trusted, the leftmost one is. A hop that is not an IP address
// ("unknown", an obfuscated name, garbage) stops the walk, and the last address
// reached (a trusted proxy) is taken, since nothing beyond it can be believed.
//
// The result is stored in the request context (ClientIP reads it) and replaces
// r.RemoteAddr as "IP:0" when it differs from the peer, so code written against
// plain net/http sees it too. RealIPFrom panics on another header name and on an
// entry of trusted that is neither an address nor a CIDR, naming it.
func RealIPFrom(header string, trusted ...string) func(http.Handler) http.Handler {
	header = http.CanonicalHeaderKey(strings.TrimSpace(header))
	switch header {
	case "X-Forwarded-For", "Forwarded", "X-Real-Ip":
	default:
		panic("middleware.RealIPFrom: header " + strconv.Quote(header) + " is not X-Forwarded-For, Forwarded or X-Real-IP")
	}
	prefixes, err := parseTrusted(trusted)
	if err != nil {
		panic("middleware.RealIP: " + err.Error())
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip, peer, ok := realIP(r, header, prefixes)
			if !ok {
				next.ServeHTTP(w, r) // no usable peer address (a test request): leave it be
				return
			}
			r2 := r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip.String()))
			if ip != peer {
				r2.RemoteAddr = netip.AddrPortFrom(ip, 0).String()
			}
			next.ServeHTTP(w, r2)
		})
	}
}

// ClientIP returns the client address RealIP found for r, or "" when RealIP did not
// run. Without RealIP, use the host part of r.RemoteAddr.
func ClientIP(r *http.Request) string {
	ip, _ := r.Context().Value(clientIPKey{}).(string)
	return ip
}

func parseTrusted(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not a CIDR: %v", s, err)
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an IP address or CIDR", s)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func isTrusted(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// realIP returns the client address and the peer's. ok is false when the peer
// address itself cannot be parsed.
func realIP(r *http.Request, header string, trusted []netip.Prefix) (client, peer netip.Addr, ok bool) {
	peer, ok = parseHost(r.RemoteAddr)
	if !ok {
		return peer, peer, false
	}
	if !isTrusted(trusted, peer) {
		return peer, peer, true
	}
	var hops []string
	switch header {
	case "Forwarded":
		if fwd := r.Header.Values("Forwarded"); len(fwd) > 0 {
			hops = forwardedFor(fwd)
		}
	case "X-Real-Ip":
		// One address, set (not appended) by the proxy: a list in it is not one.
		if xr := r.Header.Values("X-Real-Ip"); len(xr) > 0 {
			hops = []string{strings.TrimSpace(xr[len(xr)-1])}
		}
	default:
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for _, h := range strings.Split(v, ",") {
				hops = append(hops, strings.TrimSpace(h))
			}
		}
	}
	client = peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHost(hops[i])
		if !ok {
			break // garbage: nothing further left can be believed
		}
		client = a
		if !isTrusted(trusted, a) {
			break
		}
	}
	return client, peer, true
}

// parseHost parses "1.2.3.4", "1.2.3.4:80", "::1", "[::1]:80" or "[::1]" into an
// address without zone, IPv4-mapped IPv6 unmapped.
func parseHost(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(h); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

// forwardedFor extracts the for= values of Forwarded headers (RFC 7239), in order.
// An element without for= contributes an empty (unparsable) hop, which stops the walk.
func forwardedFor(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			hop := ""
			for _, pair := range splitQuoted(elem, ';') {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "for") {
					continue
				}
				val = strings.TrimSpace(val)
				if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
					val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
				}
				hop = val
			}
			hops = append(hops, hop)
		}
	}
	return hops
}

// splitQuoted splits s at sep outside double-quoted strings.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

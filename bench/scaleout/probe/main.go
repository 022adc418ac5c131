// Command probe is the HTTP side of bench/scaleout/run.sh: the cross-server checks
// (a session, a CSRF token and the login throttle shared by every server), a
// closed-loop load that counts statuses (for outages), slow-client attacks, and the
// soak's mixed traffic with per-minute figures. It prints what it sees and exits 1
// when a check fails.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe check|load|sessions|slow|soak [flags]")
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var ok bool
	switch cmd {
	case "check":
		ok = check(args)
	case "load":
		ok = load(args)
	case "sessions":
		ok = sessions(args)
	case "slow":
		ok = slow(args)
	case "soak":
		ok = soak(args)
	default:
		fmt.Fprintf(os.Stderr, "probe: unknown command %q\n", cmd)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// client never follows redirects and keeps cookies by hand: the site runs with
// production settings, so its cookies are Secure, which a cookie jar would not send
// over plain HTTP on loopback.
type client struct {
	hc      *http.Client
	cookies map[string]string
}

func newClient() *client {
	return &client{cookies: map[string]string{}, hc: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *client) do(method, u string, form url.Values) (int, http.Header, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return 0, nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// The CSRF check compares Origin with the host on unsafe requests.
		pu, _ := url.Parse(u)
		req.Header.Set("Origin", pu.Scheme+"://"+pu.Host)
		req.Header.Set("Referer", u)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return res.StatusCode, res.Header, string(b), err
}

var tokenRE = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)

// loginForm fetches the login page from server and returns its CSRF token.
func (c *client) loginForm(server string) (string, error) {
	st, _, body, err := c.do("GET", server+"/accounts/login/", nil)
	if err != nil {
		return "", err
	}
	m := tokenRE.FindStringSubmatch(body)
	if st != 200 || m == nil {
		return "", fmt.Errorf("GET %s/accounts/login/: %d, token found: %v", server, st, m != nil)
	}
	return m[1], nil
}

func (c *client) login(server, token, user, password string) (int, error) {
	st, _, _, err := c.do("POST", server+"/accounts/login/", url.Values{
		"csrfmiddlewaretoken": {token}, "username": {user}, "password": {password}})
	return st, err
}

var failed bool

func report(ok bool, format string, args ...any) {
	mark := "ok  "
	if !ok {
		mark = "FAIL"
		failed = true
	}
	fmt.Printf("  %s %s\n", mark, fmt.Sprintf(format, args...))
}

// check: the servers share sessions, CSRF secrets and the login throttle.
func check(args []string) bool {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	servers := fs.String("servers", "", "comma-separated server base URLs")
	user := fs.String("user", "", "an existing user")
	password := fs.String("password", "", "their password")
	fs.Parse(args)
	s := strings.Split(*servers, ",")
	if len(s) < 3 {
		fmt.Fprintln(os.Stderr, "check: give three -servers")
		return false
	}
	// Login on one server with the form of another, use the session on the third.
	c := newClient()
	token, err := c.loginForm(s[0])
	if err != nil {
		report(false, "login form: %v", err)
		return false
	}
	st, err := c.login(s[1], token, *user, *password)
	report(err == nil && st == http.StatusFound, "CSRF token from server 1 accepted by server 2 (login POST answered %d, want 302) %v", st, errOrEmpty(err))
	st, _, body, err := c.do("GET", s[2]+"/new/", nil)
	report(err == nil && st == 200 && strings.Contains(body, "csrfmiddlewaretoken"),
		"session made on server 2 used on server 3 (GET /new/, login required: %d, want 200)", st)
	st, hdr, _, err := c.do("GET", s[0]+"/new/", nil)
	report(err == nil && st == 200, "and on server 1 (%d %s)", st, hdr.Get("Location"))

	// A CSRF token from a form of server 3 with the cookie set by it, posted to server 1.
	c2 := newClient()
	token, err = c2.loginForm(s[2])
	if err == nil {
		var st2 int
		// another account, so that the throttle check below starts from zero
		st2, err = c2.login(s[0], token, "csrf-check", "wrong-password")
		report(err == nil && st2 == 200, "CSRF token from server 3 accepted by server 1 (failed login re-shows the form: %d, want 200, not 403)", st2)
	}
	// The same POST without the token is refused: the check is real.
	st, _, _, _ = c2.do("POST", s[0]+"/accounts/login/", url.Values{"username": {*user}, "password": {"x"}})
	report(st == http.StatusForbidden, "a POST without the token is refused (%d, want 403)", st)

	// The account throttle (5 failures per 15 minutes) counts across servers: five
	// failures spread over the three servers, then the sixth attempt is refused
	// wherever it lands, even with the right password.
	victim := *user
	c3 := newClient()
	for i := range 5 {
		srv := s[i%3]
		tok, err := c3.loginForm(srv)
		if err != nil {
			report(false, "login form: %v", err)
			break
		}
		if st, _ := c3.login(srv, tok, victim, "wrong-"+strconv.Itoa(i)); st != 200 {
			report(false, "failed login %d on server %d answered %d, want 200 (form again)", i+1, i%3+1, st)
		}
	}
	tok, _ := c3.loginForm(s[2])
	st, _ = c3.login(s[2], tok, victim, *password)
	report(st == http.StatusTooManyRequests, "login throttled across servers: 5 failures on servers 1,2,3,1,2, then the right password on server 3 answers %d (want 429)", st)
	return !failed
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// stats collects statuses and latencies.
type stats struct {
	mu        sync.Mutex
	status    map[int]int
	errs      map[string]int
	noRetry   int // 503s without Retry-After
	latencies []time.Duration
}

func newStats() *stats { return &stats{status: map[int]int{}, errs: map[string]int{}} }

func (s *stats) add(st int, hdr http.Header, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		s.errs[msg]++
		return
	}
	s.status[st]++
	if st == 503 && hdr.Get("Retry-After") == "" {
		s.noRetry++
	}
	s.latencies = append(s.latencies, d)
}

func (s *stats) count() (total, bad int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for st, n := range s.status {
		total += n
		if st >= 400 {
			bad += n
		}
	}
	for _, n := range s.errs {
		total += n
		bad += n
	}
	return
}

func pct(l []time.Duration, p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	slices.Sort(l)
	return l[min(len(l)-1, int(float64(len(l))*p))]
}

func (s *stats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	keys := make([]int, 0, len(s.status))
	for k := range s.status {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", s.status[k], k))
	}
	for e, n := range s.errs {
		parts = append(parts, fmt.Sprintf("%d×error(%s)", n, e))
	}
	return fmt.Sprintf("%s; p50 %v p99 %v", strings.Join(parts, " "),
		pct(s.latencies, 0.5).Round(100*time.Microsecond), pct(s.latencies, 0.99).Round(100*time.Microsecond))
}

// load runs a closed loop of GETs for a duration and reports the statuses. With
// -expect-503 it checks the outage contract: no 500s and no connection errors,
// every 503 with Retry-After.
func load(args []string) bool {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	u := fs.String("url", "", "URL to GET")
	d := fs.Duration("d", 10*time.Second, "duration")
	conc := fs.Int("c", 8, "concurrent clients")
	want := fs.String("want", "200", "statuses allowed, comma-separated (503s must carry Retry-After)")
	label := fs.String("label", "load", "name in the report")
	fs.Parse(args)
	allowed := map[int]bool{}
	for _, w := range strings.Split(*want, ",") {
		n, _ := strconv.Atoi(w)
		allowed[n] = true
	}
	st := newStats()
	var lastBad atomic.Int64 // unix ms of the last answer that was not a 200
	hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	end := time.Now().Add(*d)
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				res, err := hc.Get(*u)
				if err != nil {
					st.add(0, nil, 0, err)
					lastBad.Store(time.Now().UnixMilli())
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				st.add(res.StatusCode, res.Header, time.Since(t0), nil)
				if res.StatusCode != 200 {
					lastBad.Store(time.Now().UnixMilli())
				}
			}
		}()
	}
	wg.Wait()
	ok := len(st.errs) == 0 && st.noRetry == 0
	for code := range st.status {
		if !allowed[code] {
			ok = false
		}
	}
	report(ok, "%s: %s (503s without Retry-After: %d)", *label, st, st.noRetry)
	fmt.Printf("  RESULT %s status=%v last_bad_ms=%d\n", *label, st.status, lastBad.Load())
	return ok
}

// slow opens many connections that send their headers, or their body, a byte at a
// time, and meanwhile checks that normal requests are still answered, and that the
// server cuts the slow connections off.
func slow(args []string) bool {
	fs := flag.NewFlagSet("slow", flag.ExitOnError)
	target := fs.String("target", "", "host:port to attack")
	normal := fs.String("url", "", "URL normal clients GET meanwhile")
	n := fs.Int("n", 200, "slow connections of each kind")
	d := fs.Duration("d", 30*time.Second, "how long to keep it up")
	fs.Parse(args)
	var cut, held atomic.Int64
	var cutAfter sync.Map
	attack := func(kind string, i int) {
		conn, err := net.Dial("tcp", *target)
		if err != nil {
			return
		}
		defer conn.Close()
		start := time.Now()
		var msg string
		if kind == "headers" {
			msg = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-" + strconv.Itoa(i) + ": "
		} else {
			msg = "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
		}
		if _, err := conn.Write([]byte(msg)); err != nil {
			return
		}
		end := start.Add(*d)
		for time.Now().Before(end) {
			time.Sleep(time.Second)
			if _, err := conn.Write([]byte("a")); err != nil {
				cut.Add(1)
				cutAfter.Store(kind+strconv.Itoa(i), time.Since(start))
				return
			}
			conn.SetReadDeadline(time.Now().Add(time.Millisecond))
			var b [1]byte
			if _, err := conn.Read(b[:]); err != nil && !isTimeout(err) {
				cut.Add(1)
				cutAfter.Store(kind+strconv.Itoa(i), time.Since(start))
				return
			}
		}
		held.Add(1)
	}
	var wg sync.WaitGroup
	for i := range *n {
		for _, kind := range []string{"headers", "body"} {
			wg.Add(1)
			go func() { defer wg.Done(); attack(kind, i) }()
		}
	}
	time.Sleep(500 * time.Millisecond)
	st := newStats()
	hc := &http.Client{Timeout: 10 * time.Second}
	end := time.Now().Add(*d)
	for time.Now().Before(end) {
		t0 := time.Now()
		res, err := hc.Get(*normal)
		if err != nil {
			st.add(0, nil, 0, err)
		} else {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			st.add(res.StatusCode, res.Header, time.Since(t0), nil)
		}
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	var longest time.Duration
	cutAfter.Range(func(_, v any) bool { longest = max(longest, v.(time.Duration)); return true })
	total, bad := st.count()
	report(bad == 0 && total > 0, "normal requests during %d slow-header and %d slow-body connections: %s", *n, *n, st)
	report(held.Load() == 0, "slow connections cut off by the server: %d of %d (the last after %v), %d still open at the end",
		cut.Load(), 2**n, longest.Round(time.Second), held.Load())
	return !failed
}

// sessions is the Redis outage's traffic, run while the script stops Redis and
// starts it again (empty): signed-in clients read a login-required page, anonymous
// clients read the front page (its counts come through the cache battery), and a
// login client signs in again and again. It checks the contract: while the session
// store is down a signed-in request is a 503 with Retry-After saying why, never the
// page as if signed out (a redirect to the login) nor a 500; a login is a 503 too
// (the throttle cannot count it); the front page keeps answering 200 with its
// counts. Once Redis is back its sessions are gone: a signed-in client is sent to
// the login page, signs in again, and goes on.
func sessions(args []string) bool {
	fs := flag.NewFlagSet("sessions", flag.ExitOnError)
	base := fs.String("base", "", "the load balancer's base URL")
	d := fs.Duration("d", 20*time.Second, "duration")
	users := fs.String("user", "", "accounts, comma-separated: one signed-in client each, the last one for the login client")
	password := fs.String("password", "", "their password")
	anon := fs.Int("anon", 4, "anonymous clients")
	fs.Parse(args)
	accounts := strings.Split(*users, ",")
	if len(accounts) < 2 {
		fmt.Fprintln(os.Stderr, "sessions: give at least two -user")
		return false
	}
	countsRE := regexp.MustCompile(`[0-9]+ articles?, [0-9]+ comments?`)
	type class struct {
		name     string
		st       *stats
		bad      atomic.Int64 // answers outside the contract
		last503  atomic.Int64 // unix ms
		lost     atomic.Int64 // sessions found gone after the outage
		relogins atomic.Int64
		example  atomic.Value // the first answer outside the contract
	}
	newClass := func(name string) *class { return &class{name: name, st: newStats()} }
	signed, anonymous, logins := newClass("signed-in GET /new/"), newClass("anonymous GET /"), newClass("login POST")
	bad := func(c *class, format string, args ...any) {
		c.bad.Add(1)
		c.example.CompareAndSwap(nil, fmt.Sprintf(format, args...))
	}
	// unavailable checks a 503: Retry-After and a body that says why.
	unavailable := func(c *class, hdr http.Header, body, why string) {
		c.last503.Store(time.Now().UnixMilli())
		if hdr.Get("Retry-After") == "" || !strings.Contains(body, why) {
			bad(c, "503 without Retry-After or without %q: %q", why, body)
		}
	}
	// signIn answers the login form's status when it is not a 200 (a 503 while
	// Redis is down or the servers reconnect), else the login POST's.
	signIn := func(c *client, user string) (int, http.Header, string, error) {
		st, hdr, body, err := c.do("GET", *base+"/accounts/login/", nil)
		if err != nil || st != 200 {
			return st, hdr, body, err
		}
		m := tokenRE.FindStringSubmatch(body)
		if m == nil {
			return 0, nil, "", fmt.Errorf("no CSRF token in the login form")
		}
		return c.do("POST", *base+"/accounts/login/", url.Values{"csrfmiddlewaretoken": {m[1]}, "username": {user}, "password": {*password}})
	}
	end := time.Now().Add(*d)
	var wg sync.WaitGroup
	for _, user := range accounts[:len(accounts)-1] {
		c := newClient()
		if st, _, _, err := signIn(c, user); err != nil || st != http.StatusFound {
			report(false, "sign in as %s before the outage: %d %v", user, st, errOrEmpty(err))
			return false
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			outage := false // a 503 was seen: the session store went away
			for time.Now().Before(end) {
				t0 := time.Now()
				st, hdr, body, err := c.do("GET", *base+"/new/", nil)
				signed.st.add(st, hdr, time.Since(t0), err)
				switch {
				case err != nil:
					bad(signed, "error %v", err)
				case st == 200:
				case st == 503:
					outage = true
					unavailable(signed, hdr, body, "sessions cannot be loaded")
				case st == http.StatusFound && strings.Contains(hdr.Get("Location"), "/accounts/login/"):
					if !outage {
						bad(signed, "signed out without an outage (302 to %s)", hdr.Get("Location"))
						break
					}
					// Redis came back empty: the session is gone; sign in again
					// (a 503 while Redis is still coming up: try again shortly).
					signed.lost.Add(1)
					for time.Now().Before(end) {
						st, hdr, body, err := signIn(c, user)
						if err == nil && st == http.StatusFound {
							signed.relogins.Add(1)
							break
						}
						if err != nil || st != 503 {
							bad(signed, "sign in again after the outage: %d %v", st, errOrEmpty(err))
							break
						}
						unavailable(signed, hdr, body, "Service Unavailable")
						time.Sleep(200 * time.Millisecond)
					}
					outage = false
				default:
					bad(signed, "%d %s", st, hdr.Get("Location"))
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	for range *anon {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient()
			for time.Now().Before(end) {
				t0 := time.Now()
				st, hdr, body, err := c.do("GET", *base+"/", nil)
				anonymous.st.add(st, hdr, time.Since(t0), err)
				if err != nil || st != 200 || !countsRE.MatchString(body) {
					bad(anonymous, "%d %v, counts shown: %v", st, errOrEmpty(err), countsRE.MatchString(body))
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		user := accounts[len(accounts)-1]
		for time.Now().Before(end) {
			c := newClient()
			t0 := time.Now()
			st, hdr, body, err := signIn(c, user)
			logins.st.add(st, hdr, time.Since(t0), err)
			switch {
			case err != nil:
				bad(logins, "error %v", err)
			case st == http.StatusFound:
			case st == 503:
				unavailable(logins, hdr, body, "Service Unavailable")
			default:
				bad(logins, "%d", st)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}()
	wg.Wait()
	for _, c := range []*class{signed, anonymous, logins} {
		extra := ""
		if c == signed {
			extra = fmt.Sprintf("; sessions gone after the outage: %d, signed in again: %d", c.lost.Load(), c.relogins.Load())
		}
		ex, _ := c.example.Load().(string)
		report(c.bad.Load() == 0, "%s: %s%s; outside the contract: %d %s", c.name, c.st, extra, c.bad.Load(), ex)
		fmt.Printf("  RESULT %s last503_ms=%d\n", c.name, c.last503.Load())
	}
	return !failed
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// soak sends a steady mix of reads, writes, logins and static files at a fixed
// rate, and prints per minute the requests, errors, p50/p99, and each server's RSS
// and goroutines (from /proc and its /metrics).
func soak(args []string) bool {
	fs := flag.NewFlagSet("soak", flag.ExitOnError)
	base := fs.String("base", "", "the load balancer's base URL")
	d := fs.Duration("d", 10*time.Minute, "duration")
	rate := fs.Int("rate", 50, "requests per second")
	user := fs.String("user", "", "users for logins, comma-separated (each has -password)")
	password := fs.String("password", "", "their password")
	slug := fs.String("slug", "", "an article to read and comment on")
	static := fs.String("static", "", "a static file path")
	pids := fs.String("pids", "", "server pids, comma-separated")
	metricsURLs := fs.String("metrics", "", "server /metrics URLs, comma-separated, same order")
	fs.Parse(args)
	type op func(c *client) (int, error)
	get := func(p string) op {
		return func(c *client) (int, error) { st, _, _, err := c.do("GET", *base+p, nil); return st, err }
	}
	mix := []struct {
		weight int
		name   string
		fn     op
	}{
		{50, "list", get("/")},
		{20, "detail", get("/" + *slug + "/")},
		{15, "static", get(*static)},
		{10, "comment", func(c *client) (int, error) {
			st, _, body, err := c.do("GET", *base+"/"+*slug+"/", nil)
			m := tokenRE.FindStringSubmatch(body)
			if err != nil || m == nil {
				return st, err
			}
			return postStatus(c.do("POST", *base+"/"+*slug+"/", url.Values{"csrfmiddlewaretoken": {m[1]}, "name": {"soak"}, "body": {"steady " + strconv.Itoa(rand.IntN(1e6))}}))
		}},
		{5, "login", func(c *client) (int, error) {
			tok, err := c.loginForm(*base)
			if err != nil {
				return 0, err
			}
			// Several accounts: the account throttle counts attempts in flight too,
			// and a loaded machine hashes slowly enough for one account to have five.
			users := strings.Split(*user, ",")
			return c.login(*base, tok, users[rand.IntN(len(users))], *password)
		}},
	}
	totalW := 0
	for _, m := range mix {
		totalW += m.weight
	}
	var mu sync.Mutex
	minute := newStats()
	all := newStats()
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	defer tick.Stop()
	start := time.Now()
	nextReport := start.Add(time.Minute)
	fmt.Printf("  %-6s %8s %6s %9s %9s  %s\n", "minute", "requests", "errors", "p50", "p99", "per server: RSS MiB / goroutines")
	var totalErrs int
	printMinute := func(n int) {
		mu.Lock()
		m := minute
		minute = newStats()
		mu.Unlock()
		total, bad := m.count()
		totalErrs += bad
		m.mu.Lock()
		p50, p99 := pct(m.latencies, 0.5), pct(m.latencies, 0.99)
		m.mu.Unlock()
		fmt.Printf("  %-6d %8d %6d %9v %9v  %s\n", n, total, bad, p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond), serverFigures(*pids, *metricsURLs))
	}
	n := 0
	for now := range tick.C {
		if now.Sub(start) >= *d {
			break
		}
		if !now.Before(nextReport) {
			n++
			printMinute(n)
			nextReport = nextReport.Add(time.Minute)
		}
		r := rand.IntN(totalW)
		var o op
		for _, m := range mix {
			if r < m.weight {
				o = m.fn
				break
			}
			r -= m.weight
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			st, err := o(newClient())
			mu.Lock()
			cur := minute
			mu.Unlock()
			cur.add(st, http.Header{"Retry-After": {"-"}}, time.Since(t0), err)
			all.add(st, http.Header{"Retry-After": {"-"}}, time.Since(t0), err)
		}()
	}
	wg.Wait()
	if time.Since(nextReport.Add(-time.Minute)) > 5*time.Second {
		printMinute(n + 1)
	}
	total, bad := all.count()
	report(bad == 0, "soak: %d requests in %v at %d/s, %d errors (%s)", total, d.Round(time.Second), *rate, bad, all)
	return !failed
}

// postStatus keeps the status of a form POST: 302 (saved, redirected) is success.
func postStatus(st int, _ http.Header, _ string, err error) (int, error) { return st, err }

// serverFigures reads each server's RSS from /proc and its goroutines from /metrics.
func serverFigures(pids, metricsURLs string) string {
	var out []string
	ms := strings.Split(metricsURLs, ",")
	for i, pid := range strings.Split(pids, ",") {
		if pid == "" {
			continue
		}
		rss := "?"
		if b, err := os.ReadFile("/proc/" + pid + "/status"); err == nil {
			sc := bufio.NewScanner(strings.NewReader(string(b)))
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmRSS:" {
					kb, _ := strconv.Atoi(f[1])
					rss = strconv.Itoa(kb / 1024)
				}
			}
		}
		g := "?"
		if i < len(ms) && ms[i] != "" {
			if res, err := http.Get(ms[i]); err == nil {
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				for _, line := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
						g = v
					}
				}
			}
		}
		out = append(out, rss+"/"+g)
	}
	return strings.Join(out, "  ")
}

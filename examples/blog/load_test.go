package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
)

// loadServerEnv, when set (to a directory for the database), makes the test
// binary run the blog as a server instead of the tests: the load test measures a
// process of its own, with the real password hashing parameters.
const loadServerEnv = "GALVANI_BLOG_LOADTEST_DIR"

// serveForLoadTest runs the blog on 127.0.0.1 with settings from the environment,
// as `go run ./examples/blog` would, and prints the address it listens on.
func serveForLoadTest(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "load server:", err)
		os.Exit(2)
	}
	settings, err := galvani.LoadSettings()
	if err != nil {
		fail(err)
	}
	settings.DatabaseURL = "sqlite:///" + filepath.Join(dir, "blog.sqlite3")
	app, dbs, err := newApp(context.Background(), settings)
	if err != nil {
		fail(err)
	}
	defer dbs.Close()
	if err := app.RunCommand(context.Background(), []string{"migrate"}, io.Discard); err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	fmt.Println("listening", ln.Addr())
	if err := app.Serve(context.Background(), ln); err != nil {
		fail(err)
	}
}

// loadTest's figures: what the attack of issue 19 did (parallel anonymous login
// POSTs, each costing an Argon2id hash of 64 MiB), on loopback, bounded.
const (
	loadRequests   = 200             // parallel login POSTs, each from its own address
	loadSlots      = 2               // AUTH_MAX_CONCURRENT_HASHES of the server
	loadQueueWait  = 2 * time.Second // AUTH_HASH_QUEUE_TIMEOUT of the server
	loadHashTime   = 1               // AUTH_HASH_TIME: one pass instead of 3 (same memory, a third of the CPU)
	loadBaseMiB    = 128             // the server's own footprint (more under the race detector), with room to spare
	loadGCFactor   = 2               // Go's GC (GOGC=100) lets the heap reach twice the live hashes
	loadRaceMiB    = 1024            // the bound under the race detector, whose shadow memory grows with every hash done
	loadRSSKillMiB = 2048            // the watchdog kills the server beyond this
	loadAnswerWait = 3 * time.Minute // a request without an answer by then has none
	loadStartWait  = 2 * time.Minute // for the server to start and migrate
)

// A flood of parallel login attempts keeps the server's memory bounded and gets
// every request an answer: 200 parallel anonymous login POSTs from 200 loopback
// addresses (so the per-address throttle does not cut them short), against the
// blog in a process of its own, hashing with Argon2id at 64 MiB (one pass, to
// keep the test's CPU time small; memory is what is measured; 16 MiB under the
// race detector, which slows the hash tenfold or more). The password
// checks run at most loadSlots at once; the rest wait at most loadQueueWait for a
// slot, then get 503 with Retry-After. The server's peak RSS (VmHWM) stays under
// loadBaseMiB + loadGCFactor × loadSlots × 64 MiB = 384 MiB; under the race
// detector (16 MiB hashes), whose shadow memory is not given back when a hash's
// blocks are freed, under loadRaceMiB, still far below what unbounded hashing
// takes (the watchdog's 2 GiB).
// Before the limiter every request hashed at once: 32 of them took 4.24 GB.
func TestLoginFloodMemoryBounded(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the server's memory")
	}
	srv := startLoadServer(t)
	base := procStatusKiB(t, srv.pid, "VmHWM")

	var rssKilled atomic.Int64 // the RSS, in KiB, at which the watchdog killed the server
	stop := make(chan struct{})
	watchdogDone := make(chan struct{})
	go func() { // a regression must not take the machine's memory with it
		defer close(watchdogDone)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if rss := procStatusKiBOr(srv.pid, "VmRSS", 0); rss > loadRSSKillMiB<<10 {
				rssKilled.Store(rss)
				srv.cmd.Process.Kill()
				return
			}
		}
	}()

	type result struct {
		status int
		took   time.Duration
		err    error
	}
	results := make([]result, loadRequests)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each request from its own address: 127.0.0.2, 127.0.0.3...
			local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+(i+1)/250), byte(1+(i+1)%250))}
			client := &http.Client{Timeout: loadAnswerWait, Transport: &http.Transport{
				DialContext: (&net.Dialer{LocalAddr: local}).DialContext, DisableKeepAlives: true}}
			form := url.Values{"username": {fmt.Sprint("nobody-", i)}, "password": {"guess-" + strconv.Itoa(i)}}
			req, _ := http.NewRequest("POST", srv.url+"/accounts/login/", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// A CSRF secret of the attacker's own, as a browser would hold one.
			const secret = "abcdefghijklmnopqrstuvwxyz012345"
			req.AddCookie(&http.Cookie{Name: "csrftoken", Value: secret})
			req.Header.Set("X-CSRFToken", secret)
			req.Header.Set("Origin", srv.url)
			<-start
			t0 := time.Now()
			res, err := client.Do(req)
			if err == nil {
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				results[i].status = res.StatusCode
			}
			results[i].took, results[i].err = time.Since(t0), err
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(began)
	close(stop)
	<-watchdogDone
	if rss := rssKilled.Load(); rss > 0 {
		t.Fatalf("the server's RSS reached %d MiB under %d parallel logins; killed (limit %d MiB)", rss>>10, loadRequests, loadRSSKillMiB)
	}
	hwm := procStatusKiB(t, srv.pid, "VmHWM")

	statuses := map[int]int{}
	var took []time.Duration
	for i, r := range results {
		if r.err != nil {
			t.Errorf("request %d got no answer after %v: %v", i, r.took, r.err)
			continue
		}
		statuses[r.status]++
		took = append(took, r.took)
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	slowest := time.Duration(0)
	if len(took) > 0 {
		slowest = took[len(took)-1]
	}
	bound := int64(loadBaseMiB+loadGCFactor*loadSlots*loadPerHashMiB) << 10
	if raceEnabled {
		bound = loadRaceMiB << 10
	}
	t.Logf("%d parallel logins in %v: statuses %v; slowest answer %v, median %v; server VmHWM %d MiB (at start %d MiB, bound %d MiB, race detector %v)",
		loadRequests, elapsed.Round(time.Millisecond), statuses, slowest.Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond),
		hwm>>10, base>>10, bound>>10, raceEnabled)
	for code, n := range statuses {
		if code != http.StatusOK && code != http.StatusServiceUnavailable && code != http.StatusTooManyRequests {
			t.Errorf("%d requests answered %d; want 200 (wrong password), 503 (busy) or 429", n, code)
		}
	}
	if statuses[http.StatusOK] == 0 {
		t.Error("no login attempt was checked at all")
	}
	if hwm > bound {
		t.Errorf("server peak RSS %d MiB, bound %d MiB", hwm>>10, bound>>10)
	}
}

type loadServer struct {
	cmd *exec.Cmd
	pid int
	url string
}

// startLoadServer runs this test binary as the blog server (see TestMain).
func startLoadServer(t *testing.T) *loadServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		loadServerEnv+"="+t.TempDir(),
		"DEBUG=0",
		"SECRET_KEY=load-test-secret-key-that-is-long-enough-0123456789abcdef",
		"ALLOWED_HOSTS=127.0.0.1",
		"AUTH_MAX_CONCURRENT_HASHES="+strconv.Itoa(loadSlots),
		"AUTH_HASH_QUEUE_TIMEOUT="+loadQueueWait.String(),
		"AUTH_HASH_TIME="+strconv.Itoa(loadHashTime),
		"AUTH_HASH_MEMORY_KIB="+strconv.Itoa(loadPerHashMiB<<10),
	)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("the server stopped before listening:\n%s", stderr.String())
		}
		return &loadServer{cmd: cmd, pid: cmd.Process.Pid, url: "http://" + a}
	case <-time.After(loadStartWait):
		t.Fatalf("the server did not start:\n%s", stderr.String())
	}
	return nil
}

// procStatusKiB reads a "Name:  N kB" line of /proc/PID/status.
func procStatusKiB(t *testing.T, pid int, name string) int64 {
	t.Helper()
	v := procStatusKiBOr(pid, name, -1)
	if v < 0 {
		t.Fatalf("no %s in /proc/%d/status", name, pid)
	}
	return v
}

func procStatusKiBOr(pid int, name string, def int64) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return def
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return def
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	mu sync.Mutex
	w  io.Writer
	n  int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

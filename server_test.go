package galvani

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"syscall"
	"testing"
	"time"
)

func TestParseAddr(t *testing.T) {
	good := map[string]string{
		"127.0.0.1:8000":       "127.0.0.1:8000",
		"8080":                 "127.0.0.1:8080",
		" 8080 ":               "127.0.0.1:8080",
		":8080":                ":8080",
		"0:8000":               "0.0.0.0:8000",
		"0.0.0.0:80":           "0.0.0.0:80",
		"[::1]:8000":           "[::1]:8000",
		"[::]:8000":            "[::]:8000",
		"[fe80::1%eth0]:8000":  "[fe80::1%eth0]:8000",
		"localhost:0":          "localhost:0",
		"example.com:443":      "example.com:443",
		"127.0.0.1:08000":      "127.0.0.1:8000",
		"my_host.internal:123": "my_host.internal:123",
	}
	for in, want := range good {
		if got, err := ParseAddr(in); err != nil || got != want {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{"", " ", "localhost", "1.2.3.4:", ":", ":99999", "65536", "-1", "host:port", "a:b:c",
		"[::1", "[zz::1]:80", "bad host:80", "-bad-:80", "exa mple.com:80", "http://localhost:8000", "/tmp/sock",
		strings.Repeat("a", 300) + ":80", "999999999999999999999"}
	for _, in := range bad {
		if got, err := ParseAddr(in); err == nil {
			t.Errorf("ParseAddr(%q) = %q, want an error", in, got)
		}
	}
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8000", "8080", ":80", "0:1", "[::1]:8000", "", "a:b:c", "[x]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hp, err := ParseAddr(s)
		if err != nil {
			return
		}
		if _, _, err := net.SplitHostPort(hp); err != nil {
			t.Fatalf("ParseAddr(%q) = %q, which net cannot split: %v", s, hp, err)
		}
		if again, err := ParseAddr(hp); err != nil || again != hp {
			t.Fatalf("ParseAddr is not idempotent: %q -> %q -> %q, %v", s, hp, again, err)
		}
	})
}

func TestServerConfiguration(t *testing.T) {
	app := New(Settings{Debug: true, ReadTimeout: 7 * time.Second, WriteTimeout: -1, MaxHeaderBytes: 4096})
	srv := app.newServer()
	if srv.ReadHeaderTimeout != DefaultReadHeaderTimeout || srv.ReadTimeout != 7*time.Second || srv.WriteTimeout != 0 ||
		srv.IdleTimeout != DefaultIdleTimeout || srv.MaxHeaderBytes != 4096 || srv.Handler != app || srv.ErrorLog == nil {
		t.Errorf("server built from settings: %+v", srv)
	}
}

// startServing serves app on a free port and returns its base URL and a stop function
// that cancels the serving context and returns Serve's result.
func startServing(t *testing.T, app *App) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	t.Cleanup(cancel)
	return "http://" + ln.Addr().String(), cancel, done
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	app := New(Settings{Debug: true})
	started, release := make(chan struct{}), make(chan struct{})
	app.Get("/slow", func(c *Ctx) error {
		close(started)
		<-release
		return c.Text(200, "finished")
	})
	base, cancel, done := startServing(t, app)
	type result struct {
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		resc <- result{string(b), err}
	}()
	<-started
	cancel() // what SIGINT/SIGTERM do in Run
	// The server stops accepting new connections while the request is in flight.
	addr := strings.TrimPrefix(base, "http://")
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) before the in-flight request finished", err)
	default:
	}
	close(release)
	if r := <-resc; r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: %q, %v; want it to complete", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after graceful shutdown = %v, want nil", err)
	}
}

func TestShutdownTimeout(t *testing.T) {
	app := New(Settings{Debug: true, ShutdownTimeout: time.Millisecond})
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	app.Get("/stuck", func(c *Ctx) error {
		close(started)
		<-release
		return nil
	})
	base, cancel, done := startServing(t, app)
	go http.Get(base + "/stuck")
	<-started
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "graceful shutdown timed out") {
		t.Errorf("Serve = %v, want a shutdown timeout error", err)
	}
}

func TestMaxHeaderBytes(t *testing.T) {
	app := New(Settings{Debug: true, MaxHeaderBytes: 1024})
	app.Get("/", func(c *Ctx) error { return c.Text(200, "ok") })
	base, _, _ := startServing(t, app)
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized headers: status %d, want 431", resp.StatusCode)
	}
}

func TestListenAndServeBadAddr(t *testing.T) {
	app := New(Settings{Debug: true})
	if err := app.ListenAndServe(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), "not an address") {
		t.Errorf("ListenAndServe(nope) = %v", err)
	}
	// A port already in use is reported, not hidden.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := app.ListenAndServe(context.Background(), ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("ListenAndServe on a busy port = %v", err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	n, _ := strconv.Atoi(port)
	if _, err := runCmd(t, app, "runserver", "--noreload", ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "in use") ||
		!strings.Contains(err.Error(), "or serve on another port: ") || !strings.HasSuffix(err.Error(), " runserver "+strconv.Itoa(n+1)) {
		t.Errorf("runserver on a busy port = %v, want the command that picks another port", err)
	}
	for addr, want := range map[string]string{"127.0.0.1:8000": "8001", ":8000": ":8001", "0.0.0.0:80": ":81", "[::1]:8000": "[::1]:8001", "x": "8001"} {
		if got := otherPort(addr); got != want {
			t.Errorf("otherPort(%q) = %q, want %q", addr, got, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in different goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingRE = regexp.MustCompile(`serving at (http://[^/ ]+)/`)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunserverCommand(t *testing.T) {
	for _, c := range []struct{ addr, banner string }{
		{"127.0.0.1:0", "(DEBUG on)"},
		{":0", "(all interfaces, DEBUG on)"},
	} {
		t.Run(c.addr, func(t *testing.T) {
			app := New(Settings{Debug: true})
			app.Get("/", func(c *Ctx) error { return c.Text(200, "home") })
			var out syncBuffer
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- app.RunCommand(ctx, []string{"runserver", "--noreload", c.addr}, &out) }()
			var base string
			waitFor(t, "the banner", 10*time.Second, func() bool {
				m := servingRE.FindStringSubmatch(out.String())
				if m != nil {
					base = m[1]
				}
				return m != nil
			})
			if !strings.Contains(out.String(), c.banner) {
				t.Errorf("banner %q lacks %q", out.String(), c.banner)
			}
			// Debug without SECRET_KEY: one random key for the process, said once.
			if n := strings.Count(out.String(), "SECRET_KEY is"); n != 1 || !strings.Contains(out.String(), "Note: SECRET_KEY is unset") {
				t.Errorf("runserver mentions SECRET_KEY %d times, want one note:\n%s", n, out.String())
			}
			resp, err := http.Get(base + "/")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "home" {
				t.Errorf("GET / = %q", b)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("runserver after cancel = %v", err)
			}
		})
	}
}

func TestHostsNote(t *testing.T) {
	lo := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}
	all := &net.TCPAddr{IP: net.IPv4zero, Port: 8000}
	v6 := &net.TCPAddr{IP: net.IPv6loopback, Port: 8000}
	for _, c := range []struct {
		hosts []string
		debug bool
		addr  net.Addr
		want  string // "" for no note
	}{
		{nil, true, lo, ""},
		{nil, false, lo, "ALLOWED_HOSTS is empty and DEBUG is off, so every request will be refused with 400 Bad Request. To browse http://127.0.0.1:8000/ set ALLOWED_HOSTS=127.0.0.1,localhost"},
		{nil, false, all, "To browse http://localhost:8000/ set ALLOWED_HOSTS=localhost"},
		{nil, false, v6, "To browse http://[::1]:8000/ set ALLOWED_HOSTS=[::1],localhost"},
		{[]string{"www.example.com"}, false, lo, "ALLOWED_HOSTS=www.example.com does not include 127.0.0.1, so requests to http://127.0.0.1:8000/ will be refused with 400 Bad Request. To browse it, add it: ALLOWED_HOSTS=www.example.com,127.0.0.1,localhost."},
		{[]string{"www.example.com", "127.0.0.1"}, false, lo, ""},
		{[]string{"*"}, false, lo, ""},
		{[]string{"www.example.com"}, false, &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 80}, ""},
	} {
		s := Settings{AllowedHosts: c.hosts, Debug: c.debug}
		got := hostsNote(&s, c.addr)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("hostsNote(%q, debug=%v, %s) = %q, want %q", c.hosts, c.debug, c.addr, got, c.want)
		}
	}
}

func TestRunserverRefusesFailingChecks(t *testing.T) {
	app := New(Settings{}) // production without SECRET_KEY or ALLOWED_HOSTS
	app.Get("/", func(c *Ctx) error { return c.Text(200, "home") })
	// On every interface, the production errors stop the server.
	out, err := runCmd(t, app, "runserver", ":0")
	if err == nil || !strings.Contains(err.Error(), "system check found 2 error(s)") || ExitCode(err) != 1 {
		t.Fatalf("runserver :0 = %v, want it refused by the checks", err)
	}
	for _, want := range []string{"ERRORS:", "security.E001", "security.E003", "HINT:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}

	// On a loopback address they are warnings and the server starts, so an
	// unconfigured project serves locally.
	var buf syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.RunCommand(ctx, []string{"runserver", "127.0.0.1:0"}, &buf) }()
	var base string
	waitFor(t, "the banner", 10*time.Second, func() bool {
		m := servingRE.FindStringSubmatch(buf.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	out = buf.String()
	for _, want := range []string{"Note: these settings are not ready for a deployment (security.E001); fine on 127.0.0.1:", "DEBUG off",
		// The note says that requests will be refused, and the setting that lets them in.
		"Note: ALLOWED_HOSTS is empty and DEBUG is off, so every request will be refused with 400 Bad Request. To browse " + base + "/ set ALLOWED_HOSTS=127.0.0.1,localhost"} {
		if !strings.Contains(out, want) {
			t.Errorf("loopback output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ERRORS:") || strings.Contains(out, "WARNINGS:") {
		t.Errorf("loopback output should have only the note:\n%s", out)
	}
	if resp, err := http.Get(base + "/"); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET on the loopback server: %v", err)
	} else {
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runserver = %v", err)
	}
	// Other errors stop a loopback server too.
	bad := New(Settings{Debug: true, TrustedProxies: []string{"proxy.local"}})
	if _, err := runCmd(t, bad, "runserver", "--noreload", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "1 error(s)") {
		t.Errorf("a malformed setting should stop the server: %v", err)
	}
	// --skip-checks starts regardless.
	ctx, cancel = context.WithCancel(context.Background())
	buf = syncBuffer{}
	go func() {
		done <- bad.RunCommand(ctx, []string{"runserver", "--noreload", "--skip-checks", "127.0.0.1:0"}, &buf)
	}()
	waitFor(t, "the banner", 10*time.Second, func() bool { return servingRE.MatchString(buf.String()) })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runserver --skip-checks = %v", err)
	}

	// The ADDR setting is validated too (settings built in code skip ApplyEnv).
	app = New(Settings{Debug: true, Addr: "nowhere"})
	if _, err := runCmd(t, app, "runserver", "--noreload"); err == nil || !strings.Contains(err.Error(), "ADDR setting") {
		t.Errorf("bad ADDR setting: %v", err)
	}
}

// TestHelperServer is not a test: TestSignalShutdown runs the test binary as a
// server process with GALVANI_TEST_HELPER set.
func TestHelperServer(t *testing.T) {
	if os.Getenv("GALVANI_TEST_HELPER") != "serve" {
		t.Skip("helper process only")
	}
	app := New(Settings{Debug: true})
	stdin := bufio.NewReader(os.Stdin)
	app.Get("/slow", func(c *Ctx) error {
		fmt.Println("slow request started")
		stdin.ReadString('\n') // released by the test
		return c.Text(200, "slow done")
	})
	os.Args = []string{"helper", "runserver", "--noreload", "127.0.0.1:0"}
	app.Run()
	fmt.Println("server exited cleanly")
	os.Exit(0)
}

func TestSignalShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServer$")
			cmd.Env = append(os.Environ(), "GALVANI_TEST_HELPER=serve")
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			var base string
			waitFor(t, "the helper's banner", 20*time.Second, func() bool {
				m := servingRE.FindStringSubmatch(out.String())
				if m != nil {
					base = m[1]
				}
				return m != nil
			})
			type result struct {
				body string
				err  error
			}
			resc := make(chan result, 1)
			go func() {
				resp, err := http.Get(base + "/slow")
				if err != nil {
					resc <- result{err: err}
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				resc <- result{string(b), err}
			}()
			waitFor(t, "the slow request", 10*time.Second, func() bool { return strings.Contains(out.String(), "slow request started") })
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			addr := strings.TrimPrefix(base, "http://")
			waitFor(t, "the listener to close", 10*time.Second, func() bool {
				c, err := net.Dial("tcp", addr)
				if err == nil {
					c.Close()
				}
				return err != nil
			})
			io.WriteString(stdin, "go\n")
			if r := <-resc; r.err != nil || r.body != "slow done" {
				t.Errorf("in-flight request across %v: %q, %v", sig, r.body, r.err)
			}
			if err := cmd.Wait(); err != nil {
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 0 {
					t.Errorf("helper exited with %v\n%s", err, out.String())
				}
			}
			if !strings.Contains(out.String(), "server exited cleanly") {
				t.Errorf("Run did not return normally after %v:\n%s", sig, out.String())
			}
		})
	}
}

func ExampleParseAddr() {
	for _, a := range []string{"127.0.0.1:8000", "8080", ":8080", "0:8000", "localhost"} {
		hp, err := ParseAddr(a)
		fmt.Printf("%q %v\n", hp, err)
	}
	// Output:
	// "127.0.0.1:8000" <nil>
	// "127.0.0.1:8080" <nil>
	// ":8080" <nil>
	// "0.0.0.0:8000" <nil>
	// "" "localhost" is not an address (use HOST:PORT, :PORT or PORT, e.g. 127.0.0.1:8000)
}

package galvani

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// The reloader (runserver --reload) is two processes. The parent opens the listening
// socket, watches the main module's files and never serves; the child is the program
// itself, started with the socket as file descriptor 3 and the read end of a pipe as
// descriptor 4. The parent stops a child by closing the pipe (the child then shuts
// down gracefully), and a child whose parent died sees the pipe close too. Because
// the socket stays open in the parent across restarts, connections made while the
// program restarts wait in the socket's backlog instead of being refused.

// reloadFDEnv tells a child which descriptor holds the listening socket.
const reloadFDEnv = "GALVANI_RELOAD_LISTENER_FD"

// Descriptors of the child (ExtraFiles start at 3).
const (
	childListenerFD = 3
	childParentFD   = 4
)

// reloadPollInterval is how often the watcher looks at file modification times.
var reloadPollInterval = 500 * time.Millisecond

// reloadExts are the file extensions the reloader watches besides .go: templates and
// the files programs usually embed with go:embed.
var reloadExts = map[string]bool{
	".go": true, ".html": true, ".htm": true, ".txt": true, ".tmpl": true, ".tpl": true,
	".xml": true, ".json": true, ".css": true, ".js": true, ".svg": true, ".sql": true,
}

func reloadUnsupported() string {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		return "passing the listening socket to a child process is not supported on " + runtime.GOOS
	}
	return ""
}

// serveReloadChild serves on the socket inherited from the reloader until ctx is done
// or the reloader closes the pipe.
func serveReloadChild(ctx context.Context, inv *Invocation) error {
	os.Unsetenv(reloadFDEnv) // programs this one starts are not reload children
	lf := os.NewFile(childListenerFD, "galvani-listener")
	pf := os.NewFile(childParentFD, "galvani-reloader")
	if lf == nil || pf == nil {
		return errors.New("runserver: started as a reload child without the listener descriptors")
	}
	ln, err := net.FileListener(lf)
	lf.Close()
	if err != nil {
		return fmt.Errorf("runserver: inherited listener: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		io.Copy(io.Discard, pf) // returns when the reloader closes the pipe or dies
		cancel()
	}()
	if !inv.Bool("skip-checks") {
		if err := runStartupChecks(inv, ln.Addr()); err != nil {
			ln.Close()
			return err
		}
	}
	return inv.App.Serve(ctx, ln)
}

// buildTarget says how to rebuild the running program: run `go build` in dir on pkg.
type buildTarget struct {
	moduleRoot string   // directory of the main module, watched
	replaced   []string // directories of modules replaced by local paths, watched too
	dir        string   // working directory of go build
	pkg        string   // package argument of go build
	flags      []string // build flags (-tags, -ldflags, -race, ...) of the running binary
}

// findBuildTarget works out the source of the running program from its build
// information and the working directory. The program must run from inside its
// main module: `go run .`, `go run ./cmd/site` or a binary built by `go build` and
// started from the module directory. A program built from file arguments
// (`go run main.go`) is rebuilt from the package in the working directory.
func findBuildTarget() (buildTarget, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return buildTarget{}, errors.New("the program has no build information (was it built with module support?)")
	}
	wd, err := os.Getwd()
	if err != nil {
		return buildTarget{}, err
	}
	var flags []string
	for _, s := range bi.Settings {
		switch s.Key {
		case "-tags", "-ldflags", "-gcflags", "-asmflags":
			if s.Value != "" {
				flags = append(flags, s.Key+"="+s.Value)
			}
		case "-race", "-msan", "-asan", "-trimpath":
			if s.Value == "true" {
				flags = append(flags, s.Key)
			}
		}
	}
	if bi.Path == "command-line-arguments" || bi.Main.Path == "" {
		root, _, err := findModuleRoot(wd, "")
		if err != nil {
			return buildTarget{}, err
		}
		return buildTarget{moduleRoot: root, replaced: localReplacements(root), dir: wd, pkg: ".", flags: flags}, nil
	}
	root, _, err := findModuleRoot(wd, bi.Main.Path)
	if err != nil {
		return buildTarget{}, err
	}
	return buildTarget{moduleRoot: root, replaced: localReplacements(root), dir: root, pkg: bi.Path, flags: flags}, nil
}

// findModuleRoot walks up from dir to the directory whose go.mod declares module
// (any module when module is "").
func findModuleRoot(dir, module string) (string, string, error) {
	for d := dir; ; {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			if m := modulePath(data); module == "" || m == module {
				return d, m, nil
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if module == "" {
		return "", "", fmt.Errorf("no go.mod in %s or above it", dir)
	}
	return "", "", fmt.Errorf("cannot find the source of module %s from the working directory %s; run the program from inside its module", module, dir)
}

func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// localReplacements returns the existing directories that the go.mod in root
// replaces modules with (`replace example.com/x => ../x`), so that editing a library
// developed beside the site reloads the site too.
func localReplacements(root string) []string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil
	}
	var out []string
	inBlock := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case inBlock && line == ")":
			inBlock = false
			continue
		case line == "replace (":
			inBlock = true
			continue
		case strings.HasPrefix(line, "replace "):
			line = strings.TrimPrefix(line, "replace ")
		case !inBlock:
			continue
		}
		_, target, ok := strings.Cut(line, "=>")
		if !ok {
			continue
		}
		f := strings.Fields(target)
		if len(f) != 1 { // "path version" is a module replacement, not a directory
			continue
		}
		dir := strings.Trim(f[0], `"`)
		if !(strings.HasPrefix(dir, "./") || strings.HasPrefix(dir, "../") || filepath.IsAbs(dir)) {
			continue
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			out = append(out, filepath.Clean(dir))
		}
	}
	return out
}

// scan returns the stamps of every watched file of the target.
func (t buildTarget) scan() map[string]fileStamp {
	snap := scanTree(t.moduleRoot)
	for _, dir := range t.replaced {
		if dir == t.moduleRoot || strings.HasPrefix(t.moduleRoot, dir+string(filepath.Separator)) {
			continue // already covered, or an ancestor: do not walk it twice
		}
		for p, st := range scanTree(dir) {
			snap[p] = st
		}
	}
	return snap
}

type fileStamp struct {
	mod  time.Time
	size int64
}

// scanTree returns the watched files under root with their modification stamps.
// Like the go command, it skips directories starting with . or _, testdata,
// vendor, node_modules and nested modules; test files are not watched.
func scanTree(root string) map[string]fileStamp {
	out := map[string]fileStamp{}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // vanished or unreadable: ignore
		}
		name := d.Name()
		if d.IsDir() {
			if path == root {
				return nil
			}
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !watched(name) {
			return nil
		}
		if info, err := d.Info(); err == nil {
			out[path] = fileStamp{info.ModTime(), info.Size()}
		}
		return nil
	})
	return out
}

func watched(name string) bool {
	if name == "go.mod" || name == "go.sum" {
		return true
	}
	if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, ".") {
		return false
	}
	return reloadExts[filepath.Ext(name)]
}

// changedFiles lists the files added, removed or modified between two scans.
func changedFiles(old, cur map[string]fileStamp) []string {
	var out []string
	for p, s := range cur {
		if o, ok := old[p]; !ok || !o.mod.Equal(s.mod) || o.size != s.size {
			out = append(out, p)
		}
	}
	for p := range old {
		if _, ok := cur[p]; !ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// reloader is the parent process of runserver --reload.
type reloader struct {
	inv    *Invocation
	ln     net.Listener
	lnFile *os.File
	target buildTarget
	tmp    string
	builds int

	child     *exec.Cmd
	childBin  string
	childStop *os.File // write end of the child's pipe; closing it stops the child
	childDone chan error

	standIn *standIn // answers 503 while no child is running
}

// runReloader serves through child processes on ln, rebuilding and restarting them
// when the main module's files change, until ctx is done.
func runReloader(ctx context.Context, inv *Invocation, ln net.Listener) error {
	defer ln.Close()
	target, err := findBuildTarget()
	if err != nil {
		return fmt.Errorf("runserver --reload: %v; use --noreload", err)
	}
	fl, ok := ln.(interface{ File() (*os.File, error) })
	if !ok {
		return fmt.Errorf("runserver --reload: listener %T cannot be passed to a child process; use --noreload", ln)
	}
	lnFile, err := fl.File()
	if err != nil {
		return fmt.Errorf("runserver --reload: %w", err)
	}
	defer lnFile.Close()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("runserver --reload: cannot find the running program: %w", err)
	}
	tmp, err := os.MkdirTemp("", "galvani-reload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	r := &reloader{inv: inv, ln: ln, lnFile: lnFile, target: target, tmp: tmp}
	printBanner(inv, ln.Addr(), ", reloading on changes under "+target.moduleRoot)
	if err := r.start(exe); err != nil {
		return err
	}
	defer r.stop()
	defer r.stopStandIn()

	snap := target.scan()
	tick := time.NewTicker(reloadPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-r.childDone:
			r.child = nil
			if ctx.Err() != nil { // a Ctrl-C reached the child first
				return nil
			}
			r.logf("the server exited (%v); waiting for file changes", exitStatus(err))
			r.startStandIn("it exited (" + exitStatus(err) + ")")
		case <-tick.C:
			cur := target.scan()
			changed := changedFiles(snap, cur)
			if len(changed) == 0 {
				continue
			}
			// Let a burst of saves settle before building, so go build never reads
			// a half-written file.
			snap = settle(ctx, target.scan, cur)
			if ctx.Err() != nil {
				return nil
			}
			r.logf("%s changed; rebuilding", r.describe(changed))
			bin, out, err := r.build(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				what := "no server is running"
				if r.child != nil {
					what = "still serving the previous version"
				}
				r.logf("build failed (%s):\n%s", what, strings.TrimRight(out, "\n"))
				continue
			}
			r.stop()
			r.stopStandIn()
			if err := r.start(bin); err != nil {
				r.logf("%v", err)
				r.startStandIn("it could not be started")
				continue
			}
			r.logf("restarted")
		}
	}
}

// reloadSettle is how long the watched files must stay unchanged before a rebuild,
// and reloadSettleMax the longest settle waits for a file that keeps changing.
var (
	reloadSettle    = 250 * time.Millisecond
	reloadSettleMax = 10 * time.Second
)

// settle returns a scan of the files once two scans reloadSettle apart agree (an
// editor or a code generator has finished writing), or after reloadSettleMax, or
// when ctx is done.
func settle(ctx context.Context, scan func() map[string]fileStamp, cur map[string]fileStamp) map[string]fileStamp {
	deadline := time.Now().Add(reloadSettleMax)
	for {
		select {
		case <-ctx.Done():
			return cur
		case <-time.After(reloadSettle):
		}
		next := scan()
		if len(changedFiles(cur, next)) == 0 || time.Now().After(deadline) {
			return next
		}
		cur = next
	}
}

func (r *reloader) logf(format string, args ...any) {
	fmt.Fprintf(r.inv.Stderr, "galvani: "+format+"\n", args...)
}

func (r *reloader) describe(files []string) string {
	names := make([]string, 0, 3)
	for i, f := range files {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(files)-3))
			break
		}
		if rel, err := filepath.Rel(r.target.moduleRoot, f); err == nil {
			f = rel
		}
		names = append(names, f)
	}
	return strings.Join(names, ", ")
}

// build runs go build and returns the new binary, or the compiler's output.
func (r *reloader) build(ctx context.Context) (string, string, error) {
	r.builds++
	bin := filepath.Join(r.tmp, fmt.Sprintf("server-%d", r.builds))
	args := append([]string{"build", "-o", bin}, r.target.flags...)
	args = append(args, r.target.pkg)
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = r.target.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", string(out) + err.Error(), err
	}
	return bin, string(out), nil
}

// goTool returns the go command: "go" from PATH, else the one of the toolchain that
// built this program.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if runtime.GOOS == "windows" {
		p += ".exe"
	}
	return p
}

// start starts bin as the serving child with the same arguments as this process.
func (r *reloader) start(bin string) error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, os.Args[1:]...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", reloadFDEnv, childListenerFD))
	if s := &r.inv.App.Settings; s.RandomSecretKey() {
		cmd.Env = append(cmd.Env, devKeyEnv+"="+s.SecretKey) // logins survive a rebuild
	}
	cmd.ExtraFiles = []*os.File{r.lnFile, pr}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.inv.Stdin, r.inv.Stdout, r.inv.Stderr
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return fmt.Errorf("cannot start %s: %w", bin, err)
	}
	pr.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if r.childBin != "" && r.childBin != bin && strings.HasPrefix(r.childBin, r.tmp) {
		os.Remove(r.childBin)
	}
	r.child, r.childBin, r.childStop, r.childDone = cmd, bin, pw, done
	return nil
}

// stop asks the child to shut down gracefully and waits for it, killing it when it
// takes longer than the shutdown timeout.
func (r *reloader) stop() {
	if r.childStop != nil {
		r.childStop.Close()
		r.childStop = nil
	}
	if r.child == nil {
		return
	}
	grace := r.inv.App.Settings.ShutdownTimeout
	if grace <= 0 {
		grace = DefaultShutdownTimeout
	}
	select {
	case <-r.childDone:
	case <-time.After(grace + 5*time.Second):
		r.child.Process.Kill()
		<-r.childDone
	}
	r.child = nil
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// standIn answers every request with a 503 while no server child is running (it
// crashed, or could not start), so a browser says why instead of waiting in the
// socket's backlog. It shares the watcher's socket and lets go of it, without closing
// it, before the next child starts.
type standIn struct {
	srv  *http.Server
	ln   *pausableListener
	done chan struct{}
}

func (r *reloader) startStandIn(reason string) {
	if r.standIn != nil {
		return
	}
	dl, ok := r.ln.(deadliner)
	if !ok {
		return
	}
	msg := "Galvani: the server is not running: " + reason + ".\n" +
		"Its output is in the terminal where runserver runs. It is rebuilt and restarted when a watched file changes.\n"
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, msg)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	srv.SetKeepAlivesEnabled(false)
	s := &standIn{srv: srv, ln: &pausableListener{Listener: r.ln, dl: dl}, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		srv.Serve(s.ln)
	}()
	r.standIn = s
}

func (r *reloader) stopStandIn() {
	s := r.standIn
	if s == nil {
		return
	}
	r.standIn = nil
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx) // closes s.ln: Accept stops, the socket stays open
	<-s.done
	s.ln.dl.SetDeadline(time.Time{})
}

type deadliner interface{ SetDeadline(time.Time) error }

// pausableListener is a listener whose Close stops Accept without closing the
// socket underneath.
type pausableListener struct {
	net.Listener
	dl     deadliner
	closed atomic.Bool
}

func (l *pausableListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if c != nil {
		return c, nil
	}
	if l.closed.Load() {
		return nil, net.ErrClosed
	}
	return nil, err
}

func (l *pausableListener) Close() error {
	l.closed.Store(true)
	return l.dl.SetDeadline(time.Now())
}

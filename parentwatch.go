package galvani

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// `go run .` starts the program as its child. Killing the go command (kill PID, a
// closed IDE terminal, a CI step's timeout) does not kill that child: without a
// watchdog the server, and the reloader's own child, would keep the port. So a
// runserver started by go run watches its parent and shuts down when it is gone.
// (The reloader's serving child needs no watchdog of its own: it stops when the pipe
// from its parent closes, which happens when the parent dies too.)

// parentPollInterval is how often the watchdog checks the parent process.
var parentPollInterval = 250 * time.Millisecond

// startedByGoRun reports whether this program is a binary that `go run` built and
// started: it lives in the go command's build cache or a go-build temporary
// directory.
func startedByGoRun() bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	exe = filepath.ToSlash(exe)
	if strings.Contains(exe, "/go-build") {
		return true
	}
	if c := os.Getenv("GOCACHE"); c != "" && strings.HasPrefix(exe, filepath.ToSlash(filepath.Clean(c))+"/") {
		return true
	}
	return false
}

// watchParent returns a context that is cancelled, besides when ctx is, as soon as
// the process that started this one exits (the parent process id changes when the
// orphan is adopted). It does nothing where the parent id cannot be known.
func watchParent(ctx context.Context, getppid func() int, interval time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		return ctx, cancel // no adoption of orphans to observe
	}
	start := getppid()
	if start <= 1 {
		return ctx, cancel // already an orphan (or PID 1's child): nothing to watch
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if getppid() != start {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

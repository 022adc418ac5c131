//go:build unix

package galvani

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A server whose parent dies (go run killed) stops: the watchdog cancels its context
// when the parent process id changes.
func TestWatchParent(t *testing.T) {
	var ppid atomic.Int64
	ppid.Store(4242)
	get := func() int { return int(ppid.Load()) }
	ctx, cancel := watchParent(context.Background(), get, 5*time.Millisecond)
	defer cancel()
	time.Sleep(30 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("cancelled while the parent lives")
	}
	ppid.Store(1) // adopted by init: the parent died
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("not cancelled after the parent died")
	}
	// An orphan from the start has nothing to watch, and is not cancelled.
	ctx2, cancel2 := watchParent(context.Background(), func() int { return 1 }, time.Millisecond)
	defer cancel2()
	time.Sleep(20 * time.Millisecond)
	if ctx2.Err() != nil {
		t.Error("an orphan from the start was cancelled")
	}
}

// TestHelperParent is not a test: TestServerStopsWhenParentDies runs the test binary
// as the go command of `go run`, which starts the server (the test binary, built in
// a go-build directory like go run's programs) and is then killed.
func TestHelperParent(t *testing.T) {
	if os.Getenv("GALVANI_TEST_HELPER") != "parent" {
		t.Skip("helper process only")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServer$")
	cmd.Env = append(os.Environ(), "GALVANI_TEST_HELPER=serve")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("server pid %d\n", cmd.Process.Pid)
	cmd.Wait()
	os.Exit(0)
}

// Killing `go run` (SIGKILL: no chance to pass anything on) must not leave its
// server holding the port.
func TestServerStopsWhenParentDies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	if !startedByGoRun() {
		t.Skip("the test binary is not in a go-build directory")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperParent$")
	cmd.Env = append(os.Environ(), "GALVANI_TEST_HELPER=parent")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var base string
	waitFor(t, "the helper's banner", 20*time.Second, func() bool {
		m := servingRE.FindStringSubmatch(out.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	var pid int
	fmt.Sscanf(out.String()[strings.Index(out.String(), "server pid "):], "server pid %d", &pid)
	if pid > 0 {
		defer syscall.Kill(pid, syscall.SIGKILL) // if the test fails
	}
	cmd.Process.Kill()
	cmd.Wait()
	addr := strings.TrimPrefix(base, "http://")
	waitFor(t, "the orphaned server to let go of the port", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	waitFor(t, "the orphaned server to exit", 10*time.Second, func() bool {
		return pid > 0 && syscall.Kill(pid, 0) != nil
	})
}

// Package nodetest gives tests the Node.js tools that .ci/tools installs: headless
// Chromium driven by playwright-core, axe-core accessibility scans and an OpenAPI
// validator. Tests that need them skip with a clear message when they are missing,
// except in CI (testdb.Required), where a missing tool fails the test.
//
// The modules are looked up in GALVANI_NODE_MODULES, then in the cache directory
// that .ci/tools fills (~/.cache/galvani-ci/node/node_modules); Chromium in
// GALVANI_CHROMIUM, then on PATH.
package nodetest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/galvani-web/galvani/internal/testdb"
)

// Modules returns the node_modules directory holding the CI tools, after checking
// that node and the named packages are there.
func Modules(t testing.TB, packages ...string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		testdb.MissingTool(t, "node is not on PATH")
	}
	dir := os.Getenv("GALVANI_NODE_MODULES")
	if dir == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(cache, "galvani-ci", "node", "node_modules")
	}
	for _, p := range packages {
		if _, err := os.Stat(filepath.Join(dir, p, "package.json")); err != nil {
			testdb.MissingTool(t, "the npm package %s is not installed in %s", p, dir)
		}
	}
	return dir
}

// Chromium returns the path of the Chromium binary.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("GALVANI_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		testdb.MissingTool(t, "chromium is not on PATH")
	}
	return p
}

// Run runs a Node.js script (a file path) with the tools' modules on NODE_PATH and
// the environment variables env ("KEY=value") added, for at most timeout. It
// returns standard output; a failure reports standard error in the test log.
func Run(t testing.TB, timeout time.Duration, script string, env []string, args ...string) ([]byte, error) {
	t.Helper()
	mods := Modules(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		t.Logf("node %s: %v\n%s", script, err, stderr.Bytes())
	}
	return stdout.Bytes(), err
}

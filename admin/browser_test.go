package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/internal/nodetest"
	"github.com/galvani-web/galvani/orm"
)

// The admin in a real browser (headless Chromium driven by playwright-core):
// login, add with an error then fixed, search, filter, sort, pages, a bulk
// action, delete with the cascade preview, history, two tags picked in the
// many-to-many chooser and saved, "add another" popups for a foreign key and a
// many-to-many field, the theme toggle, keyboard
// access, a staff user with partial permissions, and axe-core scans of the
// index, a changelist and a change form in both themes. Screenshots go to
// $GALVANI_ADMIN_SHOTS when set (else a temporary directory).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	nodetest.Modules(t, "playwright-core", "@axe-core/playwright")
	chromium := nodetest.Chromium(t)
	e := newEnv(t, nil, func(s *admin.Site) {
		registrations(s, admin.TabularInline[Review]{InlineOptions: admin.InlineOptions{Extra: 2}})
		admin.Register(s, admin.ModelAdmin[Tag]{})
	})
	e.seed(12)
	ctx := context.Background()
	for _, text := range []string{"Loved it", "Meh"} {
		if err := e.db.Create(ctx, &Review{Book: orm.Ref[Book](int64(1)), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"fantasy", "classic", "science fiction", "poetry"} {
		if err := e.db.Create(ctx, &Tag{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	e.user("boss", true, true)
	e.user("clerk", true, false, "shop.view_book")
	runBrowserScript(t, e.app, chromium, "testdata/browser.js", 4*time.Minute)
}

// runBrowserScript serves h and runs a Node script of testdata with Chromium
// against it, screenshots going to $GALVANI_ADMIN_SHOTS when set (else a
// temporary directory); env adds variables. The script's output is logged; its
// failure fails the test.
func runBrowserScript(t *testing.T, h http.Handler, chromium, script string, timeout time.Duration, env ...string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	shots := os.Getenv("GALVANI_ADMIN_SHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	out, err := nodetest.Run(t, timeout, abs, append([]string{"BASE_URL=" + srv.URL, "CHROMIUM=" + chromium, "SHOTS=" + shots}, env...))
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("browser scenario %s failed: %v", script, err)
	}
}

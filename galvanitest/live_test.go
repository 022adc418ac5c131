package galvanitest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
)

func TestLiveServerServesUntilTheTestEnds(t *testing.T) {
	var base string
	t.Run("serving", func(t *testing.T) {
		app := galvani.New(galvani.Settings{Debug: true})
		app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "live") })
		base = galvanitest.LiveServer(t, app)
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Fatalf("base URL %q", base)
		}
		for path, want := range map[string]string{"/": "live", "/readyz": `"ok"`} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Errorf("GET %s: %d %q, want 200 with %s", path, resp.StatusCode, body, want)
			}
		}
	})
	if resp, err := http.Get(base + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after its test ended: %d", resp.StatusCode)
	}
}

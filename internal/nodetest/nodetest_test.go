package nodetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestChromiumRendersAPage checks the whole tool chain once: playwright-core starts
// the system Chromium headless and reads back what a page computes.
func TestChromiumRendersAPage(t *testing.T) {
	Modules(t, "playwright-core")
	chromium := Chromium(t)
	script := filepath.Join(t.TempDir(), "page.js")
	src := `const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage();
  await page.setContent('<p id="x">4</p><script>document.getElementById("x").textContent = 6 * 7</script>');
  console.log(await page.textContent('#x'));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
`
	if err := os.WriteFile(script, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := Run(t, 60*time.Second, script, []string{"CHROMIUM=" + chromium})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "42" {
		t.Fatalf("page computed %q, want 42", got)
	}
}

// Package xmlcheck gives tests the XML tools that .ci/tools installs from Debian:
// libxml2-utils' xmllint (schema validation) and python3-feedparser (the feed
// parser many readers use). Tests that need them skip with a clear message when
// they are missing, except in CI (testdb.Required), where a missing tool fails
// the test.
package xmlcheck

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/internal/testdb"
)

// Schema validates doc with xmllint against the XML Schema (.xsd) or RelaxNG
// (.rng) file at schema, failing the test with xmllint's messages when it is not
// valid.
func Schema(t testing.TB, schema string, doc []byte) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		testdb.MissingTool(t, "xmllint (Debian's libxml2-utils) is not on PATH")
	}
	flag := "--schema"
	if strings.HasSuffix(schema, ".rng") {
		flag = "--relaxng"
	}
	f := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--noout", "--nonet", flag, schema, f).CombinedOutput()
	if err != nil {
		msg := string(out)
		if len(msg) > 4000 {
			msg = msg[:4000] + "…"
		}
		t.Fatalf("xmllint %s %s: %v\n%s", flag, filepath.Base(schema), err, msg)
	}
}

// feedparserScript prints the bozo flag, the version feedparser detected and the
// number of entries.
const feedparserScript = `import sys, feedparser
d = feedparser.parse(sys.stdin.buffer.read())
print(int(bool(d.bozo)), d.version, len(d.entries))
if d.bozo:
    print(d.bozo_exception)
`

// Feedparser parses doc with python3-feedparser and fails the test when it sets
// its bozo flag (the document is not well-formed, or its encoding is wrong). It
// returns the version feedparser detected ("rss20", "atom10") and the number of
// entries it read.
func Feedparser(t testing.TB, doc []byte) (version string, entries int) {
	t.Helper()
	// Debian's python3 first: python3-feedparser is installed for it, and a
	// python3 of a version manager earlier on PATH would not see it.
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			testdb.MissingTool(t, "python3 is not on PATH")
		}
	}
	if exec.Command(py, "-c", "import feedparser").Run() != nil {
		testdb.MissingTool(t, "python3-feedparser is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", feedparserScript)
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("feedparser: %v\n%s", err, out)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 3 {
		t.Fatalf("feedparser: unexpected output %q", out)
	}
	if fields[0] != "0" {
		t.Fatalf("feedparser set bozo: %s", out)
	}
	n := 0
	for _, c := range fields[2] {
		n = n*10 + int(c-'0')
	}
	return fields[1], n
}

// SharedSpec returns the path of a file under the shared reference material,
// <repo>/../shared/spec (or $GALVANI_SHARED/spec), after checking it is there.
func SharedSpec(t testing.TB, parts ...string) string {
	t.Helper()
	root := os.Getenv("GALVANI_SHARED")
	if root == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				root = filepath.Join(d, "..", "shared")
				break
			}
			if filepath.Dir(d) == d {
				t.Fatalf("no go.mod above %s", dir)
			}
		}
	}
	p := filepath.Join(append([]string{root, "spec"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		testdb.MissingTool(t, "the shared specification file %s is missing (link ../shared beside the repository)", p)
	}
	return p
}

// xhtmlLinkXSD declares the xhtml:link element sitemaps use for hreflang
// alternates: the sitemap schema admits elements of other namespaces only when a
// schema declares them (processContents="strict").
const xhtmlLinkXSD = `<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/1999/xhtml"
    elementFormDefault="qualified">
  <xsd:element name="link">
    <xsd:complexType>
      <xsd:attribute name="rel" use="required">
        <xsd:simpleType><xsd:restriction base="xsd:string"><xsd:enumeration value="alternate"/></xsd:restriction></xsd:simpleType>
      </xsd:attribute>
      <xsd:attribute name="hreflang" use="required">
        <xsd:simpleType><xsd:restriction base="xsd:string">
          <xsd:pattern value="x-default|[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*"/>
        </xsd:restriction></xsd:simpleType>
      </xsd:attribute>
      <xsd:attribute name="href" type="xsd:anyURI" use="required"/>
    </xsd:complexType>
  </xsd:element>
</xsd:schema>
`

// Sitemap validates doc against the shared sitemap.xsd (sitemaps.org's schema),
// with xhtml:link hreflang alternates declared, or against siteindex.xsd when
// index is true.
func Sitemap(t testing.TB, doc []byte, index bool) {
	t.Helper()
	if index {
		Schema(t, SharedSpec(t, "sitemaps", "siteindex.xsd"), doc)
		return
	}
	sitemap := SharedSpec(t, "sitemaps", "sitemap.xsd")
	dir := t.TempDir()
	link := filepath.Join(dir, "xhtml-link.xsd")
	driver := filepath.Join(dir, "sitemap-alternates.xsd")
	abs, err := filepath.Abs(sitemap)
	if err != nil {
		t.Fatal(err)
	}
	drv := `<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:galvani:sitemap-check">
  <xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9" schemaLocation="` + (&url.URL{Scheme: "file", Path: abs}).String() + `"/>
  <xsd:import namespace="http://www.w3.org/1999/xhtml" schemaLocation="xhtml-link.xsd"/>
</xsd:schema>
`
	if err := os.WriteFile(link, []byte(xhtmlLinkXSD), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(driver, []byte(drv), 0o600); err != nil {
		t.Fatal(err)
	}
	Schema(t, driver, doc)
}

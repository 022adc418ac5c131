package sitemaps

import (
	"math"
	"strconv"
	"time"

	"github.com/galvani-web/galvani/internal/siteurl"
	"github.com/galvani-web/galvani/internal/xmltext"
)

const (
	nsSitemap = "http://www.sitemaps.org/schemas/sitemap/0.9"
	nsXHTML   = "http://www.w3.org/1999/xhtml"
)

// appendURLSetStart starts a sitemap; the xhtml namespace is always declared, for
// the hreflang alternates any URL may have.
func appendURLSetStart(dst []byte) []byte {
	return append(dst, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\""+nsSitemap+"\" xmlns:xhtml=\""+nsXHTML+"\">\n"...)
}

const urlSetEnd = "</urlset>\n"

// appendW3CDate appends t as a W3C Datetime (the sitemap schema's xsd:dateTime
// or date): seconds precision, Z for UTC or the zone's offset.
func appendW3CDate(dst []byte, t time.Time) []byte {
	if _, off := t.Zone(); off%60 != 0 {
		t = t.UTC() // offsets must be whole minutes
	}
	return t.AppendFormat(dst, time.RFC3339)
}

// appendURL appends one <url>, its location and alternates made absolute on st.
func appendURL(dst []byte, u *URL, st *siteurl.Resolver) []byte {
	dst = append(dst, "<url><loc>"...)
	dst = st.AppendText(dst, u.Loc)
	dst = append(dst, "</loc>"...)
	if !u.LastMod.IsZero() {
		dst = append(dst, "<lastmod>"...)
		dst = appendW3CDate(dst, u.LastMod)
		dst = append(dst, "</lastmod>"...)
	}
	if u.ChangeFreq.valid() {
		dst = append(dst, "<changefreq>"...)
		dst = append(dst, u.ChangeFreq...)
		dst = append(dst, "</changefreq>"...)
	}
	if p := u.Priority; p != 0 && !math.IsNaN(p) {
		p = min(max(p, 0), 1)
		dst = append(dst, "<priority>"...)
		if p == math.Trunc(p) {
			dst = strconv.AppendFloat(dst, p, 'f', 1, 64) // "1.0", "0.0"
		} else {
			dst = strconv.AppendFloat(dst, p, 'f', -1, 64)
		}
		dst = append(dst, "</priority>"...)
	}
	for _, a := range u.Alternates {
		dst = append(dst, `<xhtml:link rel="alternate" hreflang="`...)
		dst = xmltext.AppendAttr(dst, a.Lang)
		dst = append(dst, `" href="`...)
		dst = st.AppendAttr(dst, a.Href)
		dst = append(dst, `"/>`...)
	}
	return append(dst, "</url>\n"...)
}

func appendIndexStart(dst []byte) []byte {
	return append(dst, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\""+nsSitemap+"\">\n"...)
}

const indexEnd = "</sitemapindex>\n"

func appendIndexEntry(dst []byte, loc string, lastmod time.Time) []byte {
	dst = append(dst, "<sitemap><loc>"...)
	dst = xmltext.AppendText(dst, loc)
	dst = append(dst, "</loc>"...)
	if !lastmod.IsZero() {
		dst = append(dst, "<lastmod>"...)
		dst = appendW3CDate(dst, lastmod)
		dst = append(dst, "</lastmod>"...)
	}
	return append(dst, "</sitemap>\n"...)
}

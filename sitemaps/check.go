package sitemaps

import (
	"fmt"
	"slices"
	"strings"

	"github.com/galvani-web/galvani"
)

// sectionChecker is implemented by the sections that can check their own
// configuration.
type sectionChecker interface {
	check(app *galvani.App) []galvani.CheckMessage
}

// Check is a system check of the sitemaps' configuration, for
// app.AddCheck(sm.Check, false): route names of Static sections that do not
// resolve (sitemaps.E001), Sitemaps without Items or Location (sitemaps.E002), a
// SectionURL without "{section}" (sitemaps.E003) and a Limit above the protocol's
// 50,000 (sitemaps.W001). Without it these show up as 500s when a crawler asks.
func (s *Sitemaps) Check(app *galvani.App) []galvani.CheckMessage {
	var msgs []galvani.CheckMessage
	if s.SectionURL != "" && !strings.Contains(s.SectionURL, "{section}") {
		msgs = append(msgs, galvani.CheckMessage{Level: galvani.CheckError, ID: "sitemaps.E003", Object: "sitemaps",
			Msg:  fmt.Sprintf("SectionURL %q has no {section}: every section's file would have the same address", s.SectionURL),
			Hint: `Leave it empty for "sitemaps/{section}.xml", where Routes serves the sections.`})
	}
	names := make([]string, 0, len(s.Sections))
	for n := range s.Sections {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if c, ok := s.Sections[n].(sectionChecker); ok {
			for _, m := range c.check(app) {
				m.Object = "sitemaps section " + n
				msgs = append(msgs, m)
			}
		}
	}
	return msgs
}

func (s *Static) check(app *galvani.App) []galvani.CheckMessage {
	var msgs []galvani.CheckMessage
	for _, name := range s.Names {
		if _, err := app.URL(name); err != nil {
			msgs = append(msgs, galvani.CheckMessage{Level: galvani.CheckError, ID: "sitemaps.E001",
				Msg: fmt.Sprintf("route %q does not resolve: %v", name, err), Hint: "Static names routes without parameters, by their names (namespace:name)."})
		}
	}
	return msgs
}

func (s *Sitemap[T]) check(*galvani.App) []galvani.CheckMessage {
	var msgs []galvani.CheckMessage
	if s.Items == nil || s.Location == nil {
		msgs = append(msgs, galvani.CheckMessage{Level: galvani.CheckError, ID: "sitemaps.E002",
			Msg: "the Sitemap has no Items or no Location", Hint: "Items says where the values come from (sitemaps.Query, sitemaps.Slice), Location gives each one's URL."})
	}
	if s.Limit > MaxURLs {
		msgs = append(msgs, galvani.CheckMessage{Level: galvani.CheckWarning, ID: "sitemaps.W001",
			Msg: fmt.Sprintf("Limit %d is above the sitemaps protocol's %d URLs per file; %d is used", s.Limit, MaxURLs, MaxURLs)})
	}
	return msgs
}

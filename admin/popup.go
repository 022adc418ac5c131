package admin

import (
	"encoding/json"
	"net/http"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/template"
)

// paramPopup marks a page opened by a "+" link to add a related object
// (Django's _popup=1): drawn without the site's header, and answered after a
// save with a page that hands the new object back to the form that opened it.
const paramPopup = "_popup"

// isPopup reports whether the request is for a popup page.
func isPopup(r *http.Request) bool { return r.URL.Query().Get(paramPopup) == "1" }

// addRelatedLink is the "+" beside a foreign key or many-to-many select whose
// target has an admin on this site that the user may add to: a link to the
// target's add page, which admin.js opens in a popup window so that the new
// object is chosen in the select on return. Without JavaScript it opens the add
// page in a new tab.
func (e *entry[T]) addRelatedLink(r *http.Request, name string, bf *forms.BoundField) template.SafeString {
	f, ok := e.infoCache.Field(name)
	if !ok || !f.IsRelation() || bf.IsHidden() || e.autoFields[name] {
		return ""
	}
	t, err := f.Rel.Target()
	if err != nil {
		return ""
	}
	m := e.site.lookup(t.App, t.ModelName)
	if m == nil || m.prepare() != nil || !m.perms(r).Add {
		return ""
	}
	label := "Add another " + verboseName(t)
	return template.SafeString(` <a href="` + template.Escape(e.site.modelURL(t, "add/")) + `" class="related-add" target="_blank" rel="opener"` +
		` data-popup-for="` + template.Escape(bf.ID()) + `" title="` + template.Escape(label) + `" aria-label="` + template.Escape(label) + `">+</a>`)
}

// popupResponse answers the save of a popup's add form: a page whose script
// (admin.js) puts the new object in the opener's select and closes the window.
func (e *entry[T]) popupResponse(c *galvani.Ctx, pk, name string) error {
	b, err := json.Marshal(map[string]string{"value": pk, "label": name}) // escapes <, > and &
	if err != nil {
		return err
	}
	data := e.site.context(c, "Added "+verboseName(e.infoCache))
	data["is_popup"] = true
	data["popup_response"] = template.SafeString(b)
	data["object"] = name
	return c.Render(http.StatusOK, "admin/popup_response.html", data)
}

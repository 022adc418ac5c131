package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// context is the data every admin page gets.
func (s *Site) context(c *galvani.Ctx, title string) map[string]any {
	root := s.root()
	siteURL := s.SiteURL
	if siteURL == "-" {
		siteURL = ""
	}
	return map[string]any{
		"title":               title,
		"site_title":          s.Title,
		"site_header":         s.Header,
		"site_url":            siteURL,
		"index_url":           root,
		"logout_url":          root + "logout/",
		"password_change_url": root + "password_change/",
		"static_url":          root + "static/",
		"asset_version":       assetVersion(),
		"admin_user":          auth.UserFrom(c.Request),
		"is_staff":            isStaff(c.Request),
		"pages":               s.visiblePages(c.Request),
	}
}

// appEntry is one app of the index with the models the user may see.
type appEntry struct {
	Label, Title, URL string
	Models            []modelEntry
}

type modelEntry struct {
	Name, Plural, URL, AddURL string
	Perms                     perms
}

// appList lists the apps and models the user has any permission on.
func (s *Site) appList(r *http.Request, only string) []appEntry {
	byApp := map[string]*appEntry{}
	var labels []string
	for _, m := range s.registered() {
		if m.prepare() != nil {
			continue
		}
		info := m.info()
		if only != "" && info.App != only {
			continue
		}
		p := m.perms(r)
		if !p.Any() {
			continue
		}
		a := byApp[info.App]
		if a == nil {
			a = &appEntry{Label: info.App, Title: appTitle(info.App), URL: s.root() + info.App + "/"}
			byApp[info.App] = a
			labels = append(labels, info.App)
		}
		me := modelEntry{Name: capfirst(verboseName(info)), Plural: capfirst(verbosePlural(info)), Perms: p}
		if p.View || p.Change {
			me.URL = s.modelURL(info, "")
		}
		if p.Add {
			me.AddURL = s.modelURL(info, "add/")
		}
		a.Models = append(a.Models, me)
	}
	sort.Strings(labels)
	out := make([]appEntry, 0, len(labels))
	for _, l := range labels {
		a := byApp[l]
		sort.Slice(a.Models, func(i, j int) bool { return a.Models[i].Plural < a.Models[j].Plural })
		out = append(out, *a)
	}
	return out
}

func (s *Site) index(c *galvani.Ctx) error {
	data := s.context(c, s.IndexTitle)
	data["app_list"] = s.appList(c.Request, "")
	db, err := s.db(c.Request)
	if err != nil {
		return err
	}
	recent, err := orm.Q[LogEntry](db).Filter("user_id", auth.UserFrom(c.Request).ID).OrderBy("-action_time", "-id").Limit(10).All(c.Context())
	if err != nil {
		return err
	}
	type recentEntry struct {
		LogEntry
		URL, ModelTitle string
	}
	var rs []recentEntry
	for _, e := range recent {
		re := recentEntry{LogEntry: e, ModelTitle: e.ModelName}
		if m := s.lookup(e.App, e.ModelName); m != nil && m.prepare() == nil {
			re.ModelTitle = capfirst(verboseName(m.info()))
			if e.ActionFlag != Deletion && m.perms(c.Request).View {
				re.URL = s.objectURL(m.info(), e.ObjectID, "change")
			}
		}
		rs = append(rs, re)
	}
	data["recent"] = rs
	return c.Render(http.StatusOK, "admin/index.html", data)
}

func (s *Site) appIndex(c *galvani.Ctx) error {
	apps := s.appList(c.Request, c.Param("app"))
	if len(apps) == 0 {
		return galvani.Error(http.StatusNotFound, "no such app in this admin")
	}
	data := s.context(c, apps[0].Title+" administration")
	data["app_list"] = apps
	data["app"] = apps[0]
	return c.Render(http.StatusOK, "admin/app_index.html", data)
}

// login is the site's login page: only active staff may log in.
func (s *Site) login(c *galvani.Ctx) error {
	m := auth.ManagerFrom(c.Request)
	if m == nil {
		return galvani.Error(http.StatusInternalServerError, "admin: the auth middleware is not installed (install auth.App)")
	}
	if c.Request.Method == http.MethodGet && isStaff(c.Request) {
		return c.RedirectLocal(http.StatusFound, c.Query("next"), s.root())
	}
	return m.LoginViewFor(auth.LoginPage{
		Template:    "admin/login.html",
		Allow:       func(u *auth.AbstractUser) bool { return u.IsActive && u.IsStaff },
		Refused:     textStaffLogin,
		RedirectURL: s.root(),
		Data: func(c *galvani.Ctx) map[string]any {
			d := s.context(c, "Log in")
			d["next_default"] = s.root()
			return d
		},
	})(c)
}

// logout (POST only) logs out and shows the login page again.
func (s *Site) logout(c *galvani.Ctx) error {
	if c.Request.Method != http.MethodPost {
		c.SetHeader("Allow", "POST")
		return galvani.Error(http.StatusMethodNotAllowed, "log out with a POST (the button in the header)")
	}
	auth.Logout(c.Request)
	messages.Info(c.Request, textLoggedOut)
	return c.Redirect(http.StatusSeeOther, s.root()+"login/")
}

// passwordChange lets a staff user change their own password.
func (s *Site) passwordChange(c *galvani.Ctx) error {
	return s.passwordForm(c, auth.CurrentUserModel(c.Request), true, s.root())
}

// passwordForm changes user's password: with the old one first when askOld.
func (s *Site) passwordForm(c *galvani.Ctx, user auth.UserModel, askOld bool, done string) error {
	r := c.Request
	m := auth.ManagerFrom(r)
	data := s.context(c, "Change password")
	data["ask_old"] = askOld
	data["target"] = user.AuthUser().Username
	errs := map[string]string{}
	if r.Method == http.MethodPost {
		form, err := c.Form()
		if err != nil {
			return err
		}
		u := user.AuthUser()
		if askOld && !u.CheckPassword(form.Get("old_password")) {
			errs["old_password"] = "The old password is not right. Type it again."
		}
		p1, p2 := form.Get("new_password1"), form.Get("new_password2")
		switch {
		case p1 == "":
			errs["new_password1"] = "Type the new password."
		case p1 != p2:
			errs["new_password2"] = "The two passwords differ."
		default:
			if err := auth.ValidatePassword(p1, map[string]string{"username": u.Username, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName}, nil); err != nil {
				errs["new_password1"] = err.Error()
			}
		}
		if len(errs) == 0 {
			if err := u.SetPassword(p1); err != nil {
				return err
			}
			db, err := s.db(r)
			if err != nil {
				return err
			}
			if err := m.SaveUser(c.Context(), db, user, "password"); err != nil {
				return err
			}
			if user.AuthUser().ID == auth.UserFrom(r).ID {
				if err := auth.UpdateSessionAuthHash(r, user); err != nil {
					return err
				}
			}
			messages.Success(r, textPasswordSaved)
			return c.Redirect(http.StatusSeeOther, done)
		}
	}
	data["errors"] = errs
	return c.Render(http.StatusOK, "admin/password_change.html", data)
}

var (
	versionOnce sync.Once
	version     string
)

// assetVersion is a hash of the embedded CSS and JS, added to their URLs so a
// new build is never served from a stale cache.
func assetVersion() string {
	versionOnce.Do(func() {
		h := sha256.New()
		_ = fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := fs.ReadFile(assets, p)
				h.Write(b)
			}
			return nil
		})
		version = hex.EncodeToString(h.Sum(nil))[:12]
	})
	return version
}

// static serves the site's own CSS, JS and icons. Their URLs carry
// ?v=<hash of the files>, so they may be cached for long.
func (s *Site) static(c *galvani.Ctx) error {
	p := path.Clean("/" + c.Param("path"))
	if strings.Contains(p, "..") {
		return galvani.Error(http.StatusNotFound, "not found")
	}
	sub, _ := fs.Sub(assets, "static/admin")
	if _, err := fs.Stat(sub, strings.TrimPrefix(p, "/")); err != nil {
		return galvani.Error(http.StatusNotFound, "not found")
	}
	c.Response.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.File(sub, strings.TrimPrefix(p, "/"))
}

// Page is an extra admin page, rendered in the admin's layout and listed on the
// index for the users it allows (Django's custom admin views via get_urls).
type Page struct {
	// Name is the URL part (<prefix>pages/<name>/); Title the heading and link text.
	Name, Title string
	// Allow decides who may open the page (besides being active staff); nil
	// allows every staff user.
	Allow func(r *http.Request) bool
	// Render returns the page's HTML body (escaped by you, or built with the
	// template engine); it may handle POST too.
	Render func(c *galvani.Ctx) (template.SafeString, error)
}

// AddPage adds an extra page to the site.
func (s *Site) AddPage(p *Page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = append(s.pages, p)
}

func (s *Site) visiblePages(r *http.Request) []map[string]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []map[string]string
	for _, p := range s.pages {
		if p.Allow == nil || p.Allow(r) {
			out = append(out, map[string]string{"title": p.Title, "url": s.prefix + "pages/" + p.Name + "/"})
		}
	}
	return out
}

func (s *Site) page(c *galvani.Ctx) error {
	s.mu.RLock()
	var p *Page
	for _, x := range s.pages {
		if x.Name == c.Param("page") {
			p = x
		}
	}
	s.mu.RUnlock()
	if p == nil {
		return galvani.Error(http.StatusNotFound, "no such page")
	}
	if p.Allow != nil && !p.Allow(c.Request) {
		return forbidden()
	}
	body, err := p.Render(c)
	if err != nil {
		return err
	}
	if c.Written() {
		return nil
	}
	data := s.context(c, p.Title)
	data["body"] = body
	return c.Render(http.StatusOK, "admin/page.html", data)
}

package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/template"
)

// RegisterAuth registers auth's default User and Group models with site s, like
// Django's UserAdmin and GroupAdmin: users are listed with their staff flags,
// searched by name and e-mail, and created with a username and a password
// typed twice; the password hash is never shown, only its algorithm, with a
// link to a form that sets a new password.
func RegisterAuth(s *Site) {
	Register(s, UserAdmin[auth.User]())
	Register(s, ModelAdmin[auth.Group]{
		ListDisplay:      []string{"name"},
		SearchFields:     []string{"name"},
		Ordering:         []string{"name"},
		FilterHorizontal: []string{"permissions"},
	})
}

// UserAdmin returns the admin options of a user model U (any struct embedding
// auth.AbstractUser): RegisterAuth's for the default User, for projects with
// their own model (admin.Register(site, admin.UserAdmin[shop.Customer]())).
func UserAdmin[U any]() ModelAdmin[U] {
	return ModelAdmin[U]{
		ListDisplay:  []string{"username", "email", "first_name", "last_name", "is_staff"},
		ListFilter:   []string{"is_staff", "is_superuser", "is_active"},
		SearchFields: []string{"username", "first_name", "last_name", "email"},
		Ordering:     []string{"username"},
		Fieldsets: []Fieldset{
			{Fields: []string{"username", "password_summary"}},
			{Name: "Personal info", Fields: []string{"first_name", "last_name", "email"}},
			{Name: "Permissions", Fields: []string{"is_active", "is_staff", "is_superuser", "groups", "user_permissions"},
				Description: "Staff may log in to this site; superusers have every permission without it being granted."},
			{Name: "Important dates", Fields: []string{"last_login", "date_joined"}, Collapse: true},
		},
		ReadonlyFields: []string{"password_summary", "last_login", "date_joined"},
		Columns: []Column[U]{{Name: "password_summary", Label: "Password", Value: func(u *U) any {
			return passwordSummary(any(u).(auth.UserModel).AuthUser())
		}}},
		FilterHorizontal: []string{"groups", "user_permissions"},
		user:             true,
	}
}

// passwordSummary describes a password hash without showing it.
func passwordSummary(u *auth.AbstractUser) template.SafeString {
	what := "No password set."
	switch {
	case u.Password == "":
	case !u.HasUsablePassword():
		what = "No usable password: the account cannot log in with a password."
	default:
		algo, _, _ := strings.Cut(u.Password, "$")
		what = "Algorithm: " + algo + ". The password itself is not stored, only a hash, which is not shown."
	}
	return template.SafeString(template.Escape(what) + ` <a href="../password/">Set a new password</a>`)
}

// userPages are the extra pages of a user model's admin: the add form (username
// and password) and the password form.
func (e *entry[T]) userAdd(c *galvani.Ctx) error {
	return e.userPasswordPage(c, nil)
}

// userPasswordPage creates a user (obj nil) or sets obj's password.
func (e *entry[T]) userPasswordPage(c *galvani.Ctx, obj *T) error {
	r := c.Request
	m := auth.ManagerFrom(r)
	db, err := e.site.db(r)
	if err != nil {
		return err
	}
	adding := obj == nil
	title := fmt.Sprintf("Add %s", verboseName(e.infoCache))
	if !adding {
		title = fmt.Sprintf("Change password: %s", repr(obj))
	}
	data := e.site.context(c, title)
	e.modelData(data, r)
	data["adding"] = adding
	errs := map[string]string{}
	username := ""
	if r.Method == http.MethodPost {
		form, err := c.Form()
		if err != nil {
			return err
		}
		username = strings.TrimSpace(form.Get("username"))
		p1, p2 := form.Get("password1"), form.Get("password2")
		attrs := map[string]string{"username": username}
		if adding {
			if err := auth.ValidateUsername(username); err != nil {
				errs["username"] = "Use at most 150 letters, digits and @ . + - _ for the username."
			}
		} else {
			u := any(obj).(auth.UserModel).AuthUser()
			attrs = map[string]string{"username": u.Username, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName}
		}
		switch {
		case p1 == "":
			errs["password1"] = "Type a password."
		case p1 != p2:
			errs["password2"] = "The two passwords differ."
		default:
			if err := auth.ValidatePassword(p1, attrs, nil); err != nil {
				errs["password1"] = err.Error()
			}
		}
		if len(errs) == 0 {
			if adding {
				obj = new(T)
				u := any(obj).(auth.UserModel)
				u.AuthUser().Username = username
				err = m.CreateUser(r.Context(), db, u, p1)
				if errors.Is(err, auth.ErrUsernameTaken) {
					errs["username"] = "A user with this username exists."
				} else if err != nil {
					return err
				}
			} else {
				u := any(obj).(auth.UserModel)
				if err := u.AuthUser().SetPassword(p1); err != nil {
					return err
				}
				if err := m.SaveUser(r.Context(), db, u, "password"); err != nil {
					return err
				}
				if u.AuthUser().ID == auth.UserFrom(r).ID {
					if err := auth.UpdateSessionAuthHash(r, u); err != nil {
						return err
					}
				}
			}
		}
		if len(errs) == 0 {
			flag, msg := int16(Addition), textMsgAdded
			if !adding {
				flag, msg = Change, "Changed password."
			}
			if err := Log(r.Context(), db, r, e.infoCache, pkString(obj), repr(obj), flag, msg); err != nil {
				return err
			}
			if adding {
				messages.Success(r, fmt.Sprintf(textAddedContinue, verboseName(e.infoCache), repr(obj)))
			} else {
				messages.Success(r, textPasswordSaved)
			}
			return c.Redirect(http.StatusSeeOther, e.site.objectURL(e.infoCache, pkString(obj), "change"))
		}
	}
	data["errors"] = errs
	data["username"] = username
	if obj != nil {
		data["object"] = repr(obj)
		data["object_url"] = e.site.objectURL(e.infoCache, pkString(obj), "change")
	}
	return c.Render(http.StatusOK, "admin/auth/user/password_form.html", data)
}

// password is the <pk>/password/ page of a user model's admin.
func (e *entry[T]) password(c *galvani.Ctx) error {
	if !e.opts.user {
		return galvani.Error(http.StatusNotFound, "no such page")
	}
	db, err := e.site.db(c.Request)
	if err != nil {
		return err
	}
	obj, err := e.object(c, db)
	if err != nil {
		return err
	}
	if !e.canChange(c.Request, obj) {
		return forbidden()
	}
	return e.userPasswordPage(c, obj)
}

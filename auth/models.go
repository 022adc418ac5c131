package auth

import (
	"strings"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// AbstractUser holds the fields and behaviour every user model shares, like
// Django's AbstractUser. The default User is nothing more; a project that needs
// more fields embeds it in its own struct and configures auth with that type:
//
//	type Customer struct {
//		auth.AbstractUser
//		Phone string `orm:"max_length=30,blank"`
//	}
//	orm.MustRegister[Customer]("shop")
//	authApp := auth.New[Customer](auth.Options{})
//
// Every *T whose T embeds AbstractUser is a UserModel. An AbstractUser with ID 0 is
// the anonymous user (UserFrom returns one when nobody is logged in).
type AbstractUser struct {
	orm.Model
	// Username identifies the user at login; unique, at most 150 characters.
	Username string `orm:"unique,max_length=150"`
	// Email is optional; password reset mails go to it, and the ModelBackend
	// accepts it in place of the username.
	Email string `orm:"max_length=254,blank,index"`
	// Password is the encoded hash (algorithm$...), never the password.
	Password  string `orm:"max_length=255"`
	FirstName string `orm:"max_length=150,blank"`
	LastName  string `orm:"max_length=150,blank"`
	// IsActive false disables the account without deleting it: it cannot log in
	// and has no permissions.
	IsActive bool `orm:"default=true"`
	// IsStaff marks users who may use the admin site.
	IsStaff bool `orm:"default=false"`
	// IsSuperuser grants every permission (while the account is active).
	IsSuperuser bool `orm:"default=false"`
	// LastLogin is set by Login; null until the first login.
	LastLogin *time.Time `orm:"null"`
	// DateJoined is when the account was created.
	DateJoined time.Time `orm:"auto_now_add"`
	// Groups the user belongs to; their permissions are the user's too.
	Groups orm.M2M[Group] `orm:"blank"`
	// UserPermissions are permissions granted to this user directly.
	UserPermissions orm.M2M[Permission] `orm:"blank"`

	backend string // the backend that authenticated the user (set by Authenticate)
}

// UserModel is implemented by *AbstractUser, and so by a pointer to any struct that
// embeds it. Every function of this package that takes a user takes a UserModel.
type UserModel interface {
	AuthUser() *AbstractUser
}

// AuthUser returns u itself; through embedding, it gives any user model's common part.
func (u *AbstractUser) AuthUser() *AbstractUser { return u }

// IsAuthenticated reports whether u is a real user, not the anonymous one
// ({{ user.is_authenticated }} in templates).
func (u *AbstractUser) IsAuthenticated() bool { return u != nil && u.ID != 0 }

// IsAnonymous is the opposite of IsAuthenticated.
func (u *AbstractUser) IsAnonymous() bool { return !u.IsAuthenticated() }

// FullName returns the first and last name separated by a space, trimmed.
func (u *AbstractUser) FullName() string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// ShortName returns the first name.
func (u *AbstractUser) ShortName() string { return u.FirstName }

// String returns the username.
func (u *AbstractUser) String() string { return u.Username }

// SetPassword hashes password with DefaultHashers and stores the hash in
// u.Password (not saved: save the user afterwards). It does not validate the
// password; see ValidatePassword.
func (u *AbstractUser) SetPassword(password string) error {
	enc, err := MakePassword(password)
	if err != nil {
		return err
	}
	u.Password = enc
	return nil
}

// SetUnusablePassword marks the account as one that cannot log in with a password
// (for users authenticated elsewhere, e.g. single sign-on).
func (u *AbstractUser) SetUnusablePassword() { u.Password = UnusablePassword() }

// HasUsablePassword reports whether a password login is possible at all.
func (u *AbstractUser) HasUsablePassword() bool { return IsUsable(u.Password) }

// CheckPassword reports whether password matches the stored hash.
func (u *AbstractUser) CheckPassword(password string) bool {
	return CheckPassword(password, u.Password)
}

// NaturalKeyFields names the username as the user's natural key, as Django's
// natural_key: fixtures dumped with --natural-foreign refer to users by it.
func (AbstractUser) NaturalKeyFields() []string { return []string{"username"} }

// attrs are the values UserAttributeSimilarity compares a new password with.
func (u *AbstractUser) attrs() map[string]string {
	return map[string]string{"username": u.Username, "first_name": u.FirstName, "last_name": u.LastName, "email": u.Email}
}

// User is the default user model (table auth_user), Django's auth.User.
type User struct {
	AbstractUser
}

// Group collects users so permissions can be granted to all of them at once
// (table auth_group).
type Group struct {
	orm.Model
	Name        string              `orm:"unique,max_length=150"`
	Permissions orm.M2M[Permission] `orm:"blank"`
}

// Meta orders groups by name.
func (Group) Meta() orm.Meta { return orm.Meta{Ordering: []string{"name"}} }

// String returns the group's name.
func (g Group) String() string { return g.Name }

// NaturalKeyFields names the group's name as its natural key, as Django's.
func (Group) NaturalKeyFields() []string { return []string{"name"} }

// Permission is a named right on a model ("blog.add_article"), Django's
// auth.Permission. App and ModelName identify the model (Django's content type: the
// app label and the lower-case model name); Codename is what code checks.
type Permission struct {
	orm.Model
	// Name is the human-readable name ("Can add article").
	Name string `orm:"max_length=255"`
	// App is the app label of the model ("blog").
	App string `orm:"max_length=100"`
	// ModelName is the lower-case model name ("article").
	ModelName string `orm:"max_length=100"`
	// Codename is the permission's code name ("add_article").
	Codename string `orm:"max_length=100"`
}

// Meta makes (app, model, codename) unique.
func (Permission) Meta() orm.Meta {
	return orm.Meta{
		Ordering:       []string{"app", "model_name", "codename"},
		UniqueTogether: [][]string{{"app", "model_name", "codename"}},
	}
}

// NaturalKeyFields names (codename, app, model_name) as the permission's natural
// key: the values Django's natural key of a permission holds (its codename and
// its content type's app label and model), in the same order.
func (Permission) NaturalKeyFields() []string { return []string{"codename", "app", "model_name"} }

// Key returns "app.codename", the string HasPerm takes.
func (p Permission) Key() string { return p.App + "." + p.Codename }

// String returns "app | model | name", as Django shows permissions.
func (p Permission) String() string { return p.App + " | " + p.ModelName + " | " + p.Name }

// PermissionDef declares a custom permission of a model.
type PermissionDef struct {
	// Codename is checked by code ("publish_article").
	Codename string
	// Name is shown to people ("Can publish articles").
	Name string
}

// CustomPermissionsProvider is implemented by models that declare permissions
// beyond add/change/delete/view (Django's Meta.permissions). The method is on the
// model's value type:
//
//	func (Article) CustomPermissions() []auth.PermissionDef {
//		return []auth.PermissionDef{{Codename: "publish_article", Name: "Can publish articles"}}
//	}
type CustomPermissionsProvider interface {
	CustomPermissions() []PermissionDef
}

// DefaultPermissions are the actions every model gets a permission for.
var DefaultPermissions = []string{"add", "change", "delete", "view"}

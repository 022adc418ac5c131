package auth

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/galvani-web/galvani/orm"
)

// HasPerm reports whether the request's user has perm ("blog.add_article"), through
// any PermissionBackend: directly, through a group, or as an active superuser.
// Anonymous and inactive users have none. Errors (a database down) count as "no".
func HasPerm(r *http.Request, perm string) bool {
	return HasObjectPerm(r, perm, nil)
}

// HasObjectPerm is HasPerm for one object: backends that implement object-level
// rules decide; the ModelBackend grants nothing for a non-nil obj, but an active
// superuser has every permission on every object.
func HasObjectPerm(r *http.Request, perm string, obj any) bool {
	m := ManagerFrom(r)
	if m == nil {
		return false
	}
	ok, err := m.HasPerm(r, CurrentUserModel(r), perm, obj)
	if err != nil {
		m.logger().Error("auth: checking a permission", "perm", perm, "err", err)
		return false
	}
	return ok
}

// HasPerms reports whether the request's user has every one of perms.
func HasPerms(r *http.Request, perms ...string) bool {
	for _, p := range perms {
		if !HasPerm(r, p) {
			return false
		}
	}
	return true
}

// HasPerm reports whether user has perm (on obj, when not nil), asking every
// PermissionBackend. Active superusers have every permission; inactive and
// anonymous users none.
func (m *Manager) HasPerm(r *http.Request, user UserModel, perm string, obj any) (bool, error) {
	u := user.AuthUser()
	if !u.IsAuthenticated() || !u.IsActive {
		return false, nil
	}
	if u.IsSuperuser {
		return true, nil
	}
	for _, b := range m.backends {
		pb, ok := b.(PermissionBackend)
		if !ok {
			continue
		}
		ok, err := pb.HasPerm(r, user, perm, obj)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// permissionSet returns the "app.codename" keys the user holds through the
// database, cached for the request when user is the request's user.
func (m *Manager) permissionSet(r *http.Request, user UserModel) (map[string]bool, error) {
	st := stateOf(r)
	cacheable := st != nil && st.loaded && st.user != nil && st.user.AuthUser() == user.AuthUser()
	if cacheable {
		st.mu.Lock()
		p := st.perms
		st.mu.Unlock()
		if p != nil {
			return p, nil
		}
	}
	db, err := m.DB(r)
	if err != nil {
		return nil, err
	}
	set, err := m.PermissionKeys(r.Context(), db, user)
	if err != nil {
		return nil, err
	}
	if cacheable {
		st.mu.Lock()
		st.perms = set
		st.mu.Unlock()
	}
	return set, nil
}

// PermissionKeys returns the permissions ("app.codename") user holds in the
// database, directly and through groups (superuser status aside).
func (m *Manager) PermissionKeys(ctx context.Context, db *orm.DB, user UserModel) (map[string]bool, error) {
	own, group, err := m.users.permissions(ctx, db, user)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(own)+len(group))
	for _, p := range own {
		set[p.Key()] = true
	}
	for _, p := range group {
		set[p.Key()] = true
	}
	return set, nil
}

// UserGroups returns the manager of user's groups: UserGroups(db, u).Add(ctx, &g).
func (m *Manager) UserGroups(db *orm.DB, user UserModel) orm.RelatedManager[Group] {
	return m.users.groups(context.Background(), db, user)
}

// UserPermissions returns the manager of the permissions granted to user directly.
func (m *Manager) UserPermissions(db *orm.DB, user UserModel) orm.RelatedManager[Permission] {
	return m.users.userPerms(context.Background(), db, user)
}

// GetPermission returns the permission "app.codename".
func GetPermission(ctx context.Context, db *orm.DB, key string) (*Permission, error) {
	app, code, ok := strings.Cut(key, ".")
	if !ok || app == "" || code == "" {
		return nil, fmt.Errorf("auth: permission %q is not of the form app.codename", key)
	}
	return orm.Q[Permission](db).Get(ctx, "app", app, "codename", code)
}

// PermsFor returns the {{ perms }} template value for r: perms.blog is true when
// the user has any permission in app "blog", perms.blog.add_article when they
// have that one. Nothing is queried until a template looks.
func PermsFor(r *http.Request) map[string]any {
	pw := &permWrapper{r: r}
	out := map[string]any{}
	seen := map[string]bool{}
	for _, mi := range orm.Models() {
		if seen[mi.App] {
			continue
		}
		seen[mi.App] = true
		app := mi.App
		out[app] = func() any { return pw.app(app) }
	}
	return out
}

type permWrapper struct {
	r    *http.Request
	once sync.Once
	set  map[string]bool
	su   bool
}

func (p *permWrapper) load() {
	p.once.Do(func() {
		u := CurrentUserModel(p.r)
		au := u.AuthUser()
		if !au.IsAuthenticated() || !au.IsActive {
			return
		}
		if au.IsSuperuser {
			p.su = true
			return
		}
		m := ManagerFrom(p.r)
		if m == nil {
			return
		}
		set, err := m.permissionSet(p.r, u)
		if err != nil {
			m.logger().Error("auth: loading permissions for a template", "err", err)
			return
		}
		p.set = set
	})
}

// appPerms is perms.<app> in templates: codename -> true. An empty map is false
// and a non-empty one true, as {% if perms.blog %} expects.
type appPerms map[string]bool

func (p *permWrapper) app(app string) any {
	p.load()
	out := appPerms{}
	if p.su {
		for _, mi := range orm.Models(app) {
			for _, code := range codenamesOf(mi) {
				out[code.Codename] = true
			}
		}
		return out
	}
	for k := range p.set {
		if a, code, _ := strings.Cut(k, "."); a == app {
			out[code] = true
		}
	}
	return out
}

// codenamesOf lists the default and custom permissions of a model.
func codenamesOf(mi *orm.ModelInfo) []PermissionDef {
	verbose := mi.VerboseName
	if verbose == "" {
		verbose = spaced(mi.Name)
	}
	var out []PermissionDef
	for _, action := range DefaultPermissions {
		out = append(out, PermissionDef{Codename: action + "_" + mi.ModelName, Name: "Can " + action + " " + verbose})
	}
	if cp, ok := zeroOf(mi).(CustomPermissionsProvider); ok {
		out = append(out, cp.CustomPermissions()...)
	}
	return out
}

// spaced turns "BlogPost" into "blog post", Django's default verbose name.
func spaced(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// SyncPermissions creates the missing permissions of models (every registered
// model when none are given): add/change/delete/view and each model's
// CustomPermissions, like Django's create_permissions after migrate. Existing rows
// are left alone (their names are not rewritten); it is safe to run repeatedly. It
// returns the number of permissions created.
func SyncPermissions(ctx context.Context, db *orm.DB, models ...*orm.ModelInfo) (int, error) {
	if len(models) == 0 {
		models = orm.Models()
	}
	existing, err := orm.Q[Permission](db).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("auth: reading permissions: %w", err)
	}
	have := map[string]bool{}
	for _, p := range existing {
		have[p.App+"\x00"+p.ModelName+"\x00"+p.Codename] = true
	}
	var todo []Permission
	for _, mi := range models {
		for _, d := range codenamesOf(mi) {
			k := mi.App + "\x00" + mi.ModelName + "\x00" + d.Codename
			if have[k] {
				continue
			}
			have[k] = true
			name := d.Name
			if len(name) > 255 {
				name = name[:255]
			}
			todo = append(todo, Permission{App: mi.App, ModelName: mi.ModelName, Codename: d.Codename, Name: name})
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	sort.Slice(todo, func(i, j int) bool {
		a, b := todo[i], todo[j]
		return a.App+a.ModelName+a.Codename < b.App+b.ModelName+b.Codename
	})
	if err := orm.BulkCreate(ctx, db, todo); err != nil {
		return 0, fmt.Errorf("auth: creating permissions: %w", err)
	}
	return len(todo), nil
}

func zeroOf(mi *orm.ModelInfo) any { return reflect.New(mi.Type).Elem().Interface() }

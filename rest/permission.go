package rest

import (
	"net/http"

	"github.com/galvani-web/galvani/auth"
)

// Permission decides whether a request may go on, DRF's permission classes.
// A refused anonymous request gets 401 (or 403, see Config.Authentication), a
// refused authenticated one 403 (with Message(), when the permission has it).
type Permission interface {
	HasPermission(r *Request) bool
}

// ObjectPermission is implemented by permissions that also decide per object
// (retrieve, update, destroy and detail actions, through ViewSet.Get).
type ObjectPermission interface {
	Permission
	HasObjectPermission(r *Request, obj any) bool
}

// PermissionFunc makes a Permission of a function.
type PermissionFunc func(r *Request) bool

// HasPermission implements Permission.
func (f PermissionFunc) HasPermission(r *Request) bool { return f(r) }

// ObjectPermissionFunc makes an ObjectPermission of a function checking objects
// (every request passes the view-level check).
type ObjectPermissionFunc func(r *Request, obj any) bool

// HasPermission implements Permission: every request passes.
func (f ObjectPermissionFunc) HasPermission(*Request) bool { return true }

// HasObjectPermission implements ObjectPermission.
func (f ObjectPermissionFunc) HasObjectPermission(r *Request, obj any) bool { return f(r, obj) }

// safeMethod reports GET, HEAD and OPTIONS.
func safeMethod(r *Request) bool {
	switch r.Ctx.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

type allowAny struct{}

func (allowAny) HasPermission(*Request) bool { return true }

type isAuthenticated struct{}

func (isAuthenticated) HasPermission(r *Request) bool { return r.IsAuthenticated() }

type isAdmin struct{}

func (isAdmin) HasPermission(r *Request) bool {
	return r.IsAuthenticated() && r.User.AuthUser().IsStaff
}

type isAuthenticatedOrReadOnly struct{}

func (isAuthenticatedOrReadOnly) HasPermission(r *Request) bool {
	return safeMethod(r) || r.IsAuthenticated()
}

type readOnly struct{}

func (readOnly) HasPermission(r *Request) bool { return safeMethod(r) }

// The built-in permissions.
var (
	// AllowAny lets every request through.
	AllowAny Permission = allowAny{}
	// IsAuthenticated requires an authenticated user.
	IsAuthenticated Permission = isAuthenticated{}
	// IsAdminUser requires a staff user (auth's IsStaff).
	IsAdminUser Permission = isAdmin{}
	// IsAuthenticatedOrReadOnly lets anyone read, and authenticated users write.
	IsAuthenticatedOrReadOnly Permission = isAuthenticatedOrReadOnly{}
	// ReadOnlyAccess allows only safe methods (GET, HEAD, OPTIONS).
	ReadOnlyAccess Permission = readOnly{}
)

// modelPerms maps methods to the auth battery's model permissions, as DRF's
// DjangoModelPermissions does (reading needs none, unless ViewRequired).
func modelPerm(r *Request, view bool) (string, bool) {
	if r.Model == nil {
		return "", false
	}
	action := ""
	switch r.Ctx.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		if !view {
			return "", true
		}
		action = "view"
	case http.MethodPost:
		action = "add"
	case http.MethodPut, http.MethodPatch:
		action = "change"
	case http.MethodDelete:
		action = "delete"
	default:
		return "", false
	}
	return r.Model.App + "." + action + "_" + r.Model.ModelName, true
}

// ModelPermissions requires the auth battery's model permission for the method:
// add_<model> for POST, change_ for PUT and PATCH, delete_ for DELETE (and, with
// View, view_ for reads), granted to the user or a group. Anonymous users get
// none unless AnonRead lets them read. DRF's DjangoModelPermissions.
type ModelPermissions struct {
	// View requires view_<model> for GET, HEAD and OPTIONS too.
	View bool
	// AnonRead lets anonymous users read (DjangoModelPermissionsOrAnonReadOnly).
	AnonRead bool
}

// HasPermission implements Permission.
func (p ModelPermissions) HasPermission(r *Request) bool {
	if p.AnonRead && !r.IsAuthenticated() && safeMethod(r) {
		return true
	}
	if !r.IsAuthenticated() {
		return false
	}
	perm, ok := modelPerm(r, p.View)
	if !ok {
		return false
	}
	if perm == "" {
		return true
	}
	return hasPerm(r, perm, nil)
}

func hasPerm(r *Request, perm string, obj any) bool {
	m := auth.ManagerFrom(r.Ctx.Request)
	if m == nil {
		return false
	}
	ok, err := m.HasPerm(r.Ctx.Request, r.User, perm, obj)
	return err == nil && ok
}

// ObjectPermissions requires the model permission on the object itself, through
// the auth battery's object-permission backends (auth.HasObjectPerm), DRF's
// DjangoObjectPermissions. Without one that grants it, a user who may not read
// the object gets a 404, as if it did not exist; one who may read it but not
// change it, a 403.
type ObjectPermissions struct {
	ModelPermissions
}

// HasObjectPermission implements ObjectPermission.
func (p ObjectPermissions) HasObjectPermission(r *Request, obj any) bool {
	perm, ok := modelPerm(r, true)
	if !ok || !r.IsAuthenticated() {
		return false
	}
	if perm == "" || hasPerm(r, perm, obj) {
		return true
	}
	return false
}

// hidden reports whether a refused object should look missing: the user may not
// even read it (DRF answers 404 then, not 403).
func (p ObjectPermissions) hidden(r *Request, obj any) bool {
	if !r.IsAuthenticated() || r.Model == nil {
		return true
	}
	return !hasPerm(r, r.Model.App+".view_"+r.Model.ModelName, obj)
}

type all []Permission

func (ps all) HasPermission(r *Request) bool {
	for _, p := range ps {
		if !p.HasPermission(r) {
			return false
		}
	}
	return true
}

func (ps all) HasObjectPermission(r *Request, obj any) bool {
	for _, p := range ps {
		if op, ok := p.(ObjectPermission); ok && !op.HasObjectPermission(r, obj) {
			return false
		}
	}
	return true
}

type anyOf []Permission

func (ps anyOf) HasPermission(r *Request) bool {
	for _, p := range ps {
		if p.HasPermission(r) {
			return true
		}
	}
	return false
}

func (ps anyOf) HasObjectPermission(r *Request, obj any) bool {
	for _, p := range ps {
		if !p.HasPermission(r) {
			continue
		}
		op, ok := p.(ObjectPermission)
		if !ok || op.HasObjectPermission(r, obj) {
			return true
		}
	}
	return false
}

type not struct{ p Permission }

func (n not) HasPermission(r *Request) bool { return !n.p.HasPermission(r) }

// And requires every one of ps (DRF's &).
func And(ps ...Permission) ObjectPermission { return all(ps) }

// Or requires one of ps (DRF's |); for objects, one that passes both checks.
func Or(ps ...Permission) ObjectPermission { return anyOf(ps) }

// Not inverts a view-level permission (DRF's ~).
func Not(p Permission) Permission { return not{p} }

package rest

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/galvani-web/galvani/orm"
)

// Actions is a set of the standard actions of a ViewSet.
type Actions uint8

// The standard actions. A ViewSet with Actions zero has them all (DRF's
// ModelViewSet); ReadOnly is DRF's ReadOnlyModelViewSet.
const (
	List Actions = 1 << iota
	Create
	Retrieve
	Update
	PartialUpdate
	Destroy

	ReadOnly   = List | Retrieve
	AllActions = List | Create | Retrieve | Update | PartialUpdate | Destroy
)

// ViewSet answers the standard actions over model T — list and create on
// "/prefix/", retrieve, update, partial update and destroy on "/prefix/{id}/" —
// plus extra actions, DRF's ModelViewSet. Hooks replace each step; the zero value
// of each hook does what DRF does. Register it with API.Register.
type ViewSet[T any] struct {
	// Serializer writes objects and, unless WriteSerializer is set, reads input.
	Serializer Serializer[T]
	// WriteSerializer reads input for create and update; the answer is still
	// written with Serializer (DRF's two-serializer pattern in one field).
	WriteSerializer Serializer[T]
	// Name is the base of route names ("article" gives "article-list" and
	// "article-detail") and of operation IDs; default: the model name in lower case.
	Name string
	// Lookup is the field the detail route names ("id" by default; "slug"...).
	Lookup string
	// Actions restricts the standard actions (zero: all of them).
	Actions Actions
	// Query narrows or extends the base queryset for the request (DRF's
	// get_queryset): filter by the user, select related rows...
	Query func(r *Request, q orm.QuerySet[T]) orm.QuerySet[T]
	// Object, when set, makes a single-object view (no list, no key in the path):
	// the object of the request ("the current user's profile").
	Object func(r *Request) (*T, error)
	// Filters are the field filters the list accepts (?title__icontains=...).
	Filters Filters
	// Search lists the fields ?search= looks in (prefix "^" for starts-with, "="
	// for exact, case-insensitively).
	Search []string
	// Ordering lists the fields ?ordering= may name; DefaultOrdering orders lists
	// when the request does not (else the model's ordering, else the key).
	Ordering, DefaultOrdering []string
	// Pagination pages the list; nil uses the API's; NoPagination turns it off.
	Pagination Paginator
	// Authentication, Permissions and Throttles override the API's when not nil.
	Authentication []Authenticator
	Permissions    []Permission
	Throttles      []Throttle
	// ThrottleScope names the view for ScopedRate.
	ThrottleScope string
	// PerformCreate saves a new, validated object (default: DB.Create).
	PerformCreate func(r *Request, obj *T) error
	// PerformUpdate saves a changed, validated object (default: DB.Save).
	PerformUpdate func(r *Request, obj *T) error
	// PerformDestroy deletes an object (default: DB.Delete).
	PerformDestroy func(r *Request, obj *T) error
	// Extra are extra actions (DRF's @action).
	Extra []Action[T]
	// Description documents the view (OPTIONS, browsable page, OpenAPI).
	Description string
	// Tag groups the view's operations in the OpenAPI document (default: the prefix).
	Tag string

	prefix string
	once   sync.Once
	rel    []string
	pre    []string
	relErr error

	lookupOnce sync.Once
	lookupKind fieldKind // of the lookup field's values, found on the first request
}

// Action is an extra action of a ViewSet (DRF's @action): on the list route
// ("/articles/recent/") or, with Detail, on an object's ("/articles/1/publish/").
type Action[T any] struct {
	// Name names the action: the path segment (unless Path is set), the route name
	// suffix and Request.Action.
	Name string
	// Path is the path segment when it differs from Name.
	Path string
	// Detail puts the action on the detail route; Handle then finds the object
	// with ViewSet.Get.
	Detail bool
	// Methods it answers (default GET).
	Methods []string
	// Handle runs the action.
	Handle func(r *Request, v *ViewSet[T]) error
	// Permissions, when not nil, replace the view's for this action.
	Permissions []Permission
	// Input and Output describe the body and answer for OpenAPI and OPTIONS: Go
	// values whose types are the shapes (nil: none; the view's serializer when
	// UseSerializer is set).
	Input, Output any
	// UseSerializer documents the action's input and answer as the view's objects.
	UseSerializer bool
	// Status is the success status for OpenAPI (default 200).
	Status int
	// Summary documents the action.
	Summary string
}

// Registrar is what API.Register takes: a *ViewSet of any model.
type Registrar interface {
	register(a *API, prefix string)
}

// Register adds a viewset's routes under prefix ("articles"): "<prefix>/" and
// "<prefix>/{lookup}/" with route names "<name>-list" and "<name>-detail", and
// each extra action's route ("<name>-<action>"). A ViewSet with Object set gets the
// one route "<prefix>/" named "<name>".
func (a *API) Register(prefix string, vs Registrar) {
	vs.register(a, strings.Trim(prefix, "/"))
}

func (v *ViewSet[T]) name() string {
	if v.Name != "" {
		return v.Name
	}
	return strings.ToLower(reflect.TypeFor[T]().Name())
}

func (v *ViewSet[T]) lookup() string {
	if v.Lookup != "" {
		return v.Lookup
	}
	return "id"
}

func (v *ViewSet[T]) has(a Actions) bool {
	return v.Actions == 0 || v.Actions&a != 0
}

func (v *ViewSet[T]) writer() Serializer[T] {
	if v.WriteSerializer != nil {
		return v.WriteSerializer
	}
	return v.Serializer
}

func (v *ViewSet[T]) register(a *API, prefix string) {
	if v.Serializer == nil {
		panic(fmt.Sprintf("rest: viewset %q has no Serializer", prefix))
	}
	v.prefix = prefix
	slash := "/"
	if a.cfg.NoTrailingSlash {
		slash = ""
	}
	base := "/" + prefix
	name := v.name()
	newDef := func(path, route string) *viewDef {
		return &viewDef{api: a, path: path, name: route, basename: name, scope: v.ThrottleScope,
			auths: v.Authentication, perms: v.Permissions, throttle: v.Throttles, methods: map[string]*method{},
			doc: v.Description, modelOf: modelInfoOf[T]}
	}
	fields := func() []Field { return v.writer().Describe() }
	if v.Object != nil {
		d := newDef(base+slash, name)
		v.detailMethods(d, fields)
		d.describe = v.describeDetail
		a.add(d)
	} else {
		if v.has(List | Create) {
			d := newDef(base+slash, name+"-list")
			if v.has(List) {
				d.methods["GET"] = &method{action: "list", handle: v.list}
			}
			if v.has(Create) {
				d.methods["POST"] = &method{action: "create", handle: v.create, fields: fields, status: 201}
			}
			d.describe = v.describeList
			a.add(d)
		}
		if v.has(Retrieve | Update | PartialUpdate | Destroy) {
			d := newDef(base+"/{"+v.lookup()+"}"+slash, name+"-detail")
			v.detailMethods(d, fields)
			d.describe = v.describeDetail
			a.add(d)
		}
	}
	for i := range v.Extra {
		act := &v.Extra[i]
		seg := act.Path
		if seg == "" {
			seg = act.Name
		}
		path := base + "/" + seg + slash
		if act.Detail {
			path = base + "/{" + v.lookup() + "}/" + seg + slash
		}
		d := newDef(path, name+"-"+strings.ReplaceAll(act.Name, "_", "-"))
		if act.Permissions != nil {
			d.perms = act.Permissions
		}
		ms := act.Methods
		if len(ms) == 0 {
			ms = []string{"GET"}
		}
		for _, m := range ms {
			h := act.Handle
			d.methods[strings.ToUpper(m)] = &method{action: act.Name, handle: func(r *Request) error { return h(r, v) }, fields: v.actionFields(act)}
		}
		d.describe = func(g *schemaGen, d *viewDef) { v.describeAction(g, d, act) }
		a.add(d)
	}
}

func (v *ViewSet[T]) actionFields(act *Action[T]) func() []Field {
	if act.UseSerializer {
		return func() []Field { return v.writer().Describe() }
	}
	if act.Input != nil {
		t := reflect.TypeOf(act.Input)
		return func() []Field { return structFieldsOf(t) }
	}
	return nil
}

func (v *ViewSet[T]) detailMethods(d *viewDef, fields func() []Field) {
	if v.has(Retrieve) {
		d.methods["GET"] = &method{action: "retrieve", handle: v.retrieve}
	}
	if v.has(Update) {
		d.methods["PUT"] = &method{action: "update", handle: func(r *Request) error { return v.update(r, false) }, fields: fields}
	}
	if v.has(PartialUpdate) {
		d.methods["PATCH"] = &method{action: "partial_update", handle: func(r *Request) error { return v.update(r, true) }, fields: fields}
	}
	if v.has(Destroy) {
		d.methods["DELETE"] = &method{action: "destroy", handle: v.destroy, status: 204}
	}
}

func modelInfoOf[T any]() *orm.ModelInfo {
	m, _ := orm.InfoOf[T]()
	return m
}

// related returns what the serializers write from loaded relations.
func (v *ViewSet[T]) related() ([]string, []string, error) {
	v.once.Do(func() {
		type rel interface {
			Related() ([]string, []string, error)
		}
		for _, s := range []Serializer[T]{v.Serializer} {
			if rs, ok := s.(rel); ok {
				sel, pre, err := rs.Related()
				if err != nil {
					v.relErr = err
					return
				}
				v.rel = append(v.rel, sel...)
				v.pre = append(v.pre, pre...)
			}
		}
	})
	return v.rel, v.pre, v.relErr
}

// QuerySet returns the base queryset of the request: every object, with the
// relations the serializer writes selected, narrowed by Query.
func (v *ViewSet[T]) QuerySet(r *Request) (orm.QuerySet[T], error) {
	db, err := r.DB()
	if err != nil {
		return orm.QuerySet[T]{}, err
	}
	q := orm.Q[T](db)
	sel, pre, err := v.related()
	if err != nil {
		return q, err
	}
	if len(sel) > 0 {
		q = q.SelectRelated(sel...)
	}
	if len(pre) > 0 {
		q = q.PrefetchRelated(pre...)
	}
	if v.Query != nil {
		q = v.Query(r, q)
	}
	return q, q.Err()
}

// Get returns the object the request names (the lookup in the path, or Object),
// after the filters and the object permissions: DRF's get_object. A missing object
// is a 404.
func (v *ViewSet[T]) Get(r *Request) (*T, error) {
	var obj *T
	if v.Object != nil {
		o, err := v.Object(r)
		if err != nil {
			return nil, err
		}
		obj = o
	} else {
		q, err := v.QuerySet(r)
		if err != nil {
			return nil, err
		}
		if q, err = applyFilters(r, v.Filters, q); err != nil {
			return nil, err
		}
		field := v.lookup()
		v.lookupOnce.Do(func() { v.lookupKind = lookupFieldKind(q.Info(), field) })
		val, ok := lookupValue(v.lookupKind, r.Ctx.Param(field))
		if !ok {
			return nil, NotFound()
		}
		o, err := q.Get(r.Context(), field, val)
		if err != nil {
			return nil, err
		}
		obj = o
	}
	if err := r.CheckObject(obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// lookupFieldKind returns the kind of the values of the lookup field (of its
// target's key for a relation); kString, which takes the segment as it is, for a
// name that is not a field.
func lookupFieldKind(m *orm.ModelInfo, field string) fieldKind {
	if field == "pk" {
		field = m.PK.Name
	}
	f, ok := m.Field(field)
	if !ok {
		return kString
	}
	t := f.GoType
	if f.Rel != nil {
		if tm, err := f.Rel.Target(); err == nil {
			t = tm.PK.GoType
		}
	}
	return kindOfType(t)
}

// lookupValue converts a path segment to a value of the lookup field's kind; ok is
// false when it cannot name a row (a 404, not a 400: the path names no resource).
func lookupValue(k fieldKind, raw string) (any, bool) {
	switch k {
	case kInt, kUint:
		if strings.ContainsAny(raw, ".eE+ ") {
			return nil, false
		}
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return n, true // what parseScalar gives, without its detours
		}
		pv, msg := parseScalar(kInt, value{strs: []string{raw}, form: true}, false)
		if msg != "" {
			return nil, false
		}
		return pv.i, true
	case kUUID:
		id, err := orm.ParseUUID(raw)
		return id, err == nil
	}
	return raw, true
}

func (v *ViewSet[T]) list(r *Request) error {
	q, err := v.QuerySet(r)
	if err != nil {
		return err
	}
	if q, err = applyFilters(r, v.Filters, q); err != nil {
		return err
	}
	if q, err = applySearch(r, q, v.Search); err != nil {
		return err
	}
	if q, err = v.applyOrdering(r, q); err != nil {
		return err
	}
	pager := v.Pagination
	if pager == nil && r.API != nil {
		pager = r.API.cfg.Pagination
	}
	if _, off := pager.(noPagination); off {
		pager = nil
	}
	if pager == nil {
		objs, err := q.All(r.Context())
		if err != nil {
			return err
		}
		buf := getBuf()
		defer putBuf(buf)
		b, err := v.Serializer.AppendList(buf.b[:0], r, objs)
		buf.b = b
		if err != nil {
			return err
		}
		return r.Respond(http.StatusOK, b)
	}
	pq, page, err := pager.Paginate(r, typedQuery[T]{q})
	if err != nil {
		return err
	}
	objs, err := pq.(typedQuery[T]).q.All(r.Context())
	if err != nil {
		return err
	}
	order := page.Arrange(objRows[T]{objs: objs, info: q.Info()})
	if len(order) != len(objs) || !isIdentity(order) {
		picked := make([]T, len(order))
		for i, k := range order {
			picked[i] = objs[k]
		}
		objs = picked
	}
	buf := getBuf()
	defer putBuf(buf)
	results, err := v.Serializer.AppendList(buf.b[:0], r, objs)
	buf.b = results
	if err != nil {
		return err
	}
	out := getBuf()
	defer putBuf(out)
	b, err := page.AppendEnvelope(out.b[:0], r, results)
	out.b = b
	if err != nil {
		return err
	}
	return r.Respond(http.StatusOK, b)
}

func isIdentity(order []int) bool {
	for i, k := range order {
		if i != k {
			return false
		}
	}
	return true
}

func (v *ViewSet[T]) retrieve(r *Request) error {
	obj, err := v.Get(r)
	if err != nil {
		return err
	}
	return v.RespondOne(r, http.StatusOK, obj)
}

// RespondOne writes obj with the view's serializer.
func (v *ViewSet[T]) RespondOne(r *Request, status int, obj *T) error {
	buf := getBuf()
	defer putBuf(buf)
	b, err := v.Serializer.AppendOne(buf.b[:0], r, obj)
	buf.b = b
	if err != nil {
		return err
	}
	return r.Respond(status, b)
}

// RespondList writes objs with the view's serializer, unpaginated.
func (v *ViewSet[T]) RespondList(r *Request, status int, objs []T) error {
	buf := getBuf()
	defer putBuf(buf)
	b, err := v.Serializer.AppendList(buf.b[:0], r, objs)
	buf.b = b
	if err != nil {
		return err
	}
	return r.Respond(status, b)
}

func (v *ViewSet[T]) create(r *Request) error {
	obj := new(T)
	if err := v.writer().Decode(r, obj, true, false); err != nil {
		return err
	}
	if err := saveWithM2M(r, obj, func() error {
		return v.perform(r, v.PerformCreate, obj, func(db *orm.DB) error { return db.Create(r.Context(), obj) })
	}); err != nil {
		return err
	}
	return v.RespondOne(r, http.StatusCreated, obj)
}

func (v *ViewSet[T]) update(r *Request, partial bool) error {
	obj, err := v.Get(r)
	if err != nil {
		return err
	}
	if err := v.writer().Decode(r, obj, false, partial); err != nil {
		return err
	}
	if err := saveWithM2M(r, obj, func() error {
		return v.perform(r, v.PerformUpdate, obj, func(db *orm.DB) error { return db.Save(r.Context(), obj) })
	}); err != nil {
		return err
	}
	return v.RespondOne(r, http.StatusOK, obj)
}

func (v *ViewSet[T]) destroy(r *Request) error {
	obj, err := v.Get(r)
	if err != nil {
		return err
	}
	if err := v.perform(r, v.PerformDestroy, obj, func(db *orm.DB) error {
		_, err := db.Delete(r.Context(), obj)
		return err
	}); err != nil {
		return err
	}
	r.Ctx.Response.Header()["Vary"] = varyAccept
	return r.Ctx.NoContent(http.StatusNoContent)
}

// perform runs a hook, or the default, turning a unique violation that slipped
// past the checks (a concurrent write) into a 400.
func (v *ViewSet[T]) perform(r *Request, hook func(*Request, *T) error, obj *T, def func(*orm.DB) error) error {
	var err error
	if hook != nil {
		err = hook(r, obj)
	} else {
		db, dberr := r.DB()
		if dberr != nil {
			return dberr
		}
		err = def(db)
	}
	if err != nil && orm.IsUniqueViolation(err) {
		return Invalid("", "The object conflicts with an existing one.")
	}
	return err
}

func (v *ViewSet[T]) applyOrdering(r *Request, q orm.QuerySet[T]) (orm.QuerySet[T], error) {
	fields, err := orderingFields(r, v.Ordering)
	if err != nil {
		return q, err
	}
	if fields == nil {
		fields = v.DefaultOrdering
	}
	if fields == nil && len(q.Info().Ordering) == 0 {
		fields = []string{q.Info().PK.Name}
	}
	if fields != nil {
		q = q.OrderBy(fields...)
	}
	return q, q.Err()
}

// noPagination is the NoPagination value.
type noPagination struct{ Paginator }

// NoPagination turns pagination off for a view when the API has one.
var NoPagination Paginator = noPagination{}

// ---- the typed query behind PageQuery ----

type typedQuery[T any] struct{ q orm.QuerySet[T] }

func (t typedQuery[T]) Info() *orm.ModelInfo { return t.q.Info() }
func (t typedQuery[T]) Count(r *Request) (int64, error) {
	return t.q.Count(r.Context())
}
func (t typedQuery[T]) Window(offset, limit int) PageQuery {
	q := t.q
	if offset > 0 {
		q = q.Offset(offset)
	}
	return typedQuery[T]{q.Limit(limit)}
}
func (t typedQuery[T]) Where(c orm.Cond) PageQuery    { return typedQuery[T]{t.q.Filter(c)} }
func (t typedQuery[T]) OrderBy(f ...string) PageQuery { return typedQuery[T]{t.q.OrderBy(f...)} }

// objRows gives paginators the field values of fetched objects.
type objRows[T any] struct {
	objs []T
	info *orm.ModelInfo
}

func (o objRows[T]) Len() int { return len(o.objs) }
func (o objRows[T]) Value(i int, field string) any {
	f, ok := o.info.Field(field)
	if !ok {
		return nil
	}
	v := reflect.ValueOf(&o.objs[i]).Elem().FieldByName(f.GoName)
	if kr, ok := v.Addr().Interface().(interface{ Key() any }); ok && f.Rel != nil {
		return kr.Key()
	}
	return v.Interface()
}

// ---- buffers ----

type buffer struct{ b []byte }

var bufPool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, 4096)} }}

func getBuf() *buffer { return bufPool.Get().(*buffer) }

func putBuf(b *buffer) {
	if cap(b.b) > 256<<10 {
		return
	}
	bufPool.Put(b)
}

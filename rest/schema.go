package rest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest/openapi"
)

// Schema returns the API's OpenAPI 3.1 document, generated from its views: the
// serializers' fields and the endpoints' Go types are the schemas, the filters,
// search, ordering and pagination the parameters, the authenticators the security
// schemes. It is built once, on first use (after the models are registered).
func (a *API) Schema() (*openapi.Document, error) {
	a.schemaOnce.Do(func() { a.schema, a.schemaErr = a.buildSchema() })
	return a.schema, a.schemaErr
}

// schemaGen collects a document's components while its operations are built.
type schemaGen struct {
	api     *API
	doc     *openapi.Document
	names   map[string]reflect.Type // component name -> Go type (or nil for model schemas)
	byType  map[reflect.Type]string
	models  map[*modelPlan]map[string]string
	opIDs   map[string]bool
	err     error
	secUsed map[string]bool
}

func (a *API) buildSchema() (doc *openapi.Document, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("rest: building the OpenAPI document: %v", v)
		}
	}()
	doc = &openapi.Document{OpenAPI: openapi.Version, Info: a.cfg.Info, Servers: a.cfg.Servers,
		Paths: map[string]*openapi.PathItem{}, Components: &openapi.Components{Schemas: map[string]*openapi.Schema{}, SecuritySchemes: map[string]*openapi.SecurityScheme{}}}
	g := &schemaGen{api: a, doc: doc, names: map[string]reflect.Type{}, byType: map[reflect.Type]string{},
		models: map[*modelPlan]map[string]string{}, opIDs: map[string]bool{}, secUsed: map[string]bool{}}
	tags := map[string]bool{}
	for _, d := range a.views {
		if d.describe == nil {
			continue
		}
		d.describe(g, d)
		if g.err != nil {
			return nil, g.err
		}
	}
	for _, pi := range doc.Paths {
		for _, op := range pi.Operations() {
			for _, t := range op.Tags {
				tags[t] = true
			}
		}
	}
	for _, t := range sortedKeys(tags) {
		doc.Tags = append(doc.Tags, openapi.Tag{Name: t})
	}
	if len(doc.Components.SecuritySchemes) == 0 {
		doc.Components.SecuritySchemes = nil
	}
	return doc, nil
}

// fullPath is the OpenAPI path of a view: the API prefix and the pattern, with
// converters dropped ("{id:int}" is "{id}").
func (g *schemaGen) fullPath(d *viewDef) string {
	p := g.api.prefix + d.path
	return convRE.ReplaceAllString(p, "{$1}")
}

var convRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+|\.\.\.)?\}`)

func (g *schemaGen) pathItem(d *viewDef) *openapi.PathItem {
	p := g.fullPath(d)
	pi := g.doc.Paths[p]
	if pi == nil {
		pi = &openapi.PathItem{}
		g.doc.Paths[p] = pi
	}
	return pi
}

func (g *schemaGen) opID(id string) string {
	base, n := id, 2
	for g.opIDs[id] {
		id = base + "_" + strconv.Itoa(n)
		n++
	}
	g.opIDs[id] = true
	return id
}

// componentName turns a Go type name into a valid, unique component name.
func (g *schemaGen) componentName(name string, t reflect.Type) string {
	name = strings.NewReplacer("[", "_", "]", "", "*", "", ",", "_", "/", "_", " ", "").Replace(name)
	name = regexp.MustCompile(`[^A-Za-z0-9._-]`).ReplaceAllString(name, "")
	if i := strings.LastIndex(name, "."); i >= 0 && strings.Contains(name, "_") {
		name = name[i+1:]
	}
	if name == "" {
		name = "Object"
	}
	base, n := name, 2
	for {
		prev, taken := g.names[name]
		if !taken || (t != nil && prev == t) {
			break
		}
		name = base + strconv.Itoa(n)
		n++
	}
	g.names[name] = t
	return name
}

// ---- schemas of Go types ----

var (
	timeType    = reflect.TypeFor[time.Time]()
	rawJSONType = reflect.TypeFor[json.RawMessage]()
)

// typeSchema returns the schema of Go type t, components for named structs.
func (g *schemaGen) typeSchema(t reflect.Type) *openapi.Schema {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	if t.Kind() == reflect.Struct && t.PkgPath() == "github.com/galvani-web/galvani/orm" {
		switch {
		case strings.HasPrefix(t.Name(), "Null["):
			vf, _ := t.FieldByName("V")
			return g.typeSchema(vf.Type).Nullable()
		case strings.HasPrefix(t.Name(), "FK[") || strings.HasPrefix(t.Name(), "OneToOne["):
			return (&openapi.Schema{Type: "integer"}).Nullable()
		case strings.HasPrefix(t.Name(), "M2M["):
			return &openapi.Schema{Type: "array", Items: &openapi.Schema{Type: "integer"}}
		}
	}
	s := g.baseSchema(t)
	if nullable {
		return s.Nullable()
	}
	return s
}

func (g *schemaGen) baseSchema(t reflect.Type) *openapi.Schema {
	switch t {
	case timeType:
		return &openapi.Schema{Type: "string", Format: "date-time"}
	case reflect.TypeFor[orm.Decimal]():
		return &openapi.Schema{Type: "string", Format: "decimal", Pattern: `^-?\d+(\.\d+)?$`}
	case reflect.TypeFor[orm.UUID]():
		return &openapi.Schema{Type: "string", Format: "uuid"}
	case rawJSONType:
		return &openapi.Schema{}
	case reflect.TypeFor[[]byte]():
		return &openapi.Schema{Type: "string", ContentEncoding: "base64"}
	}
	switch t.Kind() {
	case reflect.String:
		return &openapi.Schema{Type: "string"}
	case reflect.Bool:
		return &openapi.Schema{Type: "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return &openapi.Schema{Type: "integer", Format: "int32"}
	case reflect.Int, reflect.Int64:
		return &openapi.Schema{Type: "integer", Format: "int64"}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64:
		return &openapi.Schema{Type: "integer", Minimum: ptrF(0)}
	case reflect.Float32:
		return &openapi.Schema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &openapi.Schema{Type: "number", Format: "double"}
	case reflect.Slice, reflect.Array:
		return &openapi.Schema{Type: "array", Items: g.typeSchema(t.Elem())}
	case reflect.Map:
		return &openapi.Schema{Type: "object", AdditionalProperties: g.typeSchema(t.Elem())}
	case reflect.Interface:
		return &openapi.Schema{}
	case reflect.Struct:
		if implementsUnmarshal(t) {
			return &openapi.Schema{Type: "string"}
		}
		if t.Name() == "" {
			return g.structSchema(t, false)
		}
		if name, ok := g.byType[t]; ok {
			return openapi.Ref(name)
		}
		name := g.componentName(t.Name(), t)
		g.byType[t] = name
		g.doc.Components.Schemas[name] = &openapi.Schema{} // placeholder for recursion
		g.doc.Components.Schemas[name] = g.structSchema(t, false)
		return openapi.Ref(name)
	}
	return &openapi.Schema{}
}

// structSchema is the object schema of a struct's body fields.
func (g *schemaGen) structSchema(t reflect.Type, write bool) *openapi.Schema {
	p, err := planFor(t)
	if err != nil {
		g.err = err
		return &openapi.Schema{Type: "object"}
	}
	s := &openapi.Schema{Type: "object"}
	for _, f := range p.fields {
		if write && f.ReadOnly || !write && f.WriteOnly {
			continue
		}
		s.SetProperty(f.Name, g.sfieldSchema(f), f.Required)
	}
	if len(p.fields) == 0 {
		s.Properties = nil
	}
	return s
}

func (g *schemaGen) sfieldSchema(f *sfield) *openapi.Schema {
	var s *openapi.Schema
	switch {
	case f.nested != nil:
		s = g.typeSchema(f.elem)
	case f.list:
		s = &openapi.Schema{Type: "array", Items: g.sfieldSchema(f.item)}
		if f.MaxLength > 0 {
			s.MaxItems = ptrI(f.MaxLength)
		}
		if f.MinLength > 0 {
			s.MinItems = ptrI(f.MinLength)
		}
	default:
		s = g.typeSchema(f.elem)
		g.applyRules(s, &f.Field)
		if f.email {
			s.Format = "email"
		}
		if f.url {
			s.Format = "uri"
		}
		if f.pattern != nil {
			s.Pattern = f.pattern.String()
		}
		if f.hasDef {
			s.Default = defaultValue(f.kind, f.def)
		}
	}
	if f.doc != "" {
		s = withDescription(s, f.doc)
	}
	if f.ptr || f.AllowNull {
		s = s.Nullable()
	}
	return s
}

func defaultValue(k fieldKind, def string) any {
	switch k {
	case kInt, kUint:
		if n, err := strconv.ParseInt(def, 10, 64); err == nil {
			return n
		}
	case kFloat:
		if x, err := strconv.ParseFloat(def, 64); err == nil {
			return x
		}
	case kBool:
		return def == "true" || def == "1"
	}
	return def
}

func withDescription(s *openapi.Schema, d string) *openapi.Schema {
	if s.Ref != "" {
		return &openapi.Schema{OneOf: []*openapi.Schema{s}, Description: d}
	}
	c := *s
	c.Description = d
	return &c
}

func ptrI(n int) *int { return &n }

// applyRules adds a field's bounds and choices to its schema.
func (g *schemaGen) applyRules(s *openapi.Schema, f *Field) {
	if s.Ref != "" {
		return
	}
	if f.MaxLength > 0 {
		s.MaxLength = ptrI(f.MaxLength)
	}
	if f.MinLength > 0 {
		s.MinLength = ptrI(f.MinLength)
	} else if !f.AllowBlank && s.Type == "string" && s.Format == "" && f.Type != "choice" {
		s.MinLength = ptrI(1)
	}
	if f.Min != nil {
		s.Minimum = f.Min
	}
	if f.Max != nil {
		s.Maximum = f.Max
	}
	if len(f.Choices) > 0 {
		for _, c := range f.Choices {
			if s.Type == "integer" {
				if n, err := strconv.ParseInt(c.Value, 10, 64); err == nil {
					s.Enum = append(s.Enum, n)
					continue
				}
			}
			s.Enum = append(s.Enum, c.Value)
		}
	}
}

// ---- schemas of model serializers ----

// modelSchema returns a reference to the component of a model serializer's plan:
// its output ("Article"), its input ("ArticleRequest") or its partial input
// ("PatchedArticleRequest").
func (g *schemaGen) modelSchema(p *modelPlan, mode string) *openapi.Schema {
	if g.models[p] == nil {
		g.models[p] = map[string]string{}
	}
	if name, ok := g.models[p][mode]; ok {
		return openapi.Ref(name)
	}
	base := p.name
	switch mode {
	case "write":
		base += "Request"
	case "patch":
		base = "Patched" + base + "Request"
	}
	name := g.componentName(base, nil)
	g.models[p][mode] = name
	s := &openapi.Schema{Type: "object"}
	g.doc.Components.Schemas[name] = s
	for _, mf := range p.fields {
		if mode == "read" && mf.WriteOnly || mode != "read" && mf.ReadOnly {
			continue
		}
		fs := g.mfieldSchema(mf, mode)
		required := mf.Required
		if mode == "read" {
			required = true
		}
		if mode == "patch" {
			required = false
		}
		s.SetProperty(mf.Name, fs, required)
	}
	return openapi.Ref(name)
}

func (g *schemaGen) mfieldSchema(mf *mfield, mode string) *openapi.Schema {
	var s *openapi.Schema
	switch {
	case mf.computed:
		s = g.typeSchema(mf.ctype)
		s = withReadOnly(s)
	case mf.kind == kM2M:
		item := g.typeSchema(mf.target.PK.GoType)
		if mf.slug != "" {
			sf, _ := mf.target.Field(mf.slug)
			item = g.typeSchema(sf.GoType)
		}
		s = &openapi.Schema{Type: "array", Items: item}
	case mf.kind == kRel:
		if mf.nested != nil && mode == "read" {
			s = g.modelSchema(mf.nplan, "read")
		} else if mf.slug != "" {
			sf, _ := mf.target.Field(mf.slug)
			s = g.typeSchema(sf.GoType)
		} else {
			s = g.typeSchema(mf.target.PK.GoType)
		}
		if mf.AllowNull {
			s = s.Nullable()
		}
	default:
		t := mf.elem
		s = g.typeSchema(t)
		if mf.date {
			s = &openapi.Schema{Type: "string", Format: "date"}
		}
		if mode != "read" {
			g.applyRules(s, &mf.Field)
		} else if mf.MaxLength > 0 {
			s.MaxLength = ptrI(mf.MaxLength)
		}
		if len(mf.Choices) > 0 && mode == "read" {
			g.applyRules(s, &Field{Choices: mf.Choices, AllowBlank: true})
		}
		if mf.AllowNull {
			s = s.Nullable()
		}
	}
	if mf.ReadOnly && mode == "read" {
		s = withReadOnly(s)
	}
	if mf.Help != "" {
		s = withDescription(s, mf.Help)
	}
	return s
}

func withReadOnly(s *openapi.Schema) *openapi.Schema {
	if s.Ref != "" {
		return &openapi.Schema{OneOf: []*openapi.Schema{s}, ReadOnly: true}
	}
	c := *s
	c.ReadOnly = true
	return &c
}

// serializerSchema describes a serializer for mode "read", "write" or "patch".
func (g *schemaGen) serializerSchema(s any, t reflect.Type, mode string) *openapi.Schema {
	type planner interface{ compiled() (*modelPlan, error) }
	if ms, ok := s.(planner); ok {
		p, err := ms.compiled()
		if err != nil {
			g.err = err
			return &openapi.Schema{}
		}
		return g.modelSchema(p, mode)
	}
	if mode == "read" {
		return g.typeSchema(t)
	}
	return g.structSchema(t, true)
}

// ---- operations ----

func jsonContent(s *openapi.Schema) map[string]*openapi.MediaType {
	return map[string]*openapi.MediaType{"application/json": {Schema: s}}
}

func bodyContent(s *openapi.Schema) map[string]*openapi.MediaType {
	return map[string]*openapi.MediaType{
		"application/json":                  {Schema: s},
		"application/x-www-form-urlencoded": {Schema: s},
		"multipart/form-data":               {Schema: s},
	}
}

// errorSchema is the component of 4xx bodies: the API's own (Config.ErrorSchema),
// DRF's {"detail"} and field maps, or RFC 9457 problems.
func (g *schemaGen) errorSchema(validation bool) *openapi.Schema {
	if g.api.cfg.ErrorSchema != nil {
		if _, ok := g.doc.Components.Schemas["Error"]; !ok {
			g.doc.Components.Schemas["Error"] = g.api.cfg.ErrorSchema
		}
		return openapi.Ref("Error")
	}
	if g.api.cfg.Errors == ProblemErrors {
		if _, ok := g.doc.Components.Schemas["Problem"]; !ok {
			p := &openapi.Schema{Type: "object", Description: "RFC 9457 problem details."}
			p.SetProperty("type", &openapi.Schema{Type: "string"}, true)
			p.SetProperty("title", &openapi.Schema{Type: "string"}, true)
			p.SetProperty("status", &openapi.Schema{Type: "integer"}, true)
			p.SetProperty("detail", &openapi.Schema{Type: "string"}, true)
			p.SetProperty("errors", &openapi.Schema{Type: "object", AdditionalProperties: &openapi.Schema{}}, false)
			g.doc.Components.Schemas["Problem"] = p
		}
		return openapi.Ref("Problem")
	}
	if validation {
		if _, ok := g.doc.Components.Schemas["ValidationError"]; !ok {
			g.doc.Components.Schemas["ValidationError"] = &openapi.Schema{Type: "object",
				Description:          "Messages by field (nested objects nest; non_field_errors is about the input as a whole).",
				AdditionalProperties: &openapi.Schema{AnyOf: []*openapi.Schema{{Type: "array", Items: &openapi.Schema{Type: "string"}}, {Type: "object"}}}}
		}
		return openapi.Ref("ValidationError")
	}
	if _, ok := g.doc.Components.Schemas["Error"]; !ok {
		e := &openapi.Schema{Type: "object"}
		e.SetProperty("detail", &openapi.Schema{Type: "string"}, true)
		e.SetProperty("code", &openapi.Schema{Type: "string"}, false)
		g.doc.Components.Schemas["Error"] = e
	}
	return openapi.Ref("Error")
}

func (g *schemaGen) errorResponse(status int, validation bool) *openapi.Response {
	ctype := "application/json"
	if g.api.cfg.Errors == ProblemErrors && g.api.cfg.ErrorSchema == nil {
		ctype = "application/problem+json"
	}
	desc := map[int]string{400: "Invalid input", 401: "Not authenticated", 403: "Permission denied", 404: "Not found",
		405: "Method not allowed", 406: "Not acceptable", 409: "Conflict", 413: "Request too large", 415: "Unsupported media type",
		422: "Invalid input", 429: "Throttled"}[status]
	if desc == "" {
		desc = "Error"
	}
	r := &openapi.Response{Description: desc, Content: map[string]*openapi.MediaType{ctype: {Schema: g.errorSchema(validation)}}}
	if status == 429 {
		r.Headers = map[string]*openapi.Header{"Retry-After": {Description: "Seconds until the request may be retried.", Schema: &openapi.Schema{Type: "integer"}}}
	}
	if status == 401 {
		r.Headers = map[string]*openapi.Header{"WWW-Authenticate": {Description: "The authentication challenge.", Schema: &openapi.Schema{Type: "string"}}}
	}
	return r
}

// policyOp fills the security requirement and the policy's error responses.
func (g *schemaGen) policyOp(op *openapi.Operation, d *viewDef, method string) {
	auths, perms, thr := d.policy(strings.ToUpper(method))
	var reqs []openapi.SecurityRequirement
	for _, au := range auths {
		if ss, ok := au.(SecuritySchemer); ok {
			name, scheme := ss.SecurityScheme()
			g.doc.Components.SecuritySchemes[name] = scheme
			reqs = append(reqs, openapi.SecurityRequirement{name: {}})
		}
	}
	anon := anonymousAllowed(perms, method)
	if anon && len(reqs) > 0 {
		reqs = append(reqs, openapi.SecurityRequirement{})
	}
	op.Security = reqs
	if !anon {
		if len(auths) > 0 {
			if _, ok := auths[0].(Challenger); ok {
				op.Responses["401"] = g.errorResponse(401, false)
			}
		}
		op.Responses["403"] = g.errorResponse(403, false)
	} else if len(perms) > 0 && !allAllowAny(perms) {
		op.Responses["403"] = g.errorResponse(403, false)
	}
	if len(thr) > 0 {
		op.Responses["429"] = g.errorResponse(429, false)
	}
}

func allAllowAny(perms []Permission) bool {
	for _, p := range perms {
		if p != AllowAny {
			return false
		}
	}
	return true
}

// anonymousAllowed reports whether the built-in permissions let an anonymous
// request with method through (unknown permissions are assumed to).
func anonymousAllowed(perms []Permission, method string) bool {
	safe := method == "GET" || method == "HEAD" || method == "OPTIONS"
	for _, p := range perms {
		switch x := p.(type) {
		case isAuthenticated, isAdmin:
			return false
		case isAuthenticatedOrReadOnly:
			if !safe {
				return false
			}
		case ModelPermissions:
			if !(x.AnonRead && safe) {
				return false
			}
		case ObjectPermissions:
			if !(x.AnonRead && safe) {
				return false
			}
		}
	}
	return true
}

func (g *schemaGen) newOp(id, tag, summary, desc string) *openapi.Operation {
	op := &openapi.Operation{OperationID: g.opID(id), Summary: summary, Description: desc, Responses: map[string]*openapi.Response{}}
	if tag != "" {
		op.Tags = []string{tag}
	}
	return op
}

// endpointOp describes a typed endpoint.
func (g *schemaGen) endpointOp(d *viewDef, m string, e *Endpoint, name string) {
	tag := ""
	if len(e.tags) > 0 {
		tag = e.tags[0]
	} else if segs := strings.Split(strings.Trim(d.path, "/"), "/"); len(segs) > 0 {
		tag = segs[0]
	}
	op := g.newOp(name, tag, e.summary, e.description)
	if len(e.tags) > 1 {
		op.Tags = e.tags
	}
	p, err := planFor(e.in)
	if err != nil {
		g.err = err
		return
	}
	for _, f := range p.path {
		op.Parameters = append(op.Parameters, &openapi.Parameter{Name: f.Name, In: "path", Required: true, Description: f.doc, Schema: g.typeSchema(f.elem)})
	}
	for _, f := range p.query {
		s := g.sfieldSchema(f)
		op.Parameters = append(op.Parameters, &openapi.Parameter{Name: f.Name, In: "query", Required: f.Required, Description: f.doc, Schema: s})
	}
	validation := len(p.query) > 0
	if hasBody(m) && len(p.fields) > 0 {
		var s *openapi.Schema
		if e.in.Name() != "" {
			name := g.componentName(e.in.Name(), e.in)
			if _, done := g.doc.Components.Schemas[name]; !done {
				g.doc.Components.Schemas[name] = g.structSchema(e.in, true)
			}
			s = openapi.Ref(name)
		} else {
			s = g.structSchema(e.in, true)
		}
		op.RequestBody = &openapi.RequestBody{Required: true, Content: bodyContent(s)}
		validation = true
	}
	if e.status == 204 {
		op.Responses["204"] = &openapi.Response{Description: "No content"}
	} else {
		op.Responses[strconv.Itoa(e.status)] = &openapi.Response{Description: "Success", Content: jsonContent(g.typeSchema(e.out))}
	}
	if validation {
		op.Responses[strconv.Itoa(g.api.cfg.ValidationStatus)] = g.errorResponse(g.api.cfg.ValidationStatus, true)
	}
	if len(p.path) > 0 {
		op.Responses["404"] = g.errorResponse(404, false)
	}
	for _, st := range e.errors {
		if _, ok := op.Responses[strconv.Itoa(st)]; !ok {
			op.Responses[strconv.Itoa(st)] = g.errorResponse(st, st == 400 || st == 422)
		}
	}
	g.policyOp(op, d, m)
	g.pathItem(d).Set(m, op)
}

// describeList describes a viewset's list route.
func (v *ViewSet[T]) describeList(g *schemaGen, d *viewDef) {
	tag := v.tag()
	read := g.serializerSchema(v.Serializer, reflect.TypeFor[T](), "read")
	if v.has(List) {
		op := g.newOp(v.name()+"_list", tag, "List "+v.plural(), v.Description)
		info, err := orm.InfoOf[T]()
		if err != nil {
			g.err = err
			return
		}
		params, err := v.Filters.Params(info)
		if err != nil {
			g.err = err
			return
		}
		for _, p := range params {
			s := g.filterSchema(p)
			op.Parameters = append(op.Parameters, &openapi.Parameter{Name: p.Name, In: "query", Schema: s,
				Description: fmt.Sprintf("Filter by %s (%s).", strings.ReplaceAll(p.Path, "__", "."), p.Lookup)})
		}
		if len(v.Search) > 0 {
			op.Parameters = append(op.Parameters, &openapi.Parameter{Name: "search", In: "query", Description: "A search term.", Schema: &openapi.Schema{Type: "string"}})
		}
		if len(v.Ordering) > 0 {
			var enum []any
			for _, o := range v.Ordering {
				enum = append(enum, o, "-"+o)
			}
			op.Parameters = append(op.Parameters, &openapi.Parameter{Name: "ordering", In: "query",
				Description: "Which fields to order the results by, comma-separated (\"-\" for descending): " + strings.Join(v.Ordering, ", ") + ".",
				Schema:      &openapi.Schema{Type: "string"}})
			_ = enum
		}
		pager := v.Pagination
		if pager == nil {
			pager = g.api.cfg.Pagination
		}
		if _, off := pager.(noPagination); off {
			pager = nil
		}
		var body *openapi.Schema
		if pager != nil {
			op.Parameters = append(op.Parameters, pager.Parameters()...)
			env := pager.Envelope(read)
			name := g.componentName("Paginated"+strings.TrimPrefix(read.Ref, "#/components/schemas/")+"List", nil)
			g.doc.Components.Schemas[name] = env
			body = openapi.Ref(name)
			if _, isPN := pager.(PageNumber); isPN {
				op.Responses["404"] = g.errorResponse(404, false)
			}
			if _, isC := pager.(Cursor); isC {
				op.Responses["404"] = g.errorResponse(404, false)
			}
		} else {
			body = &openapi.Schema{Type: "array", Items: read}
		}
		op.Responses["200"] = &openapi.Response{Description: "Success", Content: jsonContent(body)}
		if len(params) > 0 || len(v.Ordering) > 0 {
			op.Responses["400"] = g.errorResponse(400, true)
		}
		g.policyOp(op, d, "GET")
		g.pathItem(d).Get = op
	}
	if v.has(Create) {
		op := g.newOp(v.name()+"_create", tag, "Create "+v.singular(), v.Description)
		write := g.serializerSchema(v.writer(), reflect.TypeFor[T](), "write")
		op.RequestBody = &openapi.RequestBody{Required: true, Content: bodyContent(write)}
		op.Responses["201"] = &openapi.Response{Description: "Created", Content: jsonContent(read)}
		vs := strconv.Itoa(g.api.cfg.ValidationStatus)
		op.Responses[vs] = g.errorResponse(g.api.cfg.ValidationStatus, true)
		g.policyOp(op, d, "POST")
		g.pathItem(d).Post = op
	}
}

func (g *schemaGen) filterSchema(p FilterParam) *openapi.Schema {
	switch p.Lookup {
	case "isnull":
		return &openapi.Schema{Type: "boolean"}
	case "in", "range":
		return &openapi.Schema{Type: "string", Description: "Comma-separated values."}
	case "year", "month", "day":
		return &openapi.Schema{Type: "integer"}
	case "date":
		return &openapi.Schema{Type: "string", Format: "date"}
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "iexact":
		return &openapi.Schema{Type: "string"}
	}
	t := p.Field.GoType
	if p.Field.Rel != nil {
		if tm, err := p.Field.Rel.Target(); err == nil {
			t = tm.PK.GoType
		}
	}
	s := g.typeSchema(t)
	if s.Ref != "" || s.OneOf != nil {
		return &openapi.Schema{Type: "string"}
	}
	c := *s
	c.Type = firstType(s.Type)
	return &c
}

func firstType(t any) any {
	if ts, ok := t.([]string); ok && len(ts) > 0 {
		return ts[0]
	}
	return t
}

func (v *ViewSet[T]) tag() string {
	if v.Tag != "" {
		return v.Tag
	}
	if v.prefix != "" {
		return strings.Split(v.prefix, "/")[0]
	}
	return v.name()
}

func (v *ViewSet[T]) singular() string {
	if m, err := orm.InfoOf[T](); err == nil && m.VerboseName != "" {
		return m.VerboseName
	}
	return v.name()
}

func (v *ViewSet[T]) plural() string {
	if m, err := orm.InfoOf[T](); err == nil && m.VerboseNamePlural != "" {
		return m.VerboseNamePlural
	}
	return v.name() + "s"
}

// describeDetail describes a viewset's detail route (or its single-object route).
func (v *ViewSet[T]) describeDetail(g *schemaGen, d *viewDef) {
	tag := v.tag()
	read := g.serializerSchema(v.Serializer, reflect.TypeFor[T](), "read")
	var params []*openapi.Parameter
	if v.Object == nil {
		info, err := orm.InfoOf[T]()
		if err != nil {
			g.err = err
			return
		}
		field := v.lookup()
		s := &openapi.Schema{Type: "string"}
		if f, ok := info.Field(field); ok {
			s = g.typeSchema(f.GoType)
			if s.Ref != "" || s.OneOf != nil {
				s = &openapi.Schema{Type: "string"}
			} else {
				c := *s
				c.Type = firstType(s.Type)
				s = &c
			}
		} else if field == "pk" {
			s = g.typeSchema(info.PK.GoType)
		}
		params = []*openapi.Parameter{{Name: field, In: "path", Required: true, Schema: s,
			Description: fmt.Sprintf("The %s identifying the %s.", field, v.singular())}}
	}
	sfx := "_retrieve"
	if v.Object != nil {
		sfx = ""
	}
	add := func(m, action, summary string, op *openapi.Operation) {
		op.Parameters = params
		if v.Object == nil {
			op.Responses["404"] = g.errorResponse(404, false)
		}
		g.policyOp(op, d, m)
		g.pathItem(d).Set(m, op)
		_ = action
	}
	if v.has(Retrieve) {
		op := g.newOp(v.name()+sfx, tag, "Retrieve "+v.singular(), v.Description)
		if v.Object != nil {
			op.OperationID = g.opID(v.name() + "_retrieve")
		}
		op.Responses["200"] = &openapi.Response{Description: "Success", Content: jsonContent(read)}
		add("GET", "retrieve", "", op)
	}
	vs := strconv.Itoa(g.api.cfg.ValidationStatus)
	if v.has(Update) {
		op := g.newOp(v.name()+"_update", tag, "Update "+v.singular(), v.Description)
		op.RequestBody = &openapi.RequestBody{Required: true, Content: bodyContent(g.serializerSchema(v.writer(), reflect.TypeFor[T](), "write"))}
		op.Responses["200"] = &openapi.Response{Description: "Success", Content: jsonContent(read)}
		op.Responses[vs] = g.errorResponse(g.api.cfg.ValidationStatus, true)
		add("PUT", "update", "", op)
	}
	if v.has(PartialUpdate) {
		op := g.newOp(v.name()+"_partial_update", tag, "Partially update "+v.singular(), v.Description)
		op.RequestBody = &openapi.RequestBody{Content: bodyContent(g.serializerSchema(v.writer(), reflect.TypeFor[T](), "patch"))}
		op.Responses["200"] = &openapi.Response{Description: "Success", Content: jsonContent(read)}
		op.Responses[vs] = g.errorResponse(g.api.cfg.ValidationStatus, true)
		add("PATCH", "partial_update", "", op)
	}
	if v.has(Destroy) {
		op := g.newOp(v.name()+"_destroy", tag, "Delete "+v.singular(), v.Description)
		op.Responses["204"] = &openapi.Response{Description: "Deleted"}
		add("DELETE", "destroy", "", op)
	}
}

// describeAction describes an extra action.
func (v *ViewSet[T]) describeAction(g *schemaGen, d *viewDef, act *Action[T]) {
	ms := act.Methods
	if len(ms) == 0 {
		ms = []string{"GET"}
	}
	read := g.serializerSchema(v.Serializer, reflect.TypeFor[T](), "read")
	for _, m := range ms {
		m = strings.ToUpper(m)
		id := v.name() + "_" + act.Name
		if len(ms) > 1 {
			id += "_" + strings.ToLower(m)
		}
		op := g.newOp(id, v.tag(), act.Summary, "")
		if act.Detail {
			info, _ := orm.InfoOf[T]()
			s := &openapi.Schema{Type: "string"}
			if info != nil {
				if f, ok := info.Field(v.lookup()); ok {
					s = g.typeSchema(f.GoType)
					if s.Ref != "" || s.OneOf != nil {
						s = &openapi.Schema{Type: "string"}
					}
				}
			}
			op.Parameters = []*openapi.Parameter{{Name: v.lookup(), In: "path", Required: true, Schema: s}}
			op.Responses["404"] = g.errorResponse(404, false)
		}
		status := act.Status
		if status == 0 {
			status = 200
		}
		switch {
		case act.UseSerializer:
			if hasBody(m) {
				op.RequestBody = &openapi.RequestBody{Required: true, Content: bodyContent(g.serializerSchema(v.writer(), reflect.TypeFor[T](), "write"))}
				op.Responses[strconv.Itoa(g.api.cfg.ValidationStatus)] = g.errorResponse(g.api.cfg.ValidationStatus, true)
			}
		case act.Input != nil && hasBody(m):
			t := reflect.TypeOf(act.Input)
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			op.RequestBody = &openapi.RequestBody{Required: true, Content: bodyContent(g.structSchema(t, true))}
			op.Responses[strconv.Itoa(g.api.cfg.ValidationStatus)] = g.errorResponse(g.api.cfg.ValidationStatus, true)
		}
		switch {
		case status == 204:
			op.Responses["204"] = &openapi.Response{Description: "No content"}
		case act.Output != nil:
			op.Responses[strconv.Itoa(status)] = &openapi.Response{Description: "Success", Content: jsonContent(g.typeSchema(reflect.TypeOf(act.Output)))}
		case act.UseSerializer:
			out := read
			if !act.Detail {
				out = &openapi.Schema{Type: "array", Items: read}
			}
			op.Responses[strconv.Itoa(status)] = &openapi.Response{Description: "Success", Content: jsonContent(out)}
		default:
			op.Responses[strconv.Itoa(status)] = &openapi.Response{Description: "Success"}
		}
		g.policyOp(op, d, m)
		g.pathItem(d).Set(m, op)
	}
}

var _ = sort.Strings

package rest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/galvani-web/galvani/orm"
)

// Filters declares the field filters a list accepts, django-filter style: each
// model field (or relation path, "author__name") with the lookups allowed on it.
// "exact" is the plain parameter (?title=...), the others take a suffix
// (?title__icontains=..., ?created__gte=...). Query parameters that name no
// declared filter are not filters (pagination, search...); a value that does not
// fit the field is a 400 naming the parameter.
//
//	rest.Filters{"title": {"exact", "icontains"}, "created": {"gte", "lte"}, "author": {"exact", "in"}}
type Filters map[string][]string

// filterLookups are the lookups a filter may allow.
var filterLookups = map[string]bool{
	"exact": true, "iexact": true, "contains": true, "icontains": true, "in": true,
	"gt": true, "gte": true, "lt": true, "lte": true, "startswith": true, "istartswith": true,
	"endswith": true, "iendswith": true, "range": true, "isnull": true,
	"date": true, "year": true, "month": true, "day": true,
}

// maxFilterValue bounds a filter's value (and an "in" list's items).
const (
	maxFilterValue = 1000
	maxInItems     = 100
)

// FilterParam is one query parameter of a Filters set, resolved against a model.
type FilterParam struct {
	// Name is the query parameter ("title__icontains").
	Name string
	// Path is the field path ("title"); Lookup the lookup ("icontains").
	Path, Lookup string
	// Field is the field at the end of the path.
	Field *orm.Field
}

// Params resolves the filters against model m, in a stable order.
func (fs Filters) Params(m *orm.ModelInfo) ([]FilterParam, error) {
	var out []FilterParam
	for _, path := range sortedKeys(fs) {
		f, err := resolvePath(m, path)
		if err != nil {
			return nil, err
		}
		for _, lk := range fs[path] {
			if !filterLookups[lk] {
				return nil, fmt.Errorf("rest: filter %s: unknown lookup %q", path, lk)
			}
			name := path
			if lk != "exact" {
				name += "__" + lk
			}
			out = append(out, FilterParam{Name: name, Path: path, Lookup: lk, Field: f})
		}
	}
	return out, nil
}

// resolvePath follows a field path across relations to its last field.
func resolvePath(m *orm.ModelInfo, path string) (*orm.Field, error) {
	parts := strings.Split(path, "__")
	cur := m
	var f *orm.Field
	for i, p := range parts {
		var ok bool
		f, ok = cur.Field(p)
		if !ok {
			return nil, fmt.Errorf("rest: %s has no field %q (in %q)", cur.Name, p, path)
		}
		if i < len(parts)-1 {
			if f.Rel == nil {
				return nil, fmt.Errorf("rest: %s.%s is not a relation (in %q)", cur.Name, p, path)
			}
			t, err := f.Rel.Target()
			if err != nil {
				return nil, err
			}
			cur = t
		}
	}
	return f, nil
}

// applyFilters narrows q by the declared filters the request uses.
func applyFilters[T any](r *Request, fs Filters, q orm.QuerySet[T]) (orm.QuerySet[T], error) {
	if len(fs) == 0 || r.Ctx.Request.URL.RawQuery == "" {
		return q, nil
	}
	params, err := fs.Params(q.Info())
	if err != nil {
		return q, err
	}
	query := r.Ctx.QueryValues()
	var ve ValidationError
	for _, p := range params {
		vals, ok := query[p.Name]
		if !ok || len(vals) == 0 {
			continue
		}
		text := vals[len(vals)-1]
		if text == "" && p.Lookup != "isnull" {
			continue // an empty filter field means "any", as in django-filter
		}
		v, msg := filterValue(p.Field, p.Lookup, text)
		if msg != "" {
			ve.Add(p.Name, msg)
			continue
		}
		lookup := p.Path
		if p.Lookup != "exact" {
			lookup += "__" + p.Lookup
		}
		q = q.Filter(lookup, v)
	}
	if err := ve.Err(); err != nil {
		return q, err
	}
	return q, q.Err()
}

// applySearch narrows q by ?search= over fields.
func applySearch[T any](r *Request, q orm.QuerySet[T], fields []string) (orm.QuerySet[T], error) {
	if len(fields) == 0 {
		return q, nil
	}
	text := r.Ctx.Query("search")
	if len(text) > maxFilterValue || !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		return q, Invalid("search", "Enter a valid value.")
	}
	c, ok := searchConds(text, fields)
	if !ok {
		return q, nil
	}
	q = q.Filter(c)
	return q, q.Err()
}

// filterValue converts a parameter's text to the value of the lookup on f. The
// message is for the client.
func filterValue(f *orm.Field, lookup, text string) (any, string) {
	if len(text) > maxFilterValue || !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		return nil, "Enter a valid value."
	}
	switch lookup {
	case "isnull":
		pv, msg := parseScalar(kBool, value{strs: []string{text}, form: true}, true)
		if msg != "" || text == "" {
			return nil, msgBool
		}
		return pv.b, ""
	case "in", "range":
		parts := strings.Split(text, ",")
		if len(parts) > maxInItems || lookup == "range" && len(parts) != 2 {
			if lookup == "range" {
				return nil, "Enter two values separated by a comma."
			}
			return nil, fmt.Sprintf("Enter at most %d values.", maxInItems)
		}
		vals := make([]any, len(parts))
		for i, p := range parts {
			v, msg := filterScalar(f, "exact", p)
			if msg != "" {
				return nil, msg
			}
			vals[i] = v
		}
		return vals, ""
	case "year", "month", "day":
		pv, msg := parseScalar(kInt, value{strs: []string{text}, form: true}, true)
		if msg != "" {
			return nil, msgInt
		}
		return pv.i, ""
	case "date":
		pv, msg := parseScalar(kDate, value{strs: []string{text}, form: true}, true)
		if msg != "" {
			return nil, msg
		}
		return pv.t, ""
	}
	return filterScalar(f, lookup, text)
}

func filterScalar(f *orm.Field, lookup, text string) (any, string) {
	switch lookup {
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "iexact":
		return text, ""
	}
	t := f.GoType
	if f.Rel != nil {
		if tm, err := f.Rel.Target(); err == nil {
			t = tm.PK.GoType
		}
	}
	t = baseType(t)
	k := kindOfType(t)
	if f.Kind == orm.KindDate {
		k = kDate
	}
	if k == kString || k == kJSON || k == kOther || k == kBytes {
		return text, ""
	}
	pv, msg := parseScalar(k, value{strs: []string{text}, form: true}, true)
	if msg != "" {
		return nil, msg
	}
	switch k {
	case kInt:
		return pv.i, ""
	case kUint:
		return pv.u, ""
	case kFloat:
		return pv.f, ""
	case kBool:
		if text == "" {
			return nil, msgBool
		}
		return pv.b, ""
	case kDecimal:
		return pv.d, ""
	case kDateTime, kDate:
		return pv.t, ""
	case kUUID:
		return pv.id, ""
	}
	return text, ""
}

// ---- search and ordering ----

// maxSearchTerms bounds the words of ?search=.
const maxSearchTerms = 10

// searchConds builds the condition of ?search=: every term must match one of the
// fields (icontains; "^field" istartswith; "=field" iexact).
func searchConds(text string, fields []string) (orm.Cond, bool) {
	terms := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' })
	if len(terms) == 0 {
		return orm.Cond{}, false
	}
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	var ands []orm.Cond
	for _, t := range terms {
		var ors []orm.Cond
		for _, f := range fields {
			lookup := "__icontains"
			switch {
			case strings.HasPrefix(f, "^"):
				f, lookup = f[1:], "__istartswith"
			case strings.HasPrefix(f, "="):
				f, lookup = f[1:], "__iexact"
			}
			ors = append(ors, orm.Where(f+lookup, t))
		}
		ands = append(ands, orm.Or(ors...))
	}
	return orm.And(ands...), true
}

// orderingFields reads ?ordering=: nil when absent; a name the view did not declare
// is a 400.
func orderingFields(r *Request, allowed []string) ([]string, error) {
	raw := r.Ctx.Query("ordering")
	if raw == "" {
		return nil, nil
	}
	var out []string
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name := strings.TrimPrefix(part, "-")
		if !contains(allowed, name) {
			if len(allowed) == 0 {
				return nil, Invalid("ordering", "Ordering is not supported here.")
			}
			return nil, Invalid("ordering", "Cannot order by %s; choose from: %s.", quoteShort(name), strings.Join(allowed, ", "))
		}
		out = append(out, part)
		if len(out) > len(allowed)*2 {
			break
		}
	}
	return out, nil
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("%q", s)
}

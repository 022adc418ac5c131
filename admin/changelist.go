package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/paginator"
	"github.com/galvani-web/galvani/template"
)

// Changelist query parameters (Django's).
const (
	paramSearch  = "q"
	paramOrder   = "o"
	paramPage    = "p"
	paramAll     = "all"
	paramError   = "e"
	paramFilters = "_changelist_filters"
)

// searchField is one of SearchFields with its lookup.
type searchField struct {
	path   string
	lookup string
	multi  bool // crosses a multi-valued relation: the query needs Distinct
}

func parseSearchField(info *orm.ModelInfo, sf string) (searchField, error) {
	lookup := "icontains"
	switch {
	case strings.HasPrefix(sf, "^"):
		lookup, sf = "istartswith", sf[1:]
	case strings.HasPrefix(sf, "="):
		lookup, sf = "iexact", sf[1:]
	case strings.HasPrefix(sf, "@"):
		sf = sf[1:]
	}
	multi, err := checkLookupPath(info, sf)
	if err != nil {
		return searchField{}, err
	}
	return searchField{path: sf, lookup: lookup, multi: multi}, nil
}

// checkLookupPath checks a lookup path across relations (forward and reverse)
// and reports whether it crosses a multi-valued one.
func checkLookupPath(info *orm.ModelInfo, path string) (multi bool, err error) {
	m := info
	parts := strings.Split(path, "__")
	for i, p := range parts {
		if f, ok := m.Field(p); ok {
			if i == len(parts)-1 {
				return multi, nil
			}
			if f.Rel == nil {
				return false, fmt.Errorf("%s.%s is not a relation, so %q cannot follow it", m.Name, p, path)
			}
			if f.Kind == orm.KindM2M {
				multi = true
			}
			if m, err = f.Rel.Target(); err != nil {
				return false, err
			}
			continue
		}
		found := false
		for _, rr := range m.ReverseRelations() {
			if rr.Name == p {
				found, multi, m = true, true, rr.Field.Model
				if rr.Field.Kind == orm.KindO2O {
					multi = false
				}
				break
			}
		}
		if !found {
			return false, fmt.Errorf("%s has no field or relation %q (in %q)", m.Name, p, path)
		}
		if i == len(parts)-1 {
			return false, fmt.Errorf("%q ends at a relation; name a field of %s", path, m.Name)
		}
	}
	return multi, nil
}

// splitTerms splits a search into words; "quoted words" stay together.
func splitTerms(q string) []string {
	var out []string
	var b strings.Builder
	quoted := false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range q {
		switch {
		case r == '"':
			if quoted {
				flush()
			}
			quoted = !quoted
		case !quoted && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			flush()
		default:
			b.WriteRune(r)
		}
	}
	flush()
	if len(out) > 20 { // bounded work per request
		out = out[:20]
	}
	return out
}

// fieldFilter is a ListFilter entry for a model field.
type fieldFilter struct {
	field *orm.Field
	kind  string // bool, choices, fk, date
	title string
}

func newFieldFilter(info *orm.ModelInfo, name string) (*fieldFilter, error) {
	f, ok := info.Field(name)
	if !ok {
		return nil, fmt.Errorf("%s has no field %q", info.Name, name)
	}
	ff := &fieldFilter{field: f, title: strings.ToLower(labelOf(f))}
	switch {
	case f.Kind == orm.KindBool:
		ff.kind = "bool"
	case len(f.Choices) > 0:
		ff.kind = "choices"
	case f.Kind == orm.KindFK || f.Kind == orm.KindO2O:
		ff.kind = "fk"
	case f.Kind == orm.KindDate || f.Kind == orm.KindDateTime:
		ff.kind = "date"
	default:
		return nil, fmt.Errorf("%s.%s (%s) cannot be a list filter: use booleans, choices, foreign keys or dates, or a custom Filter", info.Name, name, f.Kind)
	}
	return ff, nil
}

// params are the query parameters the filter reads.
func (ff *fieldFilter) params() []string {
	n := ff.field.Name
	switch ff.kind {
	case "fk":
		return []string{n + "__id__exact", n + "__isnull"}
	case "date":
		return []string{n + "__gte", n + "__lt", n + "__isnull"}
	}
	return []string{n + "__exact", n + "__isnull"}
}

// errBadLookup marks filter parameters the changelist cannot use.
type errBadLookup struct{ msg string }

func (e *errBadLookup) Error() string { return e.msg }

// convert turns a parameter value into a lookup argument for the filter.
func (ff *fieldFilter) convert(param, raw string) (any, error) {
	f := ff.field
	bad := func() (any, error) { return nil, &errBadLookup{fmt.Sprintf("bad value %q for %s", raw, param)} }
	if strings.HasSuffix(param, "__isnull") {
		switch raw {
		case "True", "true", "1":
			return true, nil
		case "False", "false", "0":
			return false, nil
		}
		return bad()
	}
	switch ff.kind {
	case "bool":
		switch raw {
		case "1", "True", "true":
			return true, nil
		case "0", "False", "false":
			return false, nil
		}
		return bad()
	case "fk":
		t, err := f.Rel.Target()
		if err != nil {
			return nil, err
		}
		v, err := orm.ParsePK(t, raw)
		if err != nil {
			return bad()
		}
		return v, nil
	case "date":
		for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", time.RFC3339} {
			if t, err := time.Parse(layout, raw); err == nil {
				return t.UTC(), nil
			}
		}
		return bad()
	case "choices":
		for _, c := range f.Choices {
			if c.Value == raw {
				return scalarFor(f, raw)
			}
		}
		return bad()
	}
	return bad()
}

// scalarFor converts choice text to the field's Go kind.
func scalarFor(f *orm.Field, raw string) (any, error) {
	switch f.Kind {
	case orm.KindInt, orm.KindBigInt:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, &errBadLookup{fmt.Sprintf("bad value %q for %s", raw, f.Name)}
		}
		return n, nil
	}
	return raw, nil
}

// filterChoice is one link of a sidebar filter.
type filterChoice struct {
	Label    string
	URL      string
	Selected bool
	Count    int64
	HasCount bool
}

// filterSpec is one sidebar filter as the template draws it.
type filterSpec struct {
	Title   string
	Choices []filterChoice
}

// changelistState is what the changelist parameters ask for.
type changelistState struct {
	vals     url.Values // the request's parameters
	search   string
	order    []int // 1-based column indexes, negative for descending
	filtered bool  // any filter or search applied
	showAll  bool
}

// queryString returns "?..." of vals with set applied and remove removed.
func queryString(vals url.Values, set map[string]string, remove ...string) string {
	out := url.Values{}
	for k, v := range vals {
		out[k] = v
	}
	out.Del(paramPage)
	for _, k := range remove {
		out.Del(k)
	}
	for k, v := range set {
		if v == "" {
			out.Del(k)
		} else {
			out.Set(k, v)
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return "?" + out.Encode()
}

// knownParams lists the parameters the changelist accepts.
func (e *entry[T]) knownParams() map[string]bool {
	known := map[string]bool{paramSearch: true, paramOrder: true, paramPage: true, paramAll: true, paramError: true, "_to_field": true, "_popup": true}
	for _, ff := range e.filters {
		for _, p := range ff.params() {
			known[p] = true
		}
	}
	for _, f := range e.opts.Filters {
		known[f.Param] = true
	}
	if dh := e.opts.DateHierarchy; dh != "" {
		for _, p := range []string{"__year", "__month", "__day"} {
			known[dh+p] = true
		}
	}
	return known
}

// baseQuery is the model's query for the request: the Query hook applied.
func (e *entry[T]) baseQuery(r *http.Request, db *orm.DB) orm.QuerySet[T] {
	q := orm.Q[T](db)
	if e.opts.Query != nil {
		q = e.opts.Query(r, q)
	}
	return q
}

// filtered applies search and every filter except skip (a ListFilter index, or
// -1) to q.
func (e *entry[T]) filtered(r *http.Request, q orm.QuerySet[T], st *changelistState, skip int) (orm.QuerySet[T], error) {
	distinct := false
	for i, ff := range e.filters {
		if i == skip {
			continue
		}
		args := []any{}
		for _, p := range ff.params() {
			raw := st.vals.Get(p)
			if raw == "" {
				continue
			}
			v, err := ff.convert(p, raw)
			if err != nil {
				return q, err
			}
			args = append(args, p, v)
		}
		if len(args) > 0 {
			q = q.Filter(args...)
		}
	}
	for _, f := range e.opts.Filters {
		if v := st.vals.Get(f.Param); v != "" {
			q = f.Apply(r, q, v)
		}
	}
	if dh := e.opts.DateHierarchy; dh != "" {
		for _, p := range []string{"__year", "__month", "__day"} {
			if raw := st.vals.Get(dh + p); raw != "" {
				n, err := strconv.Atoi(raw)
				if err != nil || n < 1 || n > 9999 {
					return q, &errBadLookup{"bad date " + raw}
				}
				q = q.Filter(dh+p, n)
			}
		}
	}
	if terms := splitTerms(st.search); len(terms) > 0 && len(e.search) > 0 {
		for _, term := range terms {
			var or []orm.Cond
			for _, sf := range e.search {
				or = append(or, orm.Where(sf.path+"__"+sf.lookup, term))
				distinct = distinct || sf.multi
			}
			q = q.Filter(orm.Or(or...))
		}
	}
	if distinct {
		q = q.Distinct()
	}
	return q, nil
}

// ordering turns ?o= into the query's ordering.
func (e *entry[T]) ordering(st *changelistState) []string {
	var out []string
	for _, i := range st.order {
		idx := i
		desc := false
		if idx < 0 {
			idx, desc = -idx, true
		}
		c := e.columns[idx-1]
		if desc {
			out = append(out, "-"+c.order)
		} else {
			out = append(out, c.order)
		}
	}
	if len(out) == 0 {
		out = append(out, e.opts.Ordering...)
		if len(out) == 0 {
			out = append(out, e.infoCache.Ordering...)
		}
	}
	// A total order, so pages never overlap: the key breaks ties.
	pk := e.infoCache.PK.Name
	hasPK := false
	for _, o := range out {
		if strings.TrimPrefix(o, "-") == pk || strings.TrimPrefix(o, "-") == "pk" {
			hasPK = true
		}
	}
	if !hasPK {
		out = append(out, "-"+pk)
	}
	return out
}

// parseOrder reads ?o=1.-2: 1-based indexes of sortable ListDisplay columns.
func (e *entry[T]) parseOrder(raw string) ([]int, bool) {
	if raw == "" {
		return nil, true
	}
	seen := map[int]bool{}
	var out []int
	for _, p := range strings.Split(raw, ".") {
		n, err := strconv.Atoi(p)
		idx := n
		if idx < 0 {
			idx = -idx
		}
		if err != nil || idx < 1 || idx > len(e.columns) || e.columns[idx-1].order == "" {
			return nil, false
		}
		if seen[idx] {
			continue
		}
		seen[idx] = true
		out = append(out, n)
	}
	return out, true
}

// header is one column heading as the template draws it.
type header struct {
	Label                  string
	Sortable, Sorted, Desc bool
	Priority               int
	ToggleURL, RemoveURL   string
	Class                  string
}

func (e *entry[T]) headers(st *changelistState) []header {
	var out []header
	for i, c := range e.columns {
		h := header{Label: c.label, Sortable: c.order != "", Class: "column-" + c.name}
		idx := i + 1
		pos := -1
		for j, o := range st.order {
			if o == idx || o == -idx {
				pos, h.Sorted, h.Desc, h.Priority = j, true, o < 0, j+1
			}
		}
		if h.Sortable {
			// Clicking makes the column the first sort key, or flips it when it is.
			first := idx
			if pos == 0 && !h.Desc {
				first = -idx
			}
			toggle := []string{strconv.Itoa(first)}
			var rest []string
			for j, o := range st.order {
				if j != pos {
					rest = append(rest, strconv.Itoa(o))
				}
			}
			toggle = append(toggle, rest...)
			h.ToggleURL = queryString(st.vals, map[string]string{paramOrder: strings.Join(toggle, ".")})
			if h.Sorted {
				h.RemoveURL = queryString(st.vals, map[string]string{paramOrder: strings.Join(rest, ".")})
			}
		}
		out = append(out, h)
	}
	return out
}

// cell is one table cell.
type cell struct {
	HTML  template.SafeString
	Link  string
	Class string
}

// row is one changelist row: its cells, and the whole row drawn (HTML: the
// checkbox and the cells, what change_list.html puts in each <tr>). The
// template draws HTML; a project's own template may draw Cells instead.
type row struct {
	PK     string
	Cells  []cell
	Hidden template.SafeString // the key input of a ListEditable row
	HTML   template.SafeString
}

// drawRows writes each row's HTML: 100 rows of cells are drawn in Go, as
// Django's result_list tag does in Python, rather than by a template loop per
// cell (which was a quarter of the page's time).
func drawRows(rows []row, checkbox bool, verbose string) {
	size := 0
	for i := range rows {
		size += 160
		for _, c := range rows[i].Cells {
			size += 40 + len(c.Class) + len(c.HTML) + len(c.Link)
		}
	}
	var b strings.Builder
	b.Grow(size)
	ends := make([]int, len(rows))
	selectLabel := template.Escape(verbose)
	// Rows share their column classes: the first row's are escaped once, and a
	// class that differs from them is escaped where it is.
	var firstClass, escClass []string
	if len(rows) > 0 {
		for _, c := range rows[0].Cells {
			firstClass = append(firstClass, c.Class)
			escClass = append(escClass, template.Escape(c.Class))
		}
	}
	class := func(j int, s string) string {
		if j < len(firstClass) && firstClass[j] == s {
			return escClass[j]
		}
		return template.Escape(s)
	}
	for i := range rows {
		r := &rows[i]
		pk := template.Escape(r.PK)
		b.WriteString("\n")
		if checkbox {
			b.WriteString(`<td class="action-checkbox"><input type="checkbox" name="_selected_action" value="`)
			b.WriteString(pk)
			b.WriteString(`" class="action-select" aria-label="Select `)
			b.WriteString(selectLabel)
			b.WriteString(" ")
			b.WriteString(pk)
			b.WriteString(`"></td>`)
		}
		b.WriteString("\n")
		for j, c := range r.Cells {
			if j == 0 {
				b.WriteString(`<th scope="row" class="`)
				b.WriteString(class(j, c.Class))
				b.WriteString(`">`)
				b.WriteString(string(r.Hidden))
			} else {
				b.WriteString(`<td class="`)
				b.WriteString(class(j, c.Class))
				b.WriteString(`">`)
			}
			if c.Link != "" {
				b.WriteString(`<a href="`)
				b.WriteString(template.Escape(c.Link))
				b.WriteString(`">`)
				b.WriteString(string(c.HTML))
				b.WriteString("</a>")
			} else {
				b.WriteString(string(c.HTML))
			}
			if j == 0 {
				b.WriteString("</th>")
			} else {
				b.WriteString("</td>")
			}
		}
		b.WriteString("\n")
		ends[i] = b.Len()
	}
	all := b.String()
	start := 0
	for i := range rows {
		rows[i].HTML = template.SafeString(all[start:ends[i]])
		start = ends[i]
	}
}

// changelist is the list page: search, filters, sorting, pages, and (on POST)
// the actions.
func (e *entry[T]) changelist(c *galvani.Ctx) error {
	r := c.Request
	if !e.canView(r, nil) {
		return forbidden()
	}
	db, err := e.site.db(r)
	if err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		vals, err := c.Form()
		if err != nil {
			return err
		}
		if _, save := vals["_save"]; save && len(e.opts.ListEditable) > 0 {
			return e.saveEditable(c, db, vals)
		}
		return e.runAction(c, db)
	}
	return e.renderChangelist(c, db, nil)
}

func (e *entry[T]) renderChangelist(c *galvani.Ctx, db *orm.DB, bound *listForms[T]) error {
	r := c.Request
	ctx := r.Context()
	vals := r.URL.Query()
	known := e.knownParams()
	for k := range vals {
		if !known[k] {
			return c.Redirect(http.StatusFound, r.URL.Path+"?"+paramError+"=1")
		}
	}
	st := &changelistState{vals: url.Values{}, search: strings.TrimSpace(vals.Get(paramSearch))}
	for k, v := range vals {
		if k != paramError && k != paramPage && k != paramAll {
			st.vals[k] = v
		}
	}
	order, ok := e.parseOrder(vals.Get(paramOrder))
	if !ok {
		return c.Redirect(http.StatusFound, r.URL.Path+"?"+paramError+"=1")
	}
	st.order = order
	base := e.baseQuery(r, db)
	q, err := e.filtered(r, base, st, -1)
	if err != nil {
		if _, bad := err.(*errBadLookup); bad {
			return c.Redirect(http.StatusFound, r.URL.Path+"?"+paramError+"=1")
		}
		return err
	}
	for k := range st.vals {
		if k != paramOrder {
			st.filtered = true
		}
	}
	facets, err := e.facetCounts(ctx, r, base, st)
	if err != nil {
		return err
	}
	count, total, derived := e.countsFromFacets(st, facets)
	if !derived {
		if count, err = q.Count(ctx); err != nil {
			return err
		}
		total = count
		if st.filtered && !e.opts.HideFullResultCount {
			if total, err = base.Count(ctx); err != nil {
				return err
			}
		}
	}
	pg := paginator.New(count, e.opts.ListPerPage)
	showAll := vals.Get(paramAll) != "" && count <= int64(e.opts.ListMaxShowAll)
	var page *paginator.Page
	if showAll {
		pg = paginator.New(count, e.opts.ListMaxShowAll)
		page, _ = pg.Page(1)
	} else if page, err = pg.ParsePage(vals.Get(paramPage)); err != nil {
		return err // 404, as in Django's ?p= past the end
	}
	rowsQ := q.OrderBy(e.ordering(st)...).Offset(page.Offset()).Limit(page.Limit())
	if len(e.related) > 0 {
		rowsQ = rowsQ.SelectRelated(e.related...)
	}
	objs, err := rowsQ.All(ctx)
	if err != nil {
		return err
	}
	data := e.site.context(c, capfirst(verbosePlural(e.infoCache)))
	filtersEnc := ""
	if len(st.vals) > 0 {
		filtersEnc = "?" + url.Values{paramFilters: {st.vals.Encode()}}.Encode()
	}
	editable := map[string]bool{}
	var rowForms []*forms.Form[T]
	if len(e.opts.ListEditable) > 0 && e.canChange(r, nil) {
		for _, n := range e.opts.ListEditable {
			editable[n] = true
		}
		if bound != nil { // shown again with their errors
			objs = objs[:0]
			for _, o := range bound.objs {
				objs = append(objs, *o)
			}
			rowForms = bound.forms
		} else {
			for i := range objs {
				f, err := e.editableForm(c, db, i, &objs[i])
				if err != nil {
					return err
				}
				rowForms = append(rowForms, f)
			}
		}
	}
	rows := make([]row, len(objs))
	cells := make([]cell, len(objs)*len(e.columns))
	changePrefix := e.site.modelURL(e.infoCache, "")
	linked := make([]bool, len(e.columns))
	for j, col := range e.columns {
		linked[j] = e.links[col.name]
	}
	for i := range objs {
		obj := &objs[i]
		pk := e.pkText(obj)
		rw := row{PK: pk, Cells: cells[i*len(e.columns) : (i+1)*len(e.columns)]}
		link := ""
		for j, col := range e.columns {
			cl := &rw.Cells[j]
			cl.Class = col.class
			if rowForms != nil && editable[col.name] {
				cl.HTML = editableCell(rowForms[i], col.name)
			} else {
				cl.HTML = e.cellHTML(col, obj)
			}
			if linked[j] {
				if link == "" {
					link = changePrefix + url.PathEscape(pk) + "/change/" + filtersEnc
				}
				cl.Link = link
			}
		}
		if rowForms != nil {
			rw.Hidden = template.SafeString(fmt.Sprintf(`<input type="hidden" name="form-%d-id" value="%s">`, i, template.Escape(pk)))
		}
		rows[i] = rw
	}
	actions := e.actionChoices(r)
	drawRows(rows, len(actions) > 0, verboseName(e.infoCache))
	if rowForms != nil {
		data["list_editable"] = template.SafeString(fmt.Sprintf(`<input type="hidden" name="form-TOTAL_FORMS" value="%d"><input type="hidden" name="form-INITIAL_FORMS" value="%d">`, len(rowForms), len(rowForms)))
		data["list_errors"] = false
		for _, f := range rowForms {
			if f.IsBound() && !f.IsValid() {
				data["list_errors"] = true
			}
		}
	}
	filters, err := e.filterSpecs(ctx, r, st, facets)
	if err != nil {
		return err
	}
	pm := e.perms(r)
	pageLinks := []map[string]any{}
	if page.NumPages() > 1 && !showAll {
		for _, l := range page.Links() {
			pageLinks = append(pageLinks, map[string]any{"number": l.Number, "ellipsis": l.Number == paginator.Ellipsis,
				"current": l.Number == page.Number, "url": queryString(st.vals, map[string]string{paramPage: strconv.FormatInt(l.Number, 10)})})
		}
	}
	data["title"] = fmt.Sprintf("Select %s to change", verboseName(e.infoCache))
	if !pm.Change {
		data["title"] = fmt.Sprintf("Select %s to view", verboseName(e.infoCache))
	}
	e.modelData(data, r)
	data["headers"] = e.headers(st)
	data["rows"] = rows
	data["count"] = count
	data["total"] = total
	data["show_total"] = st.filtered && !e.opts.HideFullResultCount
	data["search"] = st.search
	data["has_search"] = len(e.search) > 0
	data["search_help"] = e.opts.SearchHelpText
	data["search_hidden"] = hiddenInputs(st.vals, paramSearch)
	data["filters"] = filters
	data["clear_url"] = "?"
	data["filtered"] = st.filtered
	data["page"] = page
	data["page_links"] = pageLinks
	data["show_all_url"] = ""
	if !showAll && count > int64(e.opts.ListPerPage) && count <= int64(e.opts.ListMaxShowAll) {
		data["show_all_url"] = queryString(st.vals, map[string]string{paramAll: "1"})
	}
	data["actions"] = actions
	data["error"] = vals.Get(paramError) != ""
	data["bad_lookup"] = textBadLookup
	data["date_hierarchy"] = nil
	if e.opts.DateHierarchy != "" {
		dh, err := e.dateHierarchy(ctx, q, st)
		if err != nil {
			return err
		}
		data["date_hierarchy"] = dh
	}
	return c.Render(http.StatusOK, "admin/change_list.html", data)
}

// hiddenInputs lists the parameters to keep as hidden inputs of the search form.
func hiddenInputs(vals url.Values, except string) []map[string]string {
	var out []map[string]string
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == except {
			continue
		}
		for _, v := range vals[k] {
			out = append(out, map[string]string{"name": k, "value": v})
		}
	}
	return out
}

// facetCounts counts the rows per value of each ListFilter field (nil for date
// filters), over the rows the other filters and the search leave: one grouped
// query per field filter.
func (e *entry[T]) facetCounts(ctx context.Context, r *http.Request, base orm.QuerySet[T], st *changelistState) ([]map[string]int64, error) {
	out := make([]map[string]int64, len(e.filters))
	for i, ff := range e.filters {
		if ff.kind == "date" {
			continue
		}
		q, err := e.filtered(r, base, st, i)
		if err != nil {
			return nil, err
		}
		if out[i], err = groupCounts(ctx, q, e.infoCache.PK.Name, ff.field); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// countsFromFacets works out the list's count and the model's total from the
// filters' grouped counts, when the parameters make them exact: no filter
// applied (every facet sums to the total), or one ListFilter value and nothing
// else (that filter's facets are over all rows). It saves the two COUNT queries
// of the common pages; ok is false when they are needed.
func (e *entry[T]) countsFromFacets(st *changelistState, facets []map[string]int64) (count, total int64, ok bool) {
	if len(splitTerms(st.search)) > 0 && len(e.search) > 0 {
		return 0, 0, false
	}
	for _, f := range e.opts.Filters {
		if st.vals.Get(f.Param) != "" {
			return 0, 0, false
		}
	}
	if dh := e.opts.DateHierarchy; dh != "" {
		for _, p := range []string{"__year", "__month", "__day"} {
			if st.vals.Get(dh+p) != "" {
				return 0, 0, false
			}
		}
	}
	active, param := -1, ""
	for i, ff := range e.filters {
		for _, p := range ff.params() {
			if st.vals.Get(p) == "" {
				continue
			}
			if active >= 0 {
				return 0, 0, false // two lookups: the facets are not over all rows
			}
			active, param = i, p
		}
	}
	sum := func(m map[string]int64) (n int64) {
		for _, v := range m {
			n += v
		}
		return n
	}
	if active < 0 {
		for _, m := range facets {
			if m != nil {
				n := sum(m)
				return n, n, true
			}
		}
		return 0, 0, false
	}
	m := facets[active]
	if m == nil {
		return 0, 0, false
	}
	v, err := e.filters[active].convert(param, st.vals.Get(param))
	if err != nil {
		return 0, 0, false
	}
	total = sum(m)
	if strings.HasSuffix(param, "__isnull") {
		if v == true {
			return m[facetNull], total, true
		}
		return total - m[facetNull], total, true
	}
	switch x := v.(type) {
	case bool:
		return m[strconv.FormatBool(x)], total, true
	case int64:
		return m[strconv.FormatInt(x, 10)], total, true
	case string:
		return m[x], total, true
	}
	return 0, 0, false // keys of other types may read back differently
}

// facetNull is the facet key of NULL.
const facetNull = "\x00null"

// filterSpecs builds the sidebar: each filter's choices with links and the
// counts of facetCounts.
func (e *entry[T]) filterSpecs(ctx context.Context, r *http.Request, st *changelistState, facets []map[string]int64) ([]filterSpec, error) {
	var out []filterSpec
	for i, ff := range e.filters {
		params := ff.params()
		current := map[string]string{}
		for _, p := range params {
			current[p] = st.vals.Get(p)
		}
		link := func(set map[string]string) string {
			m := map[string]string{}
			for _, p := range params {
				m[p] = ""
			}
			for k, v := range set {
				m[k] = v
			}
			return queryString(st.vals, m)
		}
		isCurrent := func(set map[string]string) bool {
			for _, p := range params {
				if current[p] != set[p] {
					return false
				}
			}
			return true
		}
		spec := filterSpec{Title: ff.title}
		spec.Choices = append(spec.Choices, filterChoice{Label: "All", URL: link(nil), Selected: isCurrent(map[string]string{})})
		counts := facets[i]
		add := func(label string, set map[string]string, countKey string) {
			fc := filterChoice{Label: label, URL: link(set), Selected: isCurrent(set)}
			if counts != nil {
				fc.Count, fc.HasCount = counts[countKey], true
			}
			spec.Choices = append(spec.Choices, fc)
		}
		n := ff.field.Name
		switch ff.kind {
		case "bool":
			add("Yes", map[string]string{n + "__exact": "1"}, "true")
			add("No", map[string]string{n + "__exact": "0"}, "false")
		case "choices":
			for _, ch := range ff.field.Choices {
				add(ch.Label, map[string]string{n + "__exact": ch.Value}, ch.Value)
			}
		case "fk":
			t, err := ff.field.Rel.Target()
			if err != nil {
				return nil, err
			}
			db := orm.From(ctx)
			if d, err := e.site.db(r); err == nil {
				db = d
			}
			var opts []filterChoice
			err = eachTarget(ctx, db, t, maxChoices, func(pk string, label string) {
				opts = append(opts, filterChoice{Label: label, URL: pk})
			})
			if err != nil {
				return nil, err
			}
			for _, o := range opts {
				add(o.Label, map[string]string{n + "__id__exact": o.URL}, o.URL)
			}
		case "date":
			now := time.Now().UTC()
			today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
			day := func(t time.Time) string { return t.Format("2006-01-02") }
			tomorrow := today.AddDate(0, 0, 1)
			month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
			year := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
			add("Today", map[string]string{n + "__gte": day(today), n + "__lt": day(tomorrow)}, "")
			add("Past 7 days", map[string]string{n + "__gte": day(today.AddDate(0, 0, -7)), n + "__lt": day(tomorrow)}, "")
			add("This month", map[string]string{n + "__gte": day(month), n + "__lt": day(month.AddDate(0, 1, 0))}, "")
			add("This year", map[string]string{n + "__gte": day(year), n + "__lt": day(year.AddDate(1, 0, 0))}, "")
		}
		if ff.field.Null {
			add("Empty", map[string]string{n + "__isnull": "True"}, facetNull)
			if ff.kind == "date" {
				add("Not empty", map[string]string{n + "__isnull": "False"}, "")
			}
		}
		out = append(out, spec)
	}
	for _, f := range e.opts.Filters {
		spec := filterSpec{Title: f.Title}
		cur := st.vals.Get(f.Param)
		spec.Choices = append(spec.Choices, filterChoice{Label: "All", URL: queryString(st.vals, map[string]string{f.Param: ""}), Selected: cur == ""})
		for _, ch := range f.Choices(r) {
			spec.Choices = append(spec.Choices, filterChoice{Label: ch.Label, URL: queryString(st.vals, map[string]string{f.Param: ch.Value}), Selected: cur == ch.Value})
		}
		out = append(out, spec)
	}
	return out, nil
}

// groupCounts counts q's rows per value of field f, keyed by the value as text
// ("\x00null" for NULL, "true"/"false" for booleans).
func groupCounts[T any](ctx context.Context, q orm.QuerySet[T], pk string, f *orm.Field) (map[string]int64, error) {
	rows, err := q.Annotate(orm.Count(pk).As("admin_n")).Values(ctx, f.Name)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, r := range rows {
		k := facetNull
		switch v := r[f.Name].(type) {
		case nil:
		case bool:
			k = strconv.FormatBool(v)
		default:
			k = fmt.Sprint(v)
		}
		n, _ := toInt64(r["admin_n"])
		out[k] += n
	}
	return out, nil
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case float64:
		return int64(x), true
	}
	return 0, false
}

// maxChoices bounds the rows read for a relation's choices; beyond it a
// foreign key is edited by key (raw id).
const maxChoices = 1000

// eachTarget calls fn with the key and name of up to limit rows of model m.
func eachTarget(ctx context.Context, db *orm.DB, m *orm.ModelInfo, limit int, fn func(pk, label string)) error {
	n := 0
	return orm.EachRow(ctx, db, m, func(obj any) error {
		if n >= limit {
			return orm.ErrStopEach
		}
		n++
		fn(pkString(obj), repr(obj))
		return nil
	})
}

// dateHierarchy builds the drill-down links of DateHierarchy.
func (e *entry[T]) dateHierarchy(ctx context.Context, q orm.QuerySet[T], st *changelistState) (map[string]any, error) {
	f := e.opts.DateHierarchy
	year, month := st.vals.Get(f+"__year"), st.vals.Get(f+"__month")
	clear := []string{f + "__year", f + "__month", f + "__day"}
	var kind, back string
	var links []map[string]string
	switch {
	case year == "":
		kind = "year"
	case month == "":
		kind = "month"
		back = queryString(st.vals, nil, clear...)
	default:
		kind = "day"
		back = queryString(st.vals, map[string]string{f + "__day": "", f + "__month": ""})
	}
	rows, err := q.Annotate(orm.Trunc(orm.F(f), kind).As("admin_d")).Distinct().Values(ctx, "admin_d")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var dates []time.Time
	for _, r := range rows {
		t, ok := r["admin_d"].(time.Time)
		if !ok {
			continue
		}
		k := t.Format("2006-01-02")
		if !seen[k] {
			seen[k] = true
			dates = append(dates, t)
		}
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	for _, t := range dates {
		switch kind {
		case "year":
			links = append(links, map[string]string{"label": strconv.Itoa(t.Year()), "url": queryString(st.vals, map[string]string{f + "__year": strconv.Itoa(t.Year())})})
		case "month":
			links = append(links, map[string]string{"label": t.Format("January 2006"), "url": queryString(st.vals, map[string]string{f + "__month": strconv.Itoa(int(t.Month()))})})
		default:
			links = append(links, map[string]string{"label": t.Format("January 2"), "url": queryString(st.vals, map[string]string{f + "__day": strconv.Itoa(t.Day())})})
		}
	}
	return map[string]any{"links": links, "back": back}, nil
}

package rest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/paginator"
	"github.com/galvani-web/galvani/rest/openapi"
)

// PageQuery is a list's query as a paginator sees it, whatever its model.
type PageQuery interface {
	Info() *orm.ModelInfo
	Count(r *Request) (int64, error)
	Window(offset, limit int) PageQuery
	Where(c orm.Cond) PageQuery
	OrderBy(fields ...string) PageQuery
}

// Rows are the rows a paged query fetched, for paginators that read them (cursors).
type Rows interface {
	Len() int
	// Value returns field (a model field name) of row i; a relation's key.
	Value(i int, field string) any
}

// Paginator pages lists: DRF's pagination classes. LimitOffset, PageNumber and
// Cursor are the built-in ones.
type Paginator interface {
	// Paginate reads the page the request asks for and narrows q to it.
	Paginate(r *Request, q PageQuery) (PageQuery, Page, error)
	// Parameters are the query parameters it reads, for OpenAPI.
	Parameters() []*openapi.Parameter
	// Envelope is the schema of a page whose results are items, for OpenAPI.
	Envelope(items *openapi.Schema) *openapi.Schema
}

// Page is one page being answered.
type Page interface {
	// Arrange returns the indices of the fetched rows that make the page, in order
	// (a cursor fetches one row more than it shows, and pages backwards in reverse).
	Arrange(rows Rows) []int
	// AppendEnvelope writes the page around results, the JSON array of its objects.
	AppendEnvelope(b []byte, r *Request, results []byte) ([]byte, error)
}

// pageLink builds the URL of the request with params set (and the ones given as ""
// removed), query keys sorted, as DRF does.
func pageLink(r *Request, set map[string]string) []byte {
	req := r.Ctx.Request
	q := req.URL.Query()
	for k, v := range set {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	u := absoluteURL(req, req.URL.EscapedPath())
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return appendString(nil, u)
}

func appendLink(b []byte, link []byte) []byte {
	if link == nil {
		return append(b, "null"...)
	}
	return append(b, link...)
}

// positiveInt reads a query parameter as DRF's _positive_int: missing, malformed or
// below min gives def; above max (when max > 0) gives max.
func positiveInt(r *Request, name string, def, min, max int) int {
	s := r.Ctx.Query(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min {
		return def
	}
	if max > 0 && n > max {
		return max
	}
	return n
}

func intSchema() *openapi.Schema { return &openapi.Schema{Type: "integer"} }

// ---- limit/offset ----

// LimitOffset pages with ?limit= and ?offset= and answers DRF's envelope
// {"count", "next", "previous", "results"}. The keys can be renamed for APIs with
// their own shape (RealWorld's {"articles", "articlesCount"}).
type LimitOffset struct {
	// Default is the limit when the request gives none (default 20); Max caps it
	// (default 100; negative for no cap).
	Default, Max int
	// ResultsKey and CountKey rename "results" and "count".
	ResultsKey, CountKey string
	// NoLinks leaves out "next" and "previous".
	NoLinks bool
}

func (p LimitOffset) limits() (int, int) {
	def, max := p.Default, p.Max
	if def <= 0 {
		def = 20
	}
	if max == 0 {
		max = 100
	}
	if max < 0 {
		max = 0
	}
	return def, max
}

type limitOffsetPage struct {
	p             LimitOffset
	limit, offset int
	count         int64
}

// Paginate implements Paginator.
func (p LimitOffset) Paginate(r *Request, q PageQuery) (PageQuery, Page, error) {
	def, max := p.limits()
	limit := positiveInt(r, "limit", def, 1, max)
	offset := positiveInt(r, "offset", 0, 0, 0)
	count, err := q.Count(r)
	if err != nil {
		return nil, nil, err
	}
	pg := &limitOffsetPage{p: p, limit: limit, offset: offset, count: count}
	if int64(offset) >= count && count > 0 || count == 0 {
		return q.Window(0, 0), pg, nil
	}
	return q.Window(offset, limit), pg, nil
}

func (pg *limitOffsetPage) Arrange(rows Rows) []int { return identity(rows.Len()) }

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func (pg *limitOffsetPage) AppendEnvelope(b []byte, r *Request, results []byte) ([]byte, error) {
	countKey, resultsKey := pg.p.keys()
	b = append(b, '{')
	b = appendString(b, countKey)
	b = append(b, ':')
	b = strconv.AppendInt(b, pg.count, 10)
	if !pg.p.NoLinks {
		var next, prev []byte
		if int64(pg.offset+pg.limit) < pg.count {
			next = pageLink(r, map[string]string{"limit": strconv.Itoa(pg.limit), "offset": strconv.Itoa(pg.offset + pg.limit)})
		}
		if pg.offset > 0 {
			off := ""
			if po := pg.offset - pg.limit; po > 0 {
				off = strconv.Itoa(po)
			}
			prev = pageLink(r, map[string]string{"limit": strconv.Itoa(pg.limit), "offset": off})
		}
		b = append(b, `,"next":`...)
		b = appendLink(b, next)
		b = append(b, `,"previous":`...)
		b = appendLink(b, prev)
	}
	b = append(b, ',')
	b = appendString(b, resultsKey)
	b = append(b, ':')
	b = append(b, results...)
	return append(b, '}'), nil
}

func (p LimitOffset) keys() (count, results string) {
	count, results = p.CountKey, p.ResultsKey
	if count == "" {
		count = "count"
	}
	if results == "" {
		results = "results"
	}
	return count, results
}

// Parameters implements Paginator.
func (p LimitOffset) Parameters() []*openapi.Parameter {
	def, max := p.limits()
	ls := &openapi.Schema{Type: "integer", Minimum: ptrF(1), Default: def}
	if max > 0 {
		ls.Maximum = ptrF(float64(max))
	}
	return []*openapi.Parameter{
		{Name: "limit", In: "query", Description: "Number of results to return per page.", Schema: ls},
		{Name: "offset", In: "query", Description: "The initial index from which to return the results.", Schema: &openapi.Schema{Type: "integer", Minimum: ptrF(0)}},
	}
}

func ptrF(f float64) *float64 { return &f }

// Envelope implements Paginator.
func (p LimitOffset) Envelope(items *openapi.Schema) *openapi.Schema {
	countKey, resultsKey := p.keys()
	s := &openapi.Schema{Type: "object"}
	s.SetProperty(countKey, &openapi.Schema{Type: "integer", Examples: []any{123}}, true)
	if !p.NoLinks {
		s.SetProperty("next", &openapi.Schema{Type: []string{"string", "null"}, Format: "uri"}, true)
		s.SetProperty("previous", &openapi.Schema{Type: []string{"string", "null"}, Format: "uri"}, true)
	}
	s.SetProperty(resultsKey, &openapi.Schema{Type: "array", Items: items}, true)
	return s
}

// ---- page number ----

// PageNumber pages with ?page= (and ?page_size= when PageSizeParam is set), DRF's
// PageNumberPagination: {"count", "next", "previous", "results"}. ?page=last
// names the last page; a page past the end is a 404 "Invalid page.".
type PageNumber struct {
	// Size is the page size (default 20); Max caps ?page_size= (default 100).
	Size, Max int
	// PageSizeParam lets clients choose the size ("page_size"); empty: they cannot.
	PageSizeParam string
}

type pageNumberPage struct {
	pg *paginator.Page
}

func (p PageNumber) sizes() (int, int) {
	size, max := p.Size, p.Max
	if size <= 0 {
		size = 20
	}
	if max <= 0 {
		max = 100
	}
	return size, max
}

// Paginate implements Paginator, with the paginator package's arithmetic (Django's
// Paginator): an empty list has one empty page, and a number that is not a page
// is a 404 "Invalid page.".
func (p PageNumber) Paginate(r *Request, q PageQuery) (PageQuery, Page, error) {
	size, max := p.sizes()
	if p.PageSizeParam != "" {
		size = positiveInt(r, p.PageSizeParam, size, 1, max)
	}
	count, err := q.Count(r)
	if err != nil {
		return nil, nil, err
	}
	pg, err := paginator.New(count, size).ParsePage(r.Ctx.Query("page"))
	if err != nil {
		return nil, nil, &Error{Status: 404, Detail: "Invalid page.", Code: "not_found"}
	}
	return q.Window(pg.Offset(), pg.Limit()), &pageNumberPage{pg: pg}, nil
}

func (pn *pageNumberPage) Arrange(rows Rows) []int { return identity(rows.Len()) }

func (pn *pageNumberPage) AppendEnvelope(b []byte, r *Request, results []byte) ([]byte, error) {
	var next, prev []byte
	if n, err := pn.pg.NextPageNumber(); err == nil && pn.pg.HasNext() {
		next = pageLink(r, map[string]string{"page": strconv.FormatInt(n, 10)})
	}
	if n, err := pn.pg.PreviousPageNumber(); err == nil && pn.pg.HasPrevious() {
		pp := ""
		if n > 1 {
			pp = strconv.FormatInt(n, 10)
		}
		prev = pageLink(r, map[string]string{"page": pp})
	}
	b = append(b, `{"count":`...)
	b = strconv.AppendInt(b, pn.pg.Count(), 10)
	b = append(b, `,"next":`...)
	b = appendLink(b, next)
	b = append(b, `,"previous":`...)
	b = appendLink(b, prev)
	b = append(b, `,"results":`...)
	b = append(b, results...)
	return append(b, '}'), nil
}

// Parameters implements Paginator.
func (p PageNumber) Parameters() []*openapi.Parameter {
	ps := []*openapi.Parameter{{Name: "page", In: "query", Description: "A page number within the paginated result set.", Schema: intSchema()}}
	if p.PageSizeParam != "" {
		_, max := p.sizes()
		ps = append(ps, &openapi.Parameter{Name: p.PageSizeParam, In: "query", Description: "Number of results to return per page.",
			Schema: &openapi.Schema{Type: "integer", Minimum: ptrF(1), Maximum: ptrF(float64(max))}})
	}
	return ps
}

// Envelope implements Paginator.
func (p PageNumber) Envelope(items *openapi.Schema) *openapi.Schema {
	return LimitOffset{}.Envelope(items)
}

// ---- cursor ----

// Cursor pages by an opaque ?cursor= along an ordering, DRF's CursorPagination:
// stable while rows are added, no count query, {"next", "previous", "results"}.
// The ordering is one field (Ordering, default "-id"), with the primary key as the
// tie-breaker so that equal values neither repeat nor vanish between pages.
type Cursor struct {
	// Ordering is the field to page along, "-" for descending (default "-id").
	Ordering string
	// Size is the page size (default 20).
	Size int
}

// cursorPos is the decoded cursor: the position after (or, reversed, before) the
// row with Value and Key.
type cursorPos struct {
	Value   any  `json:"v"`
	Key     any  `json:"k"`
	Reverse bool `json:"r,omitempty"`
}

type cursorPage struct {
	c       Cursor
	field   string
	desc    bool
	pos     *cursorPos
	size    int
	hasMore bool
	rows    Rows
	order   []int
	pk      string
}

// maxCursorLen bounds what is decoded of a client's cursor.
const maxCursorLen = 1024

// errInvalidCursor is the 404 of a cursor that does not decode (DRF answers
// 404 "Invalid cursor").
var errInvalidCursor = &Error{Status: 404, Detail: "Invalid cursor", Code: "not_found"}

// DecodeCursor decodes a client's cursor. Anything but a cursor this package wrote
// is an error.
func decodeCursor(s string) (*cursorPos, error) {
	if len(s) > maxCursorLen {
		return nil, errors.New("cursor too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var pos cursorPos
	if err := dec.Decode(&pos); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the cursor")
	}
	for _, v := range []any{pos.Value, pos.Key} {
		switch v.(type) {
		case string, json.Number, bool, nil:
		default:
			return nil, errors.New("cursor values are scalars")
		}
	}
	if pos.Key == nil {
		return nil, errors.New("cursor without a key")
	}
	return &pos, nil
}

func encodeCursor(pos cursorPos) string {
	b, _ := json.Marshal(pos)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cursorValue converts a decoded cursor value to the field's Go type for the query.
func cursorValue(f *orm.Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	k := kindOfType(baseType(f.GoType))
	if f.Rel != nil {
		k = kInt
	}
	switch k {
	case kInt, kUint:
		n, ok := v.(json.Number)
		if !ok {
			return nil, errors.New("not a number")
		}
		return n.Int64()
	case kFloat:
		n, ok := v.(json.Number)
		if !ok {
			return nil, errors.New("not a number")
		}
		return n.Float64()
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return nil, errors.New("not a boolean")
		}
		return b, nil
	case kDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("not a time")
		}
		return time.Parse(time.RFC3339Nano, s)
	case kDecimal:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("not a decimal")
		}
		return orm.ParseDecimal(s)
	case kUUID:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("not a uuid")
		}
		return orm.ParseUUID(s)
	}
	s, ok := v.(string)
	if !ok {
		return nil, errors.New("not a string")
	}
	return s, nil
}

// cursorJSON turns a row's value into what a cursor stores.
func cursorJSON(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case orm.Decimal:
		return x.String()
	case orm.UUID:
		return x.String()
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case int:
		return json.Number(strconv.Itoa(x))
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case orm.Null[string]:
		if !x.Valid {
			return nil
		}
		return x.V
	}
	return v
}

// Paginate implements Paginator.
func (c Cursor) Paginate(r *Request, q PageQuery) (PageQuery, Page, error) {
	ordering := c.Ordering
	if ordering == "" {
		ordering = "-id"
	}
	size := c.Size
	if size <= 0 {
		size = 20
	}
	field, desc := strings.TrimPrefix(ordering, "-"), strings.HasPrefix(ordering, "-")
	info := q.Info()
	f, ok := info.Field(field)
	if !ok {
		return nil, nil, fmt.Errorf("rest: cursor ordering %q is not a field of %s", field, info.Name)
	}
	pk := info.PK.Name
	pg := &cursorPage{c: c, field: f.Name, desc: desc, size: size, pk: pk}
	if s := r.Ctx.Query("cursor"); s != "" {
		pos, err := decodeCursor(s)
		if err != nil {
			return nil, nil, errInvalidCursor
		}
		pg.pos = pos
	}
	// Forward along the ordering, or backwards for a "previous" cursor.
	forwardDesc := desc
	if pg.pos != nil && pg.pos.Reverse {
		forwardDesc = !desc
	}
	if pg.pos != nil {
		val, err := cursorValue(f, pg.pos.Value)
		if err != nil {
			return nil, nil, errInvalidCursor
		}
		key, err := cursorValue(info.PK, pg.pos.Key)
		if err != nil {
			return nil, nil, errInvalidCursor
		}
		op := "__gt"
		if forwardDesc {
			op = "__lt"
		}
		var cond orm.Cond
		if f.Name == pk {
			cond = orm.Where(pk+op, key)
		} else {
			cond = orm.Or(orm.Where(f.Name+op, val), orm.And(orm.Where(f.Name, val), orm.Where(pk+op, key)))
		}
		q = q.Where(cond)
	}
	o1, o2 := f.Name, pk
	if forwardDesc {
		o1, o2 = "-"+o1, "-"+o2
	}
	if f.Name == pk {
		q = q.OrderBy(o1)
	} else {
		q = q.OrderBy(o1, o2)
	}
	return q.Window(0, size+1), pg, nil
}

func (pg *cursorPage) Arrange(rows Rows) []int {
	n := rows.Len()
	pg.hasMore = n > pg.size
	if pg.hasMore {
		n = pg.size
	}
	order := identity(n)
	if pg.pos != nil && pg.pos.Reverse {
		for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
			order[i], order[j] = order[j], order[i]
		}
	}
	pg.rows, pg.order = rows, order
	return order
}

func (pg *cursorPage) link(r *Request, row int, reverse bool) []byte {
	pos := cursorPos{Value: cursorJSON(pg.rows.Value(row, pg.field)), Key: cursorJSON(pg.rows.Value(row, pg.pk)), Reverse: reverse}
	return pageLink(r, map[string]string{"cursor": encodeCursor(pos)})
}

func (pg *cursorPage) AppendEnvelope(b []byte, r *Request, results []byte) ([]byte, error) {
	var next, prev []byte
	reversed := pg.pos != nil && pg.pos.Reverse
	if len(pg.order) > 0 {
		first, last := pg.order[0], pg.order[len(pg.order)-1]
		// Going forward: a next page when more rows came; a previous one when we
		// started from a cursor. Going backwards: the mirror image.
		if (!reversed && pg.hasMore) || reversed {
			next = pg.link(r, last, false)
		}
		if (!reversed && pg.pos != nil) || (reversed && pg.hasMore) {
			prev = pg.link(r, first, true)
		}
	} else if pg.pos != nil {
		// An empty page past either end links back the way it came.
		u := pageLink(r, map[string]string{"cursor": encodeCursor(cursorPos{Value: pg.pos.Value, Key: pg.pos.Key, Reverse: !pg.pos.Reverse})})
		if reversed {
			next = u
		} else {
			prev = u
		}
	}
	b = append(b, `{"next":`...)
	b = appendLink(b, next)
	b = append(b, `,"previous":`...)
	b = appendLink(b, prev)
	b = append(b, `,"results":`...)
	b = append(b, results...)
	return append(b, '}'), nil
}

// Parameters implements Paginator.
func (c Cursor) Parameters() []*openapi.Parameter {
	return []*openapi.Parameter{{Name: "cursor", In: "query", Description: "The pagination cursor value.", Schema: &openapi.Schema{Type: "string"}}}
}

// Envelope implements Paginator.
func (c Cursor) Envelope(items *openapi.Schema) *openapi.Schema {
	s := &openapi.Schema{Type: "object"}
	s.SetProperty("next", &openapi.Schema{Type: []string{"string", "null"}, Format: "uri"}, true)
	s.SetProperty("previous", &openapi.Schema{Type: []string{"string", "null"}, Format: "uri"}, true)
	s.SetProperty("results", &openapi.Schema{Type: "array", Items: items}, true)
	return s
}

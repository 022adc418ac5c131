package orm

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"
)

// sqlCache holds the SQL text of a model that does not depend on the query: quoted
// names and the statements of single-row operations. Built once per model and dialect.
type sqlCache struct {
	table      string   // quoted table
	cols       []string // quoted, table-qualified concrete columns
	bare       []string // quoted column names
	selectList string   // cols joined
	getByPK    string   // SELECT ... WHERE pk = ?
	insertAll  string   // INSERT with every concrete column
	insertAuto string   // INSERT without the auto pk (+ RETURNING where supported)
	updateAll  string   // UPDATE every non-pk column WHERE pk = ?

	updMu   sync.Mutex                             // serializes storeUpdate
	updates atomic.Pointer[map[updateShape]string] // QuerySet.Update SQL by shape, copied on write

	relMu  sync.Mutex                             // serializes storing in getRel
	getRel atomic.Pointer[map[string]*selectPlan] // Get by key with SelectRelated, by paths; copied on write
}

// relatedGet returns the plan of Get by key on q (a QuerySet with SelectRelated
// paths and nothing else) without its parameter: compiled the first time, with
// key (a value of the key's type, so the statement compares it with a parameter).
func relatedGet[T any](c *sqlCache, q QuerySet[T], key any) (*selectPlan, error) {
	name := q.related[0]
	if len(q.related) > 1 {
		name = strings.Join(q.related, "\x00")
	}
	if q.db.root.mariadb {
		name = "mariadb\x00" + name
	}
	if m := c.getRel.Load(); m != nil {
		if p, ok := (*m)[name]; ok {
			return p, nil
		}
	}
	cq := q.Filter(q.info.PK.Name, key)
	cq.orderSet, cq.order = true, nil
	plan, err := cq.compileSelect()
	if err != nil {
		return nil, err
	}
	kept := *plan
	kept.args = nil
	c.relMu.Lock()
	defer c.relMu.Unlock()
	next := map[string]*selectPlan{}
	if m := c.getRel.Load(); m != nil {
		if len(*m) >= maxRelatedGets {
			return &kept, nil // a program that builds paths without end: compile each time
		}
		maps.Copy(next, *m)
	}
	next[name] = &kept
	c.getRel.Store(&next)
	return &kept, nil
}

// maxRelatedGets bounds the plans of relatedGet kept per model.
const maxRelatedGets = 64

func (m *ModelInfo) sql(d Dialect) *sqlCache {
	slot := &m.sqlc[d.index()]
	if c := slot.Load(); c != nil {
		return c
	}
	c := &sqlCache{table: d.QuoteIdent(m.Table)}
	for _, f := range m.concrete {
		q := d.QuoteIdent(f.Column)
		c.bare = append(c.bare, q)
		c.cols = append(c.cols, c.table+"."+q)
	}
	c.selectList = strings.Join(c.cols, ", ")
	pk := c.cols[m.PK.cidx]
	// No LIMIT: the key is unique, and a LIMIT node costs PostgreSQL about 5% more
	// work per lookup (measured with perf on the backends). Get still reads a second
	// row to report ErrMultipleObjects on a table whose key column isn't unique.
	c.getByPK = "SELECT " + c.selectList + " FROM " + c.table + " WHERE " + pk + " = " + d.Placeholder(1)
	var all, auto, allPh, autoPh, sets []string
	n := 0
	for _, f := range m.concrete {
		all = append(all, c.bare[f.cidx])
		allPh = append(allPh, d.Placeholder(len(all)))
		if f != m.PK || !m.PK.Auto {
			auto = append(auto, c.bare[f.cidx])
			autoPh = append(autoPh, d.Placeholder(len(auto)))
		}
		if f != m.PK {
			n++
			sets = append(sets, c.bare[f.cidx]+" = "+d.Placeholder(n))
		}
	}
	c.insertAll = "INSERT INTO " + c.table + " (" + strings.Join(all, ", ") + ") VALUES (" + strings.Join(allPh, ", ") + ")"
	switch {
	case len(auto) > 0:
		c.insertAuto = "INSERT INTO " + c.table + " (" + strings.Join(auto, ", ") + ") VALUES (" + strings.Join(autoPh, ", ") + ")"
	case d.Name() == "mysql":
		c.insertAuto = "INSERT INTO " + c.table + " () VALUES ()"
	default:
		c.insertAuto = "INSERT INTO " + c.table + " DEFAULT VALUES"
	}
	if m.PK.Auto && d.returning() {
		c.insertAuto += " RETURNING " + c.bare[m.PK.cidx]
	}
	if len(sets) > 0 {
		c.updateAll = "UPDATE " + c.table + " SET " + strings.Join(sets, ", ") + " WHERE " + c.bare[m.PK.cidx] + " = " + d.Placeholder(n+1)
	}
	slot.Store(c)
	return c
}

// updateShape identifies the SQL of a QuerySet.Update: the fields it sets, then the
// comparisons that choose its rows with their grouping. Only shapes whose SQL depends
// on nothing else get one (see updateShapeOf), so equal shapes mean equal SQL.
type updateShape struct {
	n     uint8
	items [maxShapeItems]uint16
}

const (
	maxShapeItems   = 14
	maxCachedShapes = 256 // per model and dialect; a program has a handful
	shapeSetsEnd    = 0xFFFF
	shapeAndOpen    = 0xFFFE
	shapeAndClose   = 0xFFFD
	maxShapeField   = 0xFFF0 >> 3
)

// shapeOps numbers the lookups a cached shape may use; "" is exact.
var shapeOps = map[string]uint16{"": 1, "exact": 1, "gt": 2, "gte": 3, "lt": 4, "lte": 5}

func (k *updateShape) add(v uint16) bool {
	if int(k.n) == len(k.items) {
		return false
	}
	k.items[k.n] = v
	k.n++
	return true
}

// updateShapeOf returns the shape of an Update of m setting sets on the rows matching
// where, or false when the SQL may depend on more than the shape: expressions,
// relations, negations, OR, nil values, other lookups.
func updateShapeOf(m *ModelInfo, where []Cond, sets []Assignment) (k updateShape, ok bool) {
	for _, s := range sets {
		f, ok := m.byName[s.field]
		if !ok || !f.Concrete() || f.cidx >= maxShapeField || !k.add(uint16(f.cidx)<<3) {
			return k, false
		}
		if _, isExpr := s.value.(Expr); isExpr {
			return k, false
		}
	}
	if !k.add(shapeSetsEnd) {
		return k, false
	}
	for _, w := range where {
		switch {
		case w.op == 'l':
			if !k.leaf(m, w) {
				return k, false
			}
		case w.op == '&' && !w.not && len(w.children) > 0:
			if !k.add(shapeAndOpen) {
				return k, false
			}
			for _, ch := range w.children {
				if ch.op != 'l' || !k.leaf(m, ch) {
					return k, false
				}
			}
			if !k.add(shapeAndClose) {
				return k, false
			}
		default:
			return k, false
		}
	}
	return k, true
}

// leaf adds a comparison of one of m's own columns with a plain value.
func (k *updateShape) leaf(m *ModelInfo, w Cond) bool {
	if w.not || isNull(w.value) {
		return false
	}
	if _, isExpr := w.value.(Expr); isExpr {
		return false
	}
	name, lk, _ := strings.Cut(w.lookup, "__")
	op, ok := shapeOps[lk]
	if !ok {
		return false
	}
	f, ok := m.byName[name]
	if !ok || !f.Concrete() || f.Rel != nil || f.Kind == KindJSON || f.cidx >= maxShapeField {
		return false
	}
	return k.add(uint16(f.cidx)<<3 | op)
}

// params returns the number of parameters the SQL of shape k binds when every
// comparison compiles to "col op ?": one per field set and one per comparison.
func (k *updateShape) params() int {
	n := 0
	for _, it := range k.items[:k.n] {
		if it < shapeAndClose {
			n++
		}
	}
	return n
}

// update returns the cached SQL of an Update shape.
func (c *sqlCache) update(k updateShape) (string, bool) {
	if m := c.updates.Load(); m != nil {
		q, ok := (*m)[k]
		return q, ok
	}
	return "", false
}

// storeUpdate remembers the SQL compiled for an Update shape.
func (c *sqlCache) storeUpdate(k updateShape, query string) {
	c.updMu.Lock()
	defer c.updMu.Unlock()
	old := c.updates.Load()
	if old != nil {
		if _, ok := (*old)[k]; ok || len(*old) >= maxCachedShapes {
			return
		}
	}
	next := map[updateShape]string{}
	if old != nil {
		next = maps.Clone(*old)
	}
	next[k] = query
	c.updates.Store(&next)
}

package orm

import "strings"

// sqlCache holds the SQL text of a model that does not depend on the query: quoted
// names and the statements of single-row operations. Built once per model and dialect.
type sqlCache struct {
	table      string   // quoted table
	cols       []string // quoted, table-qualified concrete columns
	bare       []string // quoted column names
	selectList string   // cols joined
	getByPK    string   // SELECT ... WHERE pk = ? LIMIT 2
	insertAll  string   // INSERT with every concrete column
	insertAuto string   // INSERT without the auto pk (+ RETURNING where supported)
	updateAll  string   // UPDATE every non-pk column WHERE pk = ?
}

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
	c.getByPK = "SELECT " + c.selectList + " FROM " + c.table + " WHERE " + pk + " = " + d.Placeholder(1) + d.limitOffset(2, 0)
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

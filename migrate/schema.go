package migrate

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// Stmt is one SQL statement of a migration, with its bound parameters.
type Stmt struct {
	SQL  string
	Args []any
}

// conn is what the editor runs statements on: a *sql.Tx, or a *sql.Conn on MySQL.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Editor turns operations into SQL for one dialect (Django's schema editor). It either
// collects the statements (sqlmigrate, --plan) or runs them on a connection.
type Editor struct {
	d       orm.Dialect
	ctx     context.Context
	c       conn     // nil: collect only
	Stmts   []Stmt   // every statement, in order
	Notes   []string // non-SQL steps (RunGo)
	progres func(done, total int)
}

// NewEditor returns an Editor that only collects the SQL of operations for dialect d.
func NewEditor(d orm.Dialect) *Editor { return &Editor{d: d, ctx: context.Background()} }

func (e *Editor) q(name string) string { return e.d.QuoteIdent(name) }

func (e *Editor) sqlite() bool { return e.d.Name() == "sqlite" }
func (e *Editor) pg() bool     { return e.d.Name() == "postgres" }
func (e *Editor) mysql() bool  { return e.d.Name() == "mysql" }

// exec records a statement and runs it when the editor has a connection.
func (e *Editor) exec(sqlText string, args ...any) error {
	e.Stmts = append(e.Stmts, Stmt{SQL: sqlText, Args: args})
	if e.c == nil {
		return nil
	}
	if _, err := e.c.ExecContext(e.ctx, sqlText, args...); err != nil {
		return fmt.Errorf("%s: %w", sqlText, err)
	}
	return nil
}

func (e *Editor) execAll(stmts []Stmt) error {
	for _, s := range stmts {
		if err := e.exec(s.SQL, s.Args...); err != nil {
			return err
		}
	}
	return nil
}

// pseudo returns an orm.Field carrying what the dialect needs to type a column.
func pseudo(st *State, f *Field) *orm.Field {
	of := &orm.Field{Name: f.Name, Column: f.column(), Kind: f.Kind, Null: f.Null, MaxLength: f.MaxLength,
		MaxDigits: f.MaxDigits, DecimalPlaces: f.DecimalPlaces, PrimaryKey: f.PK, Auto: f.Auto}
	if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
		of.Kind = orm.KindBigInt
		if t, ok := st.Model(f.To); ok {
			if pk := t.PK(); pk != nil {
				of.Kind, of.MaxLength, of.MaxDigits, of.DecimalPlaces = pk.Kind, pk.MaxLength, pk.MaxDigits, pk.DecimalPlaces
			}
		}
	}
	return of
}

func (e *Editor) colType(st *State, f *Field) string { return e.d.ColumnType(pseudo(st, f)) }

// colDef is the column definition without UNIQUE (unique columns get a named unique
// index, so that it can be dropped and renamed by name on every database).
func (e *Editor) colDef(st *State, f *Field, null bool) string {
	p := pseudo(st, f)
	p.Null = null
	p.Unique = false
	s := e.d.ColumnDefinition(p)
	if e.sqlite() && (f.Kind == orm.KindFK || f.Kind == orm.KindO2O) {
		if t, ok := st.Model(f.To); ok && t.PK() != nil {
			s += " REFERENCES " + e.q(t.Table) + " (" + e.q(t.PK().column()) + ") DEFERRABLE INITIALLY DEFERRED"
		}
	}
	return s
}

// object is an index or a FK constraint of a table, known by name.
type object struct {
	kind   string // "index" or "fk"
	name   string
	create Stmt
	drop   Stmt
	table  string
}

func (o object) sig() string { return o.kind + "|" + o.name + "|" + o.create.SQL }

func (e *Editor) indexObj(m *ModelState, cols []string, name string, unique bool) object {
	suffix := "idx"
	u := ""
	if unique {
		suffix, u = "uniq", "UNIQUE "
	}
	if name == "" {
		name = e.d.IndexName(m.Table, cols, suffix)
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = e.q(c)
	}
	o := object{kind: "index", name: name, table: m.Table,
		create: Stmt{SQL: "CREATE " + u + "INDEX " + e.q(name) + " ON " + e.q(m.Table) + " (" + strings.Join(quoted, ", ") + ")"}}
	if e.mysql() {
		o.drop = Stmt{SQL: "DROP INDEX " + e.q(name) + " ON " + e.q(m.Table)}
	} else {
		o.drop = Stmt{SQL: "DROP INDEX " + e.q(name)}
	}
	return o
}

func (e *Editor) fkObj(st *State, m *ModelState, f *Field) (object, bool) {
	if e.sqlite() || (f.Kind != orm.KindFK && f.Kind != orm.KindO2O) {
		return object{}, false
	}
	t, ok := st.Model(f.To)
	if !ok || t.PK() == nil {
		return object{}, false
	}
	name := e.d.IndexName(m.Table, []string{f.column()}, "fk")
	def := "ALTER TABLE " + e.q(m.Table) + " ADD CONSTRAINT " + e.q(name) + " FOREIGN KEY (" + e.q(f.column()) + ") REFERENCES " +
		e.q(t.Table) + " (" + e.q(t.PK().column()) + ")"
	drop := "ALTER TABLE " + e.q(m.Table) + " DROP CONSTRAINT " + e.q(name)
	if e.pg() {
		def += " DEFERRABLE INITIALLY DEFERRED"
	} else {
		drop = "ALTER TABLE " + e.q(m.Table) + " DROP FOREIGN KEY " + e.q(name)
	}
	return object{kind: "fk", name: name, table: m.Table, create: Stmt{SQL: def}, drop: Stmt{SQL: drop}}, true
}

// fieldObjects returns the indexes and constraints that belong to one field.
func (e *Editor) fieldObjects(st *State, m *ModelState, f *Field) []object {
	var out []object
	if !f.concrete() || f.PK {
		return nil
	}
	if f.Unique {
		out = append(out, e.indexObj(m, []string{f.column()}, "", true))
	} else if f.Index {
		out = append(out, e.indexObj(m, []string{f.column()}, "", false))
	}
	if fk, ok := e.fkObj(st, m, f); ok {
		out = append(out, fk)
	}
	return out
}

func (e *Editor) metaIndexObj(m *ModelState, ix Index) object {
	cols := make([]string, len(ix.Fields))
	for i, n := range ix.Fields {
		cols[i] = n
		if f, ok := m.Field(n); ok {
			cols[i] = f.column()
		}
	}
	return e.indexObj(m, cols, ix.Name, ix.Unique)
}

// objects returns every index and FK constraint of m's table, in a stable order.
func (e *Editor) objects(st *State, m *ModelState) []object {
	var out []object
	for _, f := range m.Fields {
		out = append(out, e.fieldObjects(st, m, f)...)
	}
	for _, ix := range m.Indexes {
		out = append(out, e.metaIndexObj(m, ix))
	}
	return out
}

func (e *Editor) createTableStmt(st *State, m *ModelState, table string) string {
	var cols []string
	for _, f := range m.concrete() {
		cols = append(cols, e.colDef(st, f, f.Null))
	}
	s := "CREATE TABLE " + e.q(table) + " (" + strings.Join(cols, ", ") + ")"
	if e.mysql() {
		s += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	}
	return s
}

// createModel creates m's table, its indexes and constraints, and its automatic M2M
// join tables.
func (e *Editor) createModel(st *State, m *ModelState) error {
	if err := e.exec(e.createTableStmt(st, m, m.Table)); err != nil {
		return err
	}
	for _, o := range e.objects(st, m) {
		if err := e.exec(o.create.SQL); err != nil {
			return err
		}
	}
	for _, f := range m.Fields {
		if f.autoM2M() {
			if err := e.createJoinTable(st, m, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Editor) deleteModel(st *State, m *ModelState) error {
	for _, f := range m.Fields {
		if f.autoM2M() {
			if err := e.exec(e.d.DropTableSQL(f.ThroughTable)); err != nil {
				return err
			}
		}
	}
	if e.mysql() {
		// Constraints of other tables pointing here would block the drop.
		for _, r := range st.referencing(m.Label()) {
			if r.m.Key() == m.Key() || !r.f.concrete() {
				continue
			}
			if fk, ok := e.fkObj(st, r.m, r.f); ok {
				if err := e.exec(fk.drop.SQL); err != nil {
					return err
				}
			}
		}
	}
	return e.exec(e.d.DropTableSQL(m.Table))
}

// joinModel describes an automatic M2M join table as a model state.
func joinModel(m *ModelState, f *Field) *ModelState {
	return &ModelState{App: m.App, Name: f.ThroughTable, Table: f.ThroughTable, Fields: []*Field{
		{Name: "id", Kind: orm.KindBigInt, PK: true, Auto: true},
		{Name: f.SourceColumn, Column: f.SourceColumn, Kind: orm.KindFK, To: m.Label(), OnDelete: orm.Cascade},
		{Name: f.TargetColumn, Column: f.TargetColumn, Kind: orm.KindFK, To: f.To, OnDelete: orm.Cascade, Index: true},
	}, Indexes: []Index{{Fields: []string{f.SourceColumn, f.TargetColumn}, Unique: true}}}
}

func (e *Editor) createJoinTable(st *State, m *ModelState, f *Field) error {
	j := joinModel(m, f)
	if err := e.exec(e.createTableStmt(st, j, j.Table)); err != nil {
		return err
	}
	for _, o := range e.objects(st, j) {
		if err := e.exec(o.create.SQL); err != nil {
			return err
		}
	}
	return nil
}

// defaultArg converts a field's default text to a value for a bound parameter.
func defaultArg(f *Field) (any, error) {
	s := f.Default
	switch f.Kind {
	case orm.KindInt, orm.KindBigInt, orm.KindFK, orm.KindO2O:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
			return s, nil
		}
		return nil, fmt.Errorf("default %q of field %s is not an integer", s, f.Name)
	case orm.KindFloat:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("default %q of field %s is not a number", s, f.Name)
		}
		return x, nil
	case orm.KindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("default %q of field %s is not a boolean", s, f.Name)
		}
		return b, nil
	case orm.KindDateTime, orm.KindDate:
		if s == "now" {
			return time.Now().UTC(), nil
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
		return nil, fmt.Errorf("default %q of field %s is not a time (RFC 3339, YYYY-MM-DD or now)", s, f.Name)
	case orm.KindJSON:
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("default %q of field %s is not JSON", s, f.Name)
		}
		return s, nil
	case orm.KindBytes:
		return []byte(s), nil
	case orm.KindDecimal:
		d, err := orm.ParseDecimal(s)
		if err != nil {
			return nil, fmt.Errorf("default %q of field %s: %v", s, f.Name, err)
		}
		return d.String(), nil
	}
	return s, nil
}

// ---- fields ----------------------------------------------------------------------

func (e *Editor) addField(from, st *State, before, m *ModelState, f *Field) error {
	if f.autoM2M() {
		return e.createJoinTable(st, m, f)
	}
	if !f.concrete() {
		return nil
	}
	var fill any
	if f.HasDefault {
		v, err := defaultArg(f)
		if err != nil {
			return err
		}
		fill = v
	}
	if e.sqlite() {
		if f.Null && !f.PK && !f.HasDefault { // UNIQUE is a separate index here
			if err := e.exec("ALTER TABLE " + e.q(m.Table) + " ADD COLUMN " + e.colDef(st, f, true)); err != nil {
				return err
			}
			for _, o := range e.fieldObjects(st, m, f) {
				if err := e.exec(o.create.SQL); err != nil {
					return err
				}
			}
			return nil
		}
		return e.rebuildTo(st, before, m, rebuildPlan{fill: map[string]any{f.column(): fill}, hasFill: map[string]bool{f.column(): f.HasDefault}})
	}
	if err := e.exec("ALTER TABLE " + e.q(m.Table) + " ADD COLUMN " + e.colDef(st, f, true)); err != nil {
		return err
	}
	if f.HasDefault {
		if err := e.exec("UPDATE "+e.q(m.Table)+" SET "+e.q(f.column())+" = "+e.d.Placeholder(1), fill); err != nil {
			return err
		}
	}
	if !f.Null {
		if err := e.setNull(st, m.Table, f, false); err != nil {
			return err
		}
	}
	for _, o := range e.fieldObjects(st, m, f) {
		if err := e.exec(o.create.SQL); err != nil {
			return err
		}
	}
	return nil
}

func (e *Editor) setNull(st *State, table string, f *Field, null bool) error {
	if e.pg() {
		verb := "SET"
		if null {
			verb = "DROP"
		}
		return e.exec("ALTER TABLE " + e.q(table) + " ALTER COLUMN " + e.q(f.column()) + " " + verb + " NOT NULL")
	}
	return e.exec("ALTER TABLE " + e.q(table) + " MODIFY " + e.colDef(st, f, null))
}

func (e *Editor) removeField(st, to *State, m, after *ModelState, f *Field) error {
	if f.autoM2M() {
		return e.exec(e.d.DropTableSQL(f.ThroughTable))
	}
	if !f.concrete() {
		return nil
	}
	if e.sqlite() {
		return e.rebuildTo(to, m, after, rebuildPlan{})
	}
	for _, o := range e.fieldObjects(st, m, f) {
		if o.kind == "fk" {
			if err := e.exec(o.drop.SQL); err != nil {
				return err
			}
		}
	}
	return e.exec("ALTER TABLE " + e.q(m.Table) + " DROP COLUMN " + e.q(f.column()))
}

// alterField changes old into new on m's table (from is the state holding old, to
// the state holding new).
func (e *Editor) alterField(from, to *State, mOld, mNew *ModelState, old, nw *Field) error {
	if old.Kind == orm.KindM2M || nw.Kind == orm.KindM2M {
		if old.Kind == nw.Kind && old.ThroughTable == nw.ThroughTable && old.Through == nw.Through {
			return nil // related_name and such are not in the schema
		}
		if old.autoM2M() && nw.autoM2M() && old.ThroughTable != nw.ThroughTable {
			return e.renameTable(old.ThroughTable, nw.ThroughTable)
		}
		return fmt.Errorf("migrate: cannot alter M2M field %s.%s into a different kind of field; remove it and add a new one", mNew.Label(), nw.Name)
	}
	var fill any
	needFill := old.Null && !nw.Null && nw.HasDefault
	if needFill {
		v, err := defaultArg(nw)
		if err != nil {
			return err
		}
		fill = v
	}
	if e.sqlite() {
		plan := rebuildPlan{rename: map[string]string{nw.column(): old.column()}}
		if needFill {
			plan.fill = map[string]any{nw.column(): fill}
			plan.hasFill = map[string]bool{nw.column(): true}
			plan.coalesce = true
		}
		return e.rebuildTo(to, mOld, mNew, plan)
	}
	oldObjs := e.fieldObjects(from, mOld, old)
	newObjs := e.fieldObjects(to, mNew, nw)
	drop, create := diffObjects(oldObjs, newObjs)
	if e.mysql() && len(drop) > 0 {
		// MySQL refuses to drop an index a foreign key uses: drop the key first and
		// add it again afterwards.
		drop, create = withFKs(drop, oldObjs, true), withFKs(create, newObjs, false)
	}
	for _, o := range drop {
		if err := e.exec(o.drop.SQL); err != nil {
			return err
		}
	}
	table := mNew.Table
	if old.column() != nw.column() {
		if err := e.exec("ALTER TABLE " + e.q(table) + " RENAME COLUMN " + e.q(old.column()) + " TO " + e.q(nw.column())); err != nil {
			return err
		}
	}
	typeChanged := e.colType(from, old) != e.colType(to, nw)
	if needFill {
		if err := e.exec("UPDATE "+e.q(table)+" SET "+e.q(nw.column())+" = "+e.d.Placeholder(1)+" WHERE "+e.q(nw.column())+" IS NULL", fill); err != nil {
			return err
		}
	}
	if e.pg() {
		if typeChanged {
			t := e.colType(to, nw)
			if err := e.exec("ALTER TABLE " + e.q(table) + " ALTER COLUMN " + e.q(nw.column()) + " TYPE " + t + " USING " + e.q(nw.column()) + "::" + t); err != nil {
				return err
			}
		}
		if old.Null != nw.Null {
			if err := e.setNull(to, table, nw, nw.Null); err != nil {
				return err
			}
		}
	} else if typeChanged || old.Null != nw.Null {
		if err := e.exec("ALTER TABLE " + e.q(table) + " MODIFY " + e.colDef(to, nw, nw.Null)); err != nil {
			return err
		}
	}
	for _, o := range create {
		if err := e.exec(o.create.SQL); err != nil {
			return err
		}
	}
	return nil
}

func diffObjects(old, nw []object) (drop, create []object) {
	have := map[string]bool{}
	for _, o := range nw {
		have[o.sig()] = true
	}
	had := map[string]bool{}
	for _, o := range old {
		had[o.sig()] = true
		if !have[o.sig()] {
			drop = append(drop, o)
		}
	}
	for _, o := range nw {
		if !had[o.sig()] {
			create = append(create, o)
		}
	}
	return
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// renameObjects renames the indexes and constraints whose generated names change when
// a table or column is renamed (old and new list them in the same order).
func (e *Editor) renameObjects(old, nw []object) error {
	for i := range old {
		if i >= len(nw) || old[i].name == nw[i].name {
			continue
		}
		o, n := old[i], nw[i]
		var err error
		switch {
		case e.sqlite():
			if err = e.exec(o.drop.SQL); err == nil {
				err = e.exec(n.create.SQL)
			}
		case o.kind == "index" && e.pg():
			err = e.exec("ALTER INDEX " + e.q(o.name) + " RENAME TO " + e.q(n.name))
		case o.kind == "index":
			err = e.exec("ALTER TABLE " + e.q(n.table) + " RENAME INDEX " + e.q(o.name) + " TO " + e.q(n.name))
		case e.pg():
			err = e.exec("ALTER TABLE " + e.q(n.table) + " RENAME CONSTRAINT " + e.q(o.name) + " TO " + e.q(n.name))
		default: // MySQL cannot rename a foreign key
			drop := strings.Replace(o.drop.SQL, e.q(o.table), e.q(n.table), 1)
			if err = e.exec(drop); err == nil {
				err = e.exec(n.create.SQL)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *Editor) renameField(from, to *State, mOld, mNew *ModelState, old, nw *Field) error {
	if !old.concrete() {
		return nil
	}
	if old.column() != nw.column() {
		if err := e.exec("ALTER TABLE " + e.q(mNew.Table) + " RENAME COLUMN " + e.q(old.column()) + " TO " + e.q(nw.column())); err != nil {
			return err
		}
	}
	return e.renameObjects(e.objects(from, mOld), e.objects(to, mNew))
}

func (e *Editor) renameTable(old, nw string) error {
	if old == nw {
		return nil
	}
	if e.mysql() {
		return e.exec("RENAME TABLE " + e.q(old) + " TO " + e.q(nw))
	}
	return e.exec("ALTER TABLE " + e.q(old) + " RENAME TO " + e.q(nw))
}

func (e *Editor) renameModel(from, to *State, mOld, mNew *ModelState) error {
	if err := e.renameTable(mOld.Table, mNew.Table); err != nil {
		return err
	}
	if err := e.renameObjects(e.objects(from, mOld), e.objects(to, mNew)); err != nil {
		return err
	}
	for i, f := range mOld.Fields {
		g := mNew.Fields[i]
		if f.autoM2M() {
			if err := e.renameJoin(from, to, mOld, mNew, f, g); err != nil {
				return err
			}
		}
	}
	// automatic join tables of other models pointing at the renamed model
	for _, r := range to.referencing(mNew.Label()) {
		if !r.f.autoM2M() || r.m.Key() == mNew.Key() {
			continue
		}
		om, ok := from.Model(r.m.Label())
		if !ok {
			continue
		}
		of, ok := om.Field(r.f.Name)
		if !ok {
			continue
		}
		if err := e.renameJoin(from, to, om, r.m, of, r.f); err != nil {
			return err
		}
	}
	return nil
}

func (e *Editor) renameJoin(from, to *State, mOld, mNew *ModelState, f, g *Field) error {
	jo, jn := joinModel(mOld, f), joinModel(mNew, g)
	if err := e.renameTable(jo.Table, jn.Table); err != nil {
		return err
	}
	for i, c := range jo.Fields {
		if c.column() != jn.Fields[i].column() {
			if err := e.exec("ALTER TABLE " + e.q(jn.Table) + " RENAME COLUMN " + e.q(c.column()) + " TO " + e.q(jn.Fields[i].column())); err != nil {
				return err
			}
		}
	}
	return e.renameObjects(e.objects(from, jo), e.objects(to, jn))
}

// ---- SQLite table rebuild ---------------------------------------------------------

// rebuildPlan says how the new table's columns are filled from the old one.
type rebuildPlan struct {
	rename   map[string]string // new column -> old column (when it differs)
	fill     map[string]any    // new column -> value for rows
	hasFill  map[string]bool
	coalesce bool // fill only where the old value is NULL
}

// rebuildTo recreates before's table as after (SQLite cannot alter columns): create
// the new table, copy the rows, drop the old table, rename the new one, recreate the
// indexes. Foreign key enforcement is off during migrations on SQLite and checked
// before commit (see the executor).
func (e *Editor) rebuildTo(st *State, before, after *ModelState, plan rebuildPlan) error {
	tmp := "new__" + after.Table
	if err := e.exec(e.createTableStmt(st, after, tmp)); err != nil {
		return err
	}
	var cols, exprs []string
	var args []any
	for _, f := range after.concrete() {
		col := f.column()
		src := col
		if r, ok := plan.rename[col]; ok {
			src = r
		}
		_, existed := columnOf(before, src)
		switch {
		case plan.hasFill[col] && (!existed || !plan.coalesce):
			exprs = append(exprs, "?")
			args = append(args, plan.fill[col])
		case plan.hasFill[col]:
			exprs = append(exprs, "COALESCE("+e.q(src)+", ?)")
			args = append(args, plan.fill[col])
		case existed:
			exprs = append(exprs, e.q(src))
		default:
			continue // a new nullable column: NULL
		}
		cols = append(cols, e.q(col))
	}
	if len(cols) > 0 {
		if err := e.exec("INSERT INTO "+e.q(tmp)+" ("+strings.Join(cols, ", ")+") SELECT "+strings.Join(exprs, ", ")+" FROM "+e.q(before.Table), args...); err != nil {
			return err
		}
	}
	if err := e.exec("DROP TABLE " + e.q(before.Table)); err != nil {
		return err
	}
	if err := e.exec("ALTER TABLE " + e.q(tmp) + " RENAME TO " + e.q(after.Table)); err != nil {
		return err
	}
	for _, o := range e.objects(st, after) {
		if err := e.exec(o.create.SQL); err != nil {
			return err
		}
	}
	return nil
}

func columnOf(m *ModelState, col string) (*Field, bool) {
	for _, f := range m.concrete() {
		if f.column() == col {
			return f, true
		}
	}
	return nil, false
}

// ---- indexes ------------------------------------------------------------------------

func (e *Editor) addIndex(m *ModelState, ix Index) error {
	return e.exec(e.metaIndexObj(m, ix).create.SQL)
}

func (e *Editor) removeIndex(m *ModelState, ix Index) error {
	return e.exec(e.metaIndexObj(m, ix).drop.SQL)
}

// withFKs adds the foreign keys of all to list (once): first when dropping, last
// when creating.
func withFKs(list, all []object, first bool) []object {
	var fks, rest []object
	seen := map[string]bool{}
	for _, o := range append(append([]object(nil), list...), all...) {
		if seen[o.sig()] {
			continue
		}
		if o.kind == "fk" {
			seen[o.sig()] = true
			fks = append(fks, o)
		}
	}
	for _, o := range list {
		if o.kind != "fk" {
			rest = append(rest, o)
		}
	}
	if first {
		return append(fks, rest...)
	}
	return append(rest, fks...)
}

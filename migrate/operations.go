package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/galvani-web/galvani/orm"
)

// Operation is one step of a migration. It changes the migration State (so history
// can be replayed without the Go structs) and the database schema, forwards and, where
// possible, backwards.
type Operation interface {
	// Describe says what the operation does, for plans and messages.
	Describe() string
	// State applies the operation to the state.
	State(s *State) error
	// Forwards changes the database; from is the state before the operation, to the
	// state after it.
	Forwards(e *Editor, from, to *State) error
	// Backwards undoes Forwards; from is the state after the operation, to the state
	// before it. Irreversible operations return an error matching ErrIrreversible.
	Backwards(e *Editor, from, to *State) error
}

// ErrIrreversible is returned (wrapped) when a migration cannot be unapplied.
var ErrIrreversible = errors.New("irreversible")

func models2(from, to *State, app, name string) (*ModelState, *ModelState, error) {
	a, err := from.mustModel(app, name)
	if err != nil {
		return nil, nil, err
	}
	b, err := to.mustModel(app, name)
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// ---- models -------------------------------------------------------------------------

// CreateModel creates a model's table (with its indexes, constraints and automatic
// M2M join tables).
type CreateModel struct {
	App, Name string
	// Table is the table name.
	Table   string
	Fields  []*Field
	Indexes []Index
}

// Describe implements Operation.
func (op *CreateModel) Describe() string { return "Create model " + op.App + "." + op.Name }

// State implements Operation.
func (op *CreateModel) State(s *State) error {
	key := modelKey(op.App, op.Name)
	if _, dup := s.Models[key]; dup {
		return fmt.Errorf("migrate: CreateModel %s.%s: the model already exists", op.App, op.Name)
	}
	m := (&ModelState{App: op.App, Name: op.Name, Table: op.Table, Fields: op.Fields, Indexes: op.Indexes}).clone()
	if m.Table == "" {
		m.Table = op.App + "_" + strings.ToLower(op.Name)
	}
	if m.PK() == nil {
		return fmt.Errorf("migrate: CreateModel %s.%s has no primary key field", op.App, op.Name)
	}
	s.Models[key] = m
	return nil
}

// Forwards implements Operation.
func (op *CreateModel) Forwards(e *Editor, _, to *State) error {
	m, err := to.mustModel(op.App, op.Name)
	if err != nil {
		return err
	}
	return e.createModel(to, m)
}

// Backwards implements Operation.
func (op *CreateModel) Backwards(e *Editor, from, _ *State) error {
	m, err := from.mustModel(op.App, op.Name)
	if err != nil {
		return err
	}
	return e.deleteModel(from, m)
}

// DeleteModel drops a model's table (and its automatic M2M join tables). Going back
// recreates the table empty.
type DeleteModel struct {
	App, Name string
}

// Describe implements Operation.
func (op *DeleteModel) Describe() string { return "Delete model " + op.App + "." + op.Name }

// State implements Operation.
func (op *DeleteModel) State(s *State) error {
	if _, err := s.mustModel(op.App, op.Name); err != nil {
		return err
	}
	delete(s.Models, modelKey(op.App, op.Name))
	return nil
}

// Forwards implements Operation.
func (op *DeleteModel) Forwards(e *Editor, from, _ *State) error {
	m, err := from.mustModel(op.App, op.Name)
	if err != nil {
		return err
	}
	return e.deleteModel(from, m)
}

// Backwards implements Operation.
func (op *DeleteModel) Backwards(e *Editor, _, to *State) error {
	m, err := to.mustModel(op.App, op.Name)
	if err != nil {
		return err
	}
	return e.createModel(to, m)
}

// RenameModel renames a model, its table when the table had the default name
// ("app_oldname"), and the automatic M2M join tables that depend on the name. Fields
// of other models pointing at it follow.
type RenameModel struct {
	App, OldName, NewName string
}

// Describe implements Operation.
func (op *RenameModel) Describe() string {
	return "Rename model " + op.App + "." + op.OldName + " to " + op.NewName
}

// State implements Operation.
func (op *RenameModel) State(s *State) error {
	m, err := s.mustModel(op.App, op.OldName)
	if err != nil {
		return err
	}
	if _, dup := s.Models[modelKey(op.App, op.NewName)]; dup && !strings.EqualFold(op.OldName, op.NewName) {
		return fmt.Errorf("migrate: RenameModel: model %s.%s already exists", op.App, op.NewName)
	}
	oldLabel := m.Label()
	delete(s.Models, m.Key())
	oldLower, newLower := strings.ToLower(op.OldName), strings.ToLower(op.NewName)
	if m.Table == op.App+"_"+oldLower {
		m.Table = op.App + "_" + newLower
	}
	m.Name = op.NewName
	for _, f := range m.Fields {
		if f.autoM2M() && f.ThroughTable == op.App+"_"+oldLower+"_"+f.Name {
			f.ThroughTable = m.Table + "_" + f.Name
		}
	}
	s.Models[m.Key()] = m
	for _, om := range s.Models {
		for _, f := range om.Fields {
			if strings.EqualFold(f.To, oldLabel) {
				f.To = m.Label()
			}
			if strings.EqualFold(f.Through, oldLabel) {
				f.Through = m.Label()
			}
			if f.autoM2M() {
				if f.SourceColumn == oldLower+"_id" && om == m {
					f.SourceColumn = newLower + "_id"
				}
				if f.TargetColumn == oldLower+"_id" && strings.EqualFold(f.To, m.Label()) {
					f.TargetColumn = newLower + "_id"
				}
				if f.SourceColumn == "from_"+oldLower+"_id" && om == m {
					f.SourceColumn, f.TargetColumn = "from_"+newLower+"_id", "to_"+newLower+"_id"
				}
			}
		}
	}
	return nil
}

// Forwards implements Operation.
func (op *RenameModel) Forwards(e *Editor, from, to *State) error {
	a, err := from.mustModel(op.App, op.OldName)
	if err != nil {
		return err
	}
	b, err := to.mustModel(op.App, op.NewName)
	if err != nil {
		return err
	}
	return e.renameModel(from, to, a, b)
}

// Backwards implements Operation.
func (op *RenameModel) Backwards(e *Editor, from, to *State) error {
	a, err := from.mustModel(op.App, op.NewName)
	if err != nil {
		return err
	}
	b, err := to.mustModel(op.App, op.OldName)
	if err != nil {
		return err
	}
	return e.renameModel(from, to, a, b)
}

// AlterModelTable changes a model's table name.
type AlterModelTable struct {
	App, Name, Table string
}

// Describe implements Operation.
func (op *AlterModelTable) Describe() string {
	return "Rename table of " + op.App + "." + op.Name + " to " + op.Table
}

// State implements Operation.
func (op *AlterModelTable) State(s *State) error {
	m, err := s.mustModel(op.App, op.Name)
	if err != nil {
		return err
	}
	m.Table = op.Table
	return nil
}

// Forwards implements Operation.
func (op *AlterModelTable) Forwards(e *Editor, from, to *State) error {
	a, b, err := models2(from, to, op.App, op.Name)
	if err != nil {
		return err
	}
	return e.renameModel(from, to, a, b)
}

// Backwards implements Operation.
func (op *AlterModelTable) Backwards(e *Editor, from, to *State) error {
	return op.Forwards(e, from, to)
}

// ---- fields -------------------------------------------------------------------------

// AddField adds a field to a model. A NOT NULL field fills existing rows with its
// Default.
type AddField struct {
	App, Model string
	Field      *Field
	// HasFill and Fill give a one-off value for existing rows of a NOT NULL field
	// without a default (makemigrations asks for it); it is not part of the model.
	HasFill bool
	Fill    string
}

func withFill(f *Field, has bool, fill string) *Field {
	if !has || f.HasDefault {
		return f
	}
	g := f.clone()
	g.HasDefault, g.Default = true, fill
	return g
}

// Describe implements Operation.
func (op *AddField) Describe() string {
	return "Add field " + op.Field.Name + " to " + op.App + "." + op.Model
}

// State implements Operation.
func (op *AddField) State(s *State) error {
	m, err := s.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	if _, dup := m.Field(op.Field.Name); dup {
		return fmt.Errorf("migrate: AddField: %s already has a field %s", m.Label(), op.Field.Name)
	}
	m.Fields = append(m.Fields, op.Field.clone())
	return nil
}

// Forwards implements Operation.
func (op *AddField) Forwards(e *Editor, from, to *State) error {
	a, b, err := models2(from, to, op.App, op.Model)
	if err != nil {
		return err
	}
	f, _ := b.Field(op.Field.Name)
	return e.addField(from, to, a, b, withFill(f, op.HasFill, op.Fill))
}

// Backwards implements Operation.
func (op *AddField) Backwards(e *Editor, from, to *State) error {
	a, b, err := models2(from, to, op.App, op.Model)
	if err != nil {
		return err
	}
	f, _ := a.Field(op.Field.Name)
	return e.removeField(from, to, a, b, f)
}

// RemoveField removes a field (its column, or its join table). Going back adds the
// column again, filled with the field's default (or NULL); its data is gone.
type RemoveField struct {
	App, Model, Name string
}

// Describe implements Operation.
func (op *RemoveField) Describe() string {
	return "Remove field " + op.Name + " from " + op.App + "." + op.Model
}

// State implements Operation.
func (op *RemoveField) State(s *State) error {
	m, err := s.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	if _, ok := m.Field(op.Name); !ok {
		return fmt.Errorf("migrate: RemoveField: %s has no field %s", m.Label(), op.Name)
	}
	var keep []*Field
	for _, f := range m.Fields {
		if f.Name != op.Name {
			keep = append(keep, f)
		}
	}
	m.Fields = keep
	var ixs []Index
	for _, ix := range m.Indexes {
		if !containsStr(ix.Fields, op.Name) {
			ixs = append(ixs, ix)
		}
	}
	m.Indexes = ixs
	return nil
}

// Forwards implements Operation.
func (op *RemoveField) Forwards(e *Editor, from, to *State) error {
	a, b, err := models2(from, to, op.App, op.Model)
	if err != nil {
		return err
	}
	f, _ := a.Field(op.Name)
	return e.removeField(from, to, a, b, f)
}

// Backwards implements Operation.
func (op *RemoveField) Backwards(e *Editor, from, to *State) error {
	a, b, err := models2(from, to, op.App, op.Model)
	if err != nil {
		return err
	}
	f, _ := b.Field(op.Name)
	if !f.Null && !f.HasDefault && f.concrete() {
		// Existing rows need a value for the column that comes back: its zero value.
		if z, ok := zeroDefault(f.Kind); ok {
			f = f.clone()
			f.HasDefault, f.Default = true, z
		}
	}
	return e.addField(from, to, a, b, f)
}

// AlterField changes a field's type, null, default, max_length, unique or index (and
// its column). Field is the new definition; making a column NOT NULL fills NULLs with
// its Default.
type AlterField struct {
	App, Model string
	Field      *Field
	// HasFill and Fill give a one-off value for rows that are NULL when the field
	// becomes NOT NULL without a default.
	HasFill bool
	Fill    string
}

// Describe implements Operation.
func (op *AlterField) Describe() string {
	return "Alter field " + op.Field.Name + " on " + op.App + "." + op.Model
}

// State implements Operation.
func (op *AlterField) State(s *State) error {
	m, err := s.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	for i, f := range m.Fields {
		if f.Name == op.Field.Name {
			m.Fields[i] = op.Field.clone()
			return nil
		}
	}
	return fmt.Errorf("migrate: AlterField: %s has no field %s", m.Label(), op.Field.Name)
}

// Forwards implements Operation.
func (op *AlterField) Forwards(e *Editor, from, to *State) error {
	a, b, err := models2(from, to, op.App, op.Model)
	if err != nil {
		return err
	}
	fa, _ := a.Field(op.Field.Name)
	fb, _ := b.Field(op.Field.Name)
	return e.alterField(from, to, a, b, fa, withFill(fb, op.HasFill, op.Fill))
}

// Backwards implements Operation.
func (op *AlterField) Backwards(e *Editor, from, to *State) error {
	return op.Forwards(e, from, to)
}

// RenameField renames a field (and its column, when the column followed the name).
type RenameField struct {
	App, Model, OldName, NewName string
}

// Describe implements Operation.
func (op *RenameField) Describe() string {
	return "Rename field " + op.OldName + " on " + op.App + "." + op.Model + " to " + op.NewName
}

// State implements Operation.
func (op *RenameField) State(s *State) error {
	m, err := s.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	f, ok := m.Field(op.OldName)
	if !ok {
		return fmt.Errorf("migrate: RenameField: %s has no field %s", m.Label(), op.OldName)
	}
	if _, dup := m.Field(op.NewName); dup {
		return fmt.Errorf("migrate: RenameField: %s already has a field %s", m.Label(), op.NewName)
	}
	// A column that followed the name (Column empty) follows the new name; an explicit
	// column stays, and becomes implicit if it happens to be the new default.
	if f.Column != "" && f.Column == defaultColumn(&Field{Name: op.NewName, Kind: f.Kind}) {
		f.Column = ""
	}
	f.Name = op.NewName
	if f.autoM2M() && f.ThroughTable == m.Table+"_"+op.OldName {
		f.ThroughTable = m.Table + "_" + op.NewName
	}
	for i, ix := range m.Indexes {
		for j, n := range ix.Fields {
			if n == op.OldName {
				m.Indexes[i].Fields[j] = op.NewName
			}
		}
	}
	return nil
}

func (op *RenameField) run(e *Editor, from, to *State, oldName, newName string) error {
	a, b, err := models2(from, to, op.App, op.Model)
	if err != nil {
		return err
	}
	fa, _ := a.Field(oldName)
	fb, _ := b.Field(newName)
	if fa == nil || fb == nil {
		return fmt.Errorf("migrate: RenameField: %s: field %s or %s missing", a.Label(), oldName, newName)
	}
	if fa.autoM2M() {
		return e.renameTable(fa.ThroughTable, fb.ThroughTable)
	}
	return e.renameField(from, to, a, b, fa, fb)
}

// Forwards implements Operation.
func (op *RenameField) Forwards(e *Editor, from, to *State) error {
	return op.run(e, from, to, op.OldName, op.NewName)
}

// Backwards implements Operation.
func (op *RenameField) Backwards(e *Editor, from, to *State) error {
	return op.run(e, from, to, op.NewName, op.OldName)
}

// ---- indexes and constraints ----------------------------------------------------------

// AddIndex adds a (composite) index or, with Index.Unique, a unique constraint.
type AddIndex struct {
	App, Model string
	Index      Index
}

// Describe implements Operation.
func (op *AddIndex) Describe() string {
	kind := "index"
	if op.Index.Unique {
		kind = "unique constraint"
	}
	return fmt.Sprintf("Add %s on %s.%s (%s)", kind, op.App, op.Model, strings.Join(op.Index.Fields, ", "))
}

// State implements Operation.
func (op *AddIndex) State(s *State) error {
	m, err := s.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	for _, n := range op.Index.Fields {
		if _, ok := m.Field(n); !ok {
			return fmt.Errorf("migrate: AddIndex: %s has no field %s", m.Label(), n)
		}
	}
	ix := op.Index
	ix.Fields = append([]string(nil), ix.Fields...)
	m.Indexes = append(m.Indexes, ix)
	return nil
}

// Forwards implements Operation.
func (op *AddIndex) Forwards(e *Editor, _, to *State) error {
	m, err := to.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	return e.addIndex(m, op.Index)
}

// Backwards implements Operation.
func (op *AddIndex) Backwards(e *Editor, from, _ *State) error {
	m, err := from.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	return e.removeIndex(m, op.Index)
}

// RemoveIndex removes an index or unique constraint added by AddIndex or CreateModel.
type RemoveIndex struct {
	App, Model string
	Index      Index
}

// Describe implements Operation.
func (op *RemoveIndex) Describe() string {
	kind := "index"
	if op.Index.Unique {
		kind = "unique constraint"
	}
	return fmt.Sprintf("Remove %s on %s.%s (%s)", kind, op.App, op.Model, strings.Join(op.Index.Fields, ", "))
}

// State implements Operation.
func (op *RemoveIndex) State(s *State) error {
	m, err := s.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	for i, ix := range m.Indexes {
		if ix.key() == op.Index.key() {
			m.Indexes = append(m.Indexes[:i:i], m.Indexes[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("migrate: RemoveIndex: %s has no index on (%s)", m.Label(), strings.Join(op.Index.Fields, ", "))
}

// Forwards implements Operation.
func (op *RemoveIndex) Forwards(e *Editor, from, _ *State) error {
	m, err := from.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	return e.removeIndex(m, op.Index)
}

// Backwards implements Operation.
func (op *RemoveIndex) Backwards(e *Editor, _, to *State) error {
	m, err := to.mustModel(op.App, op.Model)
	if err != nil {
		return err
	}
	return e.addIndex(m, op.Index)
}

// AddConstraint adds a composite unique constraint (Meta.UniqueTogether). It is
// AddIndex with Unique set, under Django's name.
func AddConstraint(app, model string, fields ...string) *AddIndex {
	return &AddIndex{App: app, Model: model, Index: Index{Fields: fields, Unique: true}}
}

// RemoveConstraint removes a composite unique constraint added by AddConstraint.
func RemoveConstraint(app, model string, fields ...string) *RemoveIndex {
	return &RemoveIndex{App: app, Model: model, Index: Index{Fields: fields, Unique: true}}
}

// ---- data migrations ------------------------------------------------------------------

// RunSQL runs SQL statements (without parameters; use RunGo for values). Reverse, when
// set, undoes them; without it the migration cannot be unapplied.
type RunSQL struct {
	SQL     []string
	Reverse []string
	// NoReverse marks a RunSQL that needs nothing to go back (Django's RunSQL.noop).
	NoReverse bool
}

// Describe implements Operation.
func (op *RunSQL) Describe() string { return "Raw SQL operation" }

// State implements Operation.
func (op *RunSQL) State(*State) error { return nil }

// Forwards implements Operation.
func (op *RunSQL) Forwards(e *Editor, _, _ *State) error {
	for _, s := range op.SQL {
		if err := e.exec(s); err != nil {
			return err
		}
	}
	return nil
}

// Backwards implements Operation.
func (op *RunSQL) Backwards(e *Editor, _, _ *State) error {
	if op.Reverse == nil && !op.NoReverse {
		return fmt.Errorf("migrate: RunSQL has no Reverse: %w", ErrIrreversible)
	}
	for _, s := range op.Reverse {
		if err := e.exec(s); err != nil {
			return err
		}
	}
	return nil
}

// RunGo runs Go code as a data migration, inside the migration's transaction where
// the database has transactional DDL. Reverse, when set, undoes it; without it the
// migration cannot be unapplied (use Noop for a step that needs nothing to go back).
type RunGo struct {
	Name    string
	Code    func(ctx context.Context, db *Conn) error
	Reverse func(ctx context.Context, db *Conn) error
}

// Noop is a RunGo function that does nothing, for a Reverse that needs no work.
func Noop(context.Context, *Conn) error { return nil }

// Describe implements Operation.
func (op *RunGo) Describe() string {
	if op.Name != "" {
		return "Run Go: " + op.Name
	}
	return "Run Go code"
}

// State implements Operation.
func (op *RunGo) State(*State) error { return nil }

func (e *Editor) runGo(name string, fn func(ctx context.Context, db *Conn) error, st *State) error {
	e.Notes = append(e.Notes, name)
	e.Stmts = append(e.Stmts, Stmt{SQL: "-- " + name + " (Go code; its SQL is not known in advance)"})
	if e.c == nil {
		return nil
	}
	if sc, ok := e.c.(*sql.Conn); ok {
		// MySQL/MariaDB: the migration has no transaction (DDL commits at once), but
		// a data migration gets one of its own, so it applies completely or not at all.
		tx, err := sc.BeginTx(e.ctx, nil)
		if err != nil {
			return err
		}
		sub := &Editor{d: e.d, ctx: e.ctx, c: tx, progres: e.progres}
		if err := fn(e.ctx, &Conn{e: sub, State: st}); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	return fn(e.ctx, &Conn{e: e, State: st})
}

// Forwards implements Operation.
func (op *RunGo) Forwards(e *Editor, _, to *State) error {
	if op.Code == nil {
		return fmt.Errorf("migrate: RunGo %q has no Code", op.Name)
	}
	return e.runGo(op.Describe(), op.Code, to)
}

// Backwards implements Operation.
func (op *RunGo) Backwards(e *Editor, _, to *State) error {
	if op.Reverse == nil {
		return fmt.Errorf("migrate: %s has no Reverse: %w", op.Describe(), ErrIrreversible)
	}
	return e.runGo(op.Describe()+" (reverse)", op.Reverse, to)
}

// Conn is the database handle a RunGo function gets: the migration's transaction (or
// connection, on MySQL). Queries use "?" markers on every database. State is the
// migration state at that point, so code can find tables by model (the models of the
// past, not today's Go structs).
type Conn struct {
	e     *Editor
	State *State
}

// Dialect returns the database's dialect.
func (c *Conn) Dialect() orm.Dialect { return c.e.d }

// Table returns the quoted table of model "app.Name" in the migration state.
func (c *Conn) Table(label string) (string, error) {
	m, ok := c.State.Model(label)
	if !ok {
		return "", fmt.Errorf("migrate: model %s does not exist at this point of the migrations", label)
	}
	return c.e.q(m.Table), nil
}

// Quote quotes an identifier.
func (c *Conn) Quote(name string) string { return c.e.q(name) }

// Exec runs a statement with "?" parameter markers.
func (c *Conn) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.e.c.ExecContext(ctx, c.rebind(query), args...)
}

// Query runs a query with "?" parameter markers.
func (c *Conn) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.e.c.QueryContext(ctx, c.rebind(query), args...)
}

// Progress reports how far a long data migration is; migrate draws a progress bar.
func (c *Conn) Progress(done, total int) {
	if c.e.progres != nil {
		c.e.progres(done, total)
	}
}

func (c *Conn) rebind(q string) string {
	if c.e.d.Name() != "postgres" || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	inq := false
	for i := 0; i < len(q); i++ {
		ch := q[i]
		if ch == '\'' {
			inq = !inq
		}
		if ch == '?' && !inq {
			n++
			b.WriteString(c.e.d.Placeholder(n))
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// zeroDefault is the Go zero value of a kind, as default text.
func zeroDefault(k orm.Kind) (string, bool) {
	switch k {
	case orm.KindInt, orm.KindBigInt, orm.KindFloat, orm.KindDecimal:
		return "0", true
	case orm.KindBool:
		return "false", true
	case orm.KindVarchar, orm.KindText, orm.KindBytes:
		return "", true
	case orm.KindDateTime, orm.KindDate:
		return "0001-01-01", true
	case orm.KindJSON:
		return "null", true
	case orm.KindUUID:
		return "00000000-0000-0000-0000-000000000000", true
	}
	return "", false
}

package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// Table is the table recording applied migrations.
const Table = "galvani_migrations"

// lockKey is the PostgreSQL advisory lock id and the MySQL lock name of migrate.
const (
	pgLockKey    = 7147418436917330029
	mysqlLockKey = "galvani_migrate"
)

// Executor applies and unapplies migrations on a database, recording them in the
// galvani_migrations table (app, name, applied time).
type Executor struct {
	DB    *orm.DB
	Graph *Graph
	// Out receives the progress report (nil: discarded).
	Out io.Writer
	// LockTimeout bounds the wait for another process's migrate (default 10 minutes).
	LockTimeout time.Duration

	eff *Graph // Graph as the database being migrated sees it (see Graph.ForApplied)
}

// graph returns the graph of the database being migrated.
func (x *Executor) graph() *Graph {
	if x.eff != nil {
		return x.eff
	}
	return x.Graph
}

// Step is one migration to apply (Backwards false) or unapply.
type Step struct {
	Migration *Migration
	Backwards bool
}

func (s Step) String() string {
	if s.Backwards {
		return "Unapply " + s.Migration.Key()
	}
	return "Apply " + s.Migration.Key()
}

// Options select what Migrate does.
type Options struct {
	// App limits migrating to one app (and what it depends on); empty: all apps.
	App string
	// Target is a migration name (or unique prefix) of App to migrate to, forwards or
	// backwards; "zero" unapplies every migration of App.
	Target string
	// Fake records (or unrecords) migrations without running them.
	Fake bool
	// PlanOnly prints the plan without running it.
	PlanOnly bool
}

func (x *Executor) out() io.Writer {
	if x.Out == nil {
		return io.Discard
	}
	return x.Out
}

func (x *Executor) d() orm.Dialect { return x.DB.Dialect() }

func (x *Executor) ensureTable(ctx context.Context, c conn) error {
	d := x.d()
	id := &orm.Field{Name: "id", Column: "id", Kind: orm.KindBigInt, PrimaryKey: true, Auto: true}
	app := &orm.Field{Name: "app", Column: "app", Kind: orm.KindVarchar, MaxLength: 255}
	name := &orm.Field{Name: "name", Column: "name", Kind: orm.KindVarchar, MaxLength: 255}
	at := &orm.Field{Name: "applied", Column: "applied", Kind: orm.KindDateTime}
	q := "CREATE TABLE IF NOT EXISTS " + d.QuoteIdent(Table) + " (" + d.ColumnDefinition(id) + ", " + d.ColumnDefinition(app) + ", " +
		d.ColumnDefinition(name) + ", " + d.ColumnDefinition(at) + ")"
	_, err := c.ExecContext(ctx, q)
	return err
}

// Applied returns the applied migrations ("app.name") and when they were applied.
func (x *Executor) Applied(ctx context.Context) (map[string]time.Time, error) {
	return x.applied(ctx, x.DB.SQL())
}

func (x *Executor) applied(ctx context.Context, c conn) (map[string]time.Time, error) {
	if err := x.ensureTable(ctx, c); err != nil {
		return nil, fmt.Errorf("migrate: creating %s: %w", Table, err)
	}
	d := x.d()
	rows, err := c.QueryContext(ctx, "SELECT "+d.QuoteIdent("app")+", "+d.QuoteIdent("name")+", "+d.QuoteIdent("applied")+" FROM "+d.QuoteIdent(Table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var app, name string
		var at any
		if err := rows.Scan(&app, &name, &at); err != nil {
			return nil, err
		}
		t, _ := at.(time.Time)
		if s, ok := at.(string); ok {
			t, _ = time.Parse("2006-01-02 15:04:05.999999999-07:00", s)
		}
		out[app+"."+name] = t
	}
	return out, rows.Err()
}

// Missing returns, sorted, the migrations recorded as applied in the database that
// the graph does not have: a migration file deleted or renamed after it ran, or a
// database shared with another project. Their schema changes stay in the database,
// and the state Galvani builds from the code no longer describes it, so Migrate
// prints them and the system check warns (migrate.W003).
func (x *Executor) Missing(applied map[string]time.Time) []string {
	var out []string
	for k := range applied {
		if _, ok := x.Graph.nodes[k]; !ok && !x.Graph.replaced(k) && x.Graph.all != nil && !x.Graph.known(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Plan returns the steps Migrate would run with opts, given the applied set.
func (x *Executor) Plan(opts Options, applied map[string]time.Time) ([]Step, error) {
	g, err := x.Graph.ForApplied(applied)
	if err != nil {
		return nil, err
	}
	applied = withSquashed(g, applied)
	var steps []Step
	forward := func(keep map[string]bool) {
		for _, m := range g.order {
			if _, ok := applied[m.Key()]; !ok && (keep == nil || keep[m.Key()]) {
				steps = append(steps, Step{Migration: m})
			}
		}
	}
	backward := func(drop map[string]bool) {
		for i := len(g.order) - 1; i >= 0; i-- {
			m := g.order[i]
			if _, ok := applied[m.Key()]; ok && drop[m.Key()] {
				steps = append(steps, Step{Migration: m, Backwards: true})
			}
		}
	}
	switch {
	case opts.App == "":
		if opts.Target != "" {
			return nil, fmt.Errorf("migrate: a target needs an app: migrate APP TARGET")
		}
		forward(nil)
	case opts.Target == "":
		leaves := g.Leaves(opts.App)
		if len(leaves) == 0 {
			return nil, fmt.Errorf("migrate: app %q has no migrations (apps with migrations: %s)", opts.App, strings.Join(g.Apps(), ", "))
		}
		keep := map[string]bool{}
		for _, l := range leaves {
			for k := range g.ancestors(l) {
				keep[k] = true
			}
		}
		forward(keep)
	case opts.Target == "zero":
		drop := map[string]bool{}
		for _, m := range g.order {
			if m.App == opts.App {
				for k := range g.descendants(m) {
					drop[k] = true
				}
			}
		}
		backward(drop)
	default:
		t, err := g.Get(opts.App, opts.Target)
		if err != nil {
			return nil, err
		}
		if _, ok := applied[t.Key()]; !ok {
			forward(g.ancestors(t))
			break
		}
		drop := map[string]bool{}
		for k := range g.descendants(t) {
			if n := g.nodes[k]; n.App == t.App && n != t {
				for k2 := range g.descendants(n) {
					drop[k2] = true
				}
			}
		}
		backward(drop)
	}
	return steps, nil
}

// Migrate brings the database to the state opts asks for, printing each migration
// with its time. Another process migrating the same database at the same time waits
// for it (an advisory lock on PostgreSQL, GET_LOCK on MySQL, an immediate
// transaction per migration on SQLite) and then finds the work done.
func (x *Executor) Migrate(ctx context.Context, opts Options) error {
	c, err := x.DB.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if !opts.PlanOnly {
		unlock, err := x.lock(ctx, c)
		if err != nil {
			return err
		}
		defer unlock()
	}
	applied, err := x.applied(ctx, c)
	if err != nil {
		return err
	}
	if x.eff, err = x.Graph.ForApplied(applied); err != nil {
		return err
	}
	defer func() { x.eff = nil }()
	if !opts.PlanOnly {
		// a squashed migration whose originals were all applied counts as applied from
		// now on, so the originals can be deleted (Django's check_replacements)
		for k := range withSquashed(x.eff, applied) {
			if _, ok := applied[k]; !ok {
				if err := x.record(ctx, c, x.eff.nodes[k], false); err != nil {
					return err
				}
				applied[k] = time.Now()
			}
		}
	}
	steps, err := x.Plan(opts, applied)
	if err != nil {
		return err
	}
	w := x.out()
	if opts.PlanOnly {
		fmt.Fprintln(w, "Planned operations:")
		if len(steps) == 0 {
			fmt.Fprintln(w, "  No planned migration operations.")
		}
		for _, s := range steps {
			fmt.Fprintf(w, "%s\n", s.Migration.Key())
			for _, op := range s.Migration.Operations {
				prefix := "    "
				if s.Backwards {
					prefix = "    Undo "
				}
				fmt.Fprintf(w, "%s%s\n", prefix, op.Describe())
			}
		}
		return nil
	}
	if missing := x.Missing(applied); len(missing) > 0 {
		fmt.Fprintf(w, "Warning: %d migration(s) recorded as applied are not in the code (deleted or renamed after they ran?): %s\n", len(missing), strings.Join(missing, ", "))
	}
	fmt.Fprintln(w, "Running migrations:")
	if len(steps) == 0 {
		fmt.Fprintln(w, "  No migrations to apply.")
		return nil
	}
	for _, s := range steps {
		verb := "Applying"
		if s.Backwards {
			verb = "Unapplying"
		}
		fmt.Fprintf(w, "  %s %s...", verb, s.Migration.Key())
		start := time.Now()
		done, err := x.run(ctx, c, s, opts.Fake)
		if err != nil {
			fmt.Fprintln(w, " FAILED")
			return err
		}
		switch {
		case !done:
			fmt.Fprintln(w, " already done by another process")
		case opts.Fake:
			fmt.Fprintln(w, " FAKED")
		default:
			fmt.Fprintf(w, " OK (%s)\n", time.Since(start).Round(time.Millisecond))
		}
	}
	return nil
}

func (x *Executor) lock(ctx context.Context, c *sql.Conn) (func(), error) {
	timeout := x.LockTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	bg := context.WithoutCancel(ctx)
	switch x.d().Name() {
	case "postgres":
		var got bool
		if err := c.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", int64(pgLockKey)).Scan(&got); err != nil {
			return nil, fmt.Errorf("migrate: taking the migration lock: %w", err)
		}
		if got {
			return func() { c.ExecContext(bg, "SELECT pg_advisory_unlock($1)", int64(pgLockKey)) }, nil
		}
		fmt.Fprintln(x.out(), "Waiting for another migrate of this database to finish...")
		lctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if _, err := c.ExecContext(lctx, "SELECT pg_advisory_lock($1)", int64(pgLockKey)); err != nil {
			return nil, fmt.Errorf("migrate: waiting for another migrate to finish: %w", err)
		}
		return func() { c.ExecContext(bg, "SELECT pg_advisory_unlock($1)", int64(pgLockKey)) }, nil
	case "mysql":
		var got sql.NullInt64
		if err := c.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", mysqlLockKey).Scan(&got); err == nil && got.Int64 == 1 {
			return func() { c.ExecContext(bg, "SELECT RELEASE_LOCK(?)", mysqlLockKey) }, nil
		}
		fmt.Fprintln(x.out(), "Waiting for another migrate of this database to finish...")
		if err := c.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", mysqlLockKey, int(timeout.Seconds())).Scan(&got); err != nil {
			return nil, fmt.Errorf("migrate: taking the migration lock: %w", err)
		}
		if got.Int64 != 1 {
			return nil, fmt.Errorf("migrate: another migrate held the lock for more than %s", timeout)
		}
		return func() { c.ExecContext(bg, "SELECT RELEASE_LOCK(?)", mysqlLockKey) }, nil
	default: // sqlite: each migration runs in BEGIN IMMEDIATE and re-checks the table
		if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", timeout.Milliseconds())); err != nil {
			return nil, err
		}
		return func() { c.ExecContext(bg, "PRAGMA busy_timeout = 10000") }, nil
	}
}

// run applies or unapplies one migration; done is false when another process had
// already done it.
func (x *Executor) run(ctx context.Context, c *sql.Conn, s Step, fake bool) (done bool, err error) {
	m := s.Migration
	before, err := x.graph().StateBefore(m)
	if err != nil {
		return false, err
	}
	after := before.Clone()
	if err := applyState(after, m); err != nil {
		return false, err
	}
	d := x.d()
	if d.Name() == "mysql" {
		return true, x.runNonAtomic(ctx, c, s, before, after, fake)
	}
	if d.Name() == "sqlite" {
		if _, err := c.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return false, err
		}
		defer c.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	}
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil || !done {
			tx.Rollback()
		}
	}()
	var exists int
	err = tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+d.QuoteIdent(Table)+" WHERE "+d.QuoteIdent("app")+" = "+d.Placeholder(1)+" AND "+d.QuoteIdent("name")+" = "+d.Placeholder(2), m.App, m.Name).Scan(&exists)
	if err != nil {
		return false, err
	}
	if (exists > 0) != s.Backwards {
		return false, nil
	}
	if !fake {
		e := x.editor(ctx, tx)
		if err := runOps(e, s, before, after); err != nil {
			return false, err
		}
		if d.Name() == "sqlite" {
			if err := sqliteFKCheck(ctx, tx); err != nil {
				return false, fmt.Errorf("migrate: %s: %w", m.Key(), err)
			}
		}
	}
	if err := x.record(ctx, tx, m, s.Backwards); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	return true, nil
}

func (x *Executor) editor(ctx context.Context, c conn) *Editor {
	e := &Editor{d: x.d(), ctx: ctx, c: c}
	w := x.out()
	last := -1
	e.progres = func(done, total int) { last = drawProgress(w, done, total, last) }
	return e
}

// drawProgress redraws a one-line progress bar ("    [#####     ] 50/100") when it
// moved by at least one step since last (the step drawn before, -1 at first), and
// returns the step drawn.
func drawProgress(w io.Writer, done, total, last int) int {
	if total <= 0 {
		return last
	}
	done = max(0, min(done, total))
	const width = 30
	n := done * width / total
	if n == last && done != total {
		return last
	}
	if last < 0 {
		fmt.Fprint(w, "\n")
	}
	fmt.Fprintf(w, "\r    [%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total)
	return n
}

// runOps runs a migration's operations forwards, or backwards in reverse order.
func runOps(e *Editor, s Step, before, after *State) error {
	m := s.Migration
	states := []*State{before}
	for _, op := range m.Operations {
		next := states[len(states)-1].Clone()
		if err := op.State(next); err != nil {
			return fmt.Errorf("migrate: %s: %s: %w", m.Key(), op.Describe(), err)
		}
		states = append(states, next)
	}
	if !s.Backwards {
		for i, op := range m.Operations {
			if err := op.Forwards(e, states[i], states[i+1]); err != nil {
				return &OpError{Migration: m, Index: i, Op: op, Err: err}
			}
		}
		return nil
	}
	for i := len(m.Operations) - 1; i >= 0; i-- {
		op := m.Operations[i]
		if err := op.Backwards(e, states[i+1], states[i]); err != nil {
			return &OpError{Migration: m, Index: i, Op: op, Err: err, Backwards: true}
		}
	}
	return nil
}

// OpError is a failed operation of a migration.
type OpError struct {
	Migration *Migration
	Index     int
	Op        Operation
	Backwards bool
	Err       error
	// Done lists the operations that had completed (and, on MySQL/MariaDB, were not
	// rolled back).
	Done []string
}

func (e *OpError) Error() string {
	dir := ""
	if e.Backwards {
		dir = " (going back)"
	}
	s := fmt.Sprintf("migrate: %s%s failed at operation %d of %d (%s): %v", e.Migration.Key(), dir, e.Index+1, len(e.Migration.Operations), e.Op.Describe(), e.Err)
	if errors.Is(e.Err, ErrIrreversible) {
		s += "; this migration cannot be unapplied"
	}
	return s
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

func (x *Executor) record(ctx context.Context, c conn, m *Migration, remove bool) error {
	// a squashed migration records (or unrecords) its originals with it, as Django's
	// does, so a database migrated with it looks like one migrated with them
	for _, r := range m.Replaces {
		if err := x.recordOne(ctx, c, &Migration{App: r.App, Name: r.Name}, true); err != nil {
			return err
		}
		if !remove {
			if err := x.recordOne(ctx, c, &Migration{App: r.App, Name: r.Name}, false); err != nil {
				return err
			}
		}
	}
	if !remove {
		// once per migration, whatever recorded it before
		if err := x.recordOne(ctx, c, m, true); err != nil {
			return err
		}
	}
	return x.recordOne(ctx, c, m, remove)
}

// withSquashed returns applied plus the squashed migrations of g all of whose
// originals are in applied.
func withSquashed(g *Graph, applied map[string]time.Time) map[string]time.Time {
	var extra []string
	for _, m := range g.order {
		if len(m.Replaces) == 0 {
			continue
		}
		if _, ok := applied[m.Key()]; ok {
			continue
		}
		all := true
		for _, r := range m.Replaces {
			if _, ok := applied[r.App+"."+r.Name]; !ok {
				all = false
				break
			}
		}
		if all {
			extra = append(extra, m.Key())
		}
	}
	if len(extra) == 0 {
		return applied
	}
	out := make(map[string]time.Time, len(applied)+len(extra))
	for k, v := range applied {
		out[k] = v
	}
	for _, k := range extra {
		out[k] = time.Now()
	}
	return out
}

func (x *Executor) recordOne(ctx context.Context, c conn, m *Migration, remove bool) error {
	d := x.d()
	var err error
	if remove {
		_, err = c.ExecContext(ctx, "DELETE FROM "+d.QuoteIdent(Table)+" WHERE "+d.QuoteIdent("app")+" = "+d.Placeholder(1)+" AND "+d.QuoteIdent("name")+" = "+d.Placeholder(2), m.App, m.Name)
	} else {
		_, err = c.ExecContext(ctx, "INSERT INTO "+d.QuoteIdent(Table)+" ("+d.QuoteIdent("app")+", "+d.QuoteIdent("name")+", "+d.QuoteIdent("applied")+") VALUES ("+
			d.Placeholder(1)+", "+d.Placeholder(2)+", "+d.Placeholder(3)+")", m.App, m.Name, time.Now().UTC())
	}
	return err
}

func sqliteFKCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		bad = append(bad, fmt.Sprintf("%s row %d -> %s", table, rowid.Int64, parent))
		if len(bad) == 5 {
			break
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("foreign keys broken after the migration: %s", strings.Join(bad, "; "))
	}
	return rows.Err()
}

// runNonAtomic runs a migration on MySQL/MariaDB, where DDL commits implicitly: when
// it fails halfway, the error says which operations were applied and stay applied.
func (x *Executor) runNonAtomic(ctx context.Context, c *sql.Conn, s Step, before, after *State, fake bool) error {
	m := s.Migration
	if !fake {
		e := x.editor(ctx, c)
		states := []*State{before}
		for _, op := range m.Operations {
			next := states[len(states)-1].Clone()
			if err := op.State(next); err != nil {
				return err
			}
			states = append(states, next)
		}
		var done []string
		n := len(m.Operations)
		for k := 0; k < n; k++ {
			i := k
			if s.Backwards {
				i = n - 1 - k
			}
			op := m.Operations[i]
			var err error
			if s.Backwards {
				err = op.Backwards(e, states[i+1], states[i])
			} else {
				err = op.Forwards(e, states[i], states[i+1])
			}
			if err != nil {
				return &mysqlPartial{OpError{Migration: m, Index: i, Op: op, Err: err, Backwards: s.Backwards, Done: done}}
			}
			done = append(done, op.Describe())
		}
	}
	return x.record(ctx, c, m, s.Backwards)
}

type mysqlPartial struct{ OpError }

func (e *mysqlPartial) Error() string {
	s := e.OpError.Error()
	if len(e.Done) == 0 {
		return s + ". Nothing of this migration was applied; it is not recorded."
	}
	return s + fmt.Sprintf(". MySQL/MariaDB cannot roll back schema changes, so these operations of it ARE applied: %s. "+
		"The migration is not recorded as applied: undo them by hand (see `sqlmigrate %s %s`) and migrate again, "+
		"or fix the failing step and record it with `migrate --fake %s %s`.",
		strings.Join(e.Done, "; "), e.Migration.App, e.Migration.Name, e.Migration.App, e.Migration.Name)
}

func (e *mysqlPartial) Unwrap() error { return &e.OpError }

// SQL returns the statements migration m runs on dialect d (backwards when asked),
// without running anything: the sqlmigrate command.
func (g *Graph) SQL(d orm.Dialect, m *Migration, backwards bool) ([]Stmt, error) {
	before, err := g.StateBefore(m)
	if err != nil {
		return nil, err
	}
	after := before.Clone()
	if err := applyState(after, m); err != nil {
		return nil, err
	}
	e := NewEditor(d)
	if err := runOps(e, Step{Migration: m, Backwards: backwards}, before, after); err != nil {
		return nil, err
	}
	return e.Stmts, nil
}

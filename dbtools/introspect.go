package dbtools

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/galvani-web/galvani/orm"
)

// Column describes a column of an existing table, as the database reports it.
type Column struct {
	// Name is the column's name; Type the database's type ("varchar", "integer",
	// "timestamp with time zone"...), lower case, without sizes.
	Name, Type string
	// Null reports whether NULL is allowed.
	Null bool
	// MaxLength is a character column's length (0 when unbounded or not text).
	MaxLength int
	// Precision and Scale describe a numeric column.
	Precision, Scale int
	// PrimaryKey, Unique (a single-column unique constraint), Index (a
	// single-column index that is not unique) and Auto (generated integer key) flags.
	PrimaryKey, Unique, Index, Auto bool
	// RefTable and RefColumn name the target of a single-column foreign key.
	RefTable, RefColumn string
}

// Table is an existing table and its columns in their order.
type Table struct {
	Name    string
	Columns []Column
}

// Tables lists the tables of the database (the current schema on PostgreSQL, the
// connected database on MySQL; SQLite's internal tables left out), sorted by name.
func Tables(ctx context.Context, db *orm.DB) ([]string, error) {
	var q string
	switch db.Dialect().Name() {
	case "sqlite":
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
	case "postgres":
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	case "mysql":
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
	default:
		return nil, fmt.Errorf("dbtools: cannot list the tables of a %s database", db.Dialect().Name())
	}
	names, err := queryStrings(ctx, db, q)
	sort.Strings(names)
	return names, err
}

func queryStrings(ctx context.Context, db *orm.DB, q string, args ...any) ([]string, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Describe returns the columns of table.
func Describe(ctx context.Context, db *orm.DB, table string) (*Table, error) {
	var t *Table
	var err error
	switch db.Dialect().Name() {
	case "sqlite":
		t, err = describeSQLite(ctx, db, table)
	case "postgres":
		t, err = describeInformationSchema(ctx, db, table, "current_schema()")
	case "mysql":
		t, err = describeInformationSchema(ctx, db, table, "DATABASE()")
	default:
		return nil, fmt.Errorf("dbtools: cannot describe tables of a %s database", db.Dialect().Name())
	}
	if err == nil && len(t.Columns) == 0 {
		err = fmt.Errorf("dbtools: no table %q", table)
	}
	return t, err
}

// splitType splits "varchar(200)" / "decimal(10, 2)" into the type and its sizes.
func splitType(s string) (string, []int) {
	s = strings.ToLower(strings.TrimSpace(s))
	name, args, ok := strings.Cut(s, "(")
	if !ok {
		return s, nil
	}
	var sizes []int
	for _, a := range strings.Split(strings.TrimSuffix(strings.TrimSpace(args), ")"), ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(a), &n); err == nil {
			sizes = append(sizes, n)
		}
	}
	return strings.TrimSpace(name), sizes
}

func describeSQLite(ctx context.Context, db *orm.DB, table string) (*Table, error) {
	t := &Table{Name: table}
	q := db.Dialect().QuoteIdent(table)
	rows, err := db.Query(ctx, "PRAGMA table_info("+q+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pks := 0
	for rows.Next() {
		var cid, notnull, pk int
		var name, typ string
		var dflt any
		if err := rows.Scan(&cid, &name, &typ, &notnull, &dflt, &pk); err != nil {
			return nil, err
		}
		base, sizes := splitType(typ)
		c := Column{Name: name, Type: base, Null: notnull == 0 && pk == 0, PrimaryKey: pk > 0}
		if pk > 0 {
			pks++
		}
		switch {
		case strings.Contains(base, "char") && len(sizes) > 0:
			c.MaxLength = sizes[0]
		case (base == "decimal" || base == "numeric") && len(sizes) == 2:
			c.Precision, c.Scale = sizes[0], sizes[1]
		}
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range t.Columns {
		c := &t.Columns[i]
		if pks > 1 {
			c.PrimaryKey = false // a composite key: no single-column key to map
		}
		if c.PrimaryKey && c.Type == "integer" {
			c.Auto = true // an INTEGER PRIMARY KEY is the rowid
		}
	}
	// single-column unique indexes
	idx, err := db.Query(ctx, "PRAGMA index_list("+q+")")
	if err != nil {
		return nil, err
	}
	var uniques, plain []string
	for idx.Next() {
		cols, err := idx.Columns()
		if err != nil {
			idx.Close()
			return nil, err
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := idx.Scan(ptrs...); err != nil {
			idx.Close()
			return nil, err
		}
		var name string
		var unique bool
		for i, c := range cols {
			switch c {
			case "name":
				name = keyText(vals[i])
			case "unique":
				unique = keyText(vals[i]) == "1"
			}
		}
		if unique {
			uniques = append(uniques, name)
		} else {
			plain = append(plain, name)
		}
	}
	idx.Close()
	for _, p := range plain {
		cols, err := queryIndexColumns(ctx, db, p)
		if err != nil {
			return nil, err
		}
		if len(cols) == 1 {
			t.mark(cols[0], func(c *Column) { c.Index = true })
		}
	}
	for _, u := range uniques {
		cols, err := queryIndexColumns(ctx, db, u)
		if err != nil {
			return nil, err
		}
		if len(cols) == 1 {
			for i := range t.Columns {
				if t.Columns[i].Name == cols[0] && !t.Columns[i].PrimaryKey {
					t.Columns[i].Unique = true
				}
			}
		}
	}
	fks, err := db.Query(ctx, "PRAGMA foreign_key_list("+q+")")
	if err != nil {
		return nil, err
	}
	defer fks.Close()
	type fk struct{ from, table, to string }
	byID := map[int64][]fk{}
	for fks.Next() {
		var id, seq int64
		var target, from string
		var to, onUpdate, onDelete, match any
		if err := fks.Scan(&id, &seq, &target, &from, &to, &onUpdate, &onDelete, &match); err != nil {
			return nil, err
		}
		byID[id] = append(byID[id], fk{from, target, keyText(to)})
	}
	for _, f := range byID {
		if len(f) != 1 {
			continue
		}
		for i := range t.Columns {
			if t.Columns[i].Name == f[0].from {
				t.Columns[i].RefTable, t.Columns[i].RefColumn = f[0].table, f[0].to
			}
		}
	}
	return t, fks.Err()
}

func queryIndexColumns(ctx context.Context, db *orm.DB, index string) ([]string, error) {
	rows, err := db.Query(ctx, "PRAGMA index_info("+db.Dialect().QuoteIdent(index)+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var seqno, cid any
		var name *string
		if err := rows.Scan(&seqno, &cid, &name); err != nil {
			return nil, err
		}
		if name != nil {
			out = append(out, *name)
		}
	}
	return out, rows.Err()
}

// describeInformationSchema reads PostgreSQL's and MySQL's information_schema;
// schema is the SQL expression naming the current schema.
func describeInformationSchema(ctx context.Context, db *orm.DB, table, schema string) (*Table, error) {
	t := &Table{Name: table}
	mysql := db.Dialect().Name() == "mysql"
	autoExpr := "COALESCE(column_default LIKE 'nextval(%' OR is_identity = 'YES', false)"
	if mysql {
		autoExpr = "(extra LIKE '%auto_increment%')"
	}
	rows, err := db.Query(ctx, "SELECT column_name, data_type, is_nullable, COALESCE(character_maximum_length, 0), COALESCE(numeric_precision, 0), COALESCE(numeric_scale, 0), "+
		autoExpr+" FROM information_schema.columns WHERE table_schema = "+schema+" AND table_name = ? ORDER BY ordinal_position", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Column
		var nullable string
		var maxLen, prec, scale int64
		var auto bool
		if err := rows.Scan(&c.Name, &c.Type, &nullable, &maxLen, &prec, &scale, &auto); err != nil {
			return nil, err
		}
		c.Type = strings.ToLower(c.Type)
		c.Null = nullable == "YES"
		c.Auto = auto
		if strings.Contains(c.Type, "char") {
			c.MaxLength = int(maxLen)
		}
		if c.Type == "numeric" || c.Type == "decimal" {
			c.Precision, c.Scale = int(prec), int(scale)
		}
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if mysql {
		bools, err := queryStrings(ctx, db, "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_type = 'tinyint(1)'", table)
		if err != nil {
			return nil, err
		}
		for _, b := range bools {
			for i := range t.Columns {
				if t.Columns[i].Name == b {
					t.Columns[i].Type = "bool"
				}
			}
		}
	}
	// single-column primary key, unique and foreign key constraints
	cq := "SELECT tc.constraint_type, tc.constraint_name, kcu.column_name FROM information_schema.table_constraints tc " +
		"JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name " +
		"WHERE tc.table_schema = " + schema + " AND tc.table_name = ? AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
	crows, err := db.Query(ctx, cq, table)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	cols := map[[2]string][]string{}
	for crows.Next() {
		var typ, name, col string
		if err := crows.Scan(&typ, &name, &col); err != nil {
			return nil, err
		}
		k := [2]string{typ, name}
		cols[k] = append(cols[k], col)
	}
	if err := crows.Err(); err != nil {
		return nil, err
	}
	crows.Close()
	for k, cs := range cols {
		if len(cs) != 1 {
			continue
		}
		for i := range t.Columns {
			if t.Columns[i].Name == cs[0] {
				if k[0] == "PRIMARY KEY" {
					t.Columns[i].PrimaryKey = true
				} else {
					t.Columns[i].Unique = true
				}
			}
		}
	}
	var fq string
	if mysql {
		fq = "SELECT constraint_name, column_name, referenced_table_name, referenced_column_name FROM information_schema.key_column_usage " +
			"WHERE table_schema = DATABASE() AND table_name = ? AND referenced_table_name IS NOT NULL"
	} else {
		fq = "SELECT con.conname, a.attname, ft.relname, fa.attname FROM pg_constraint con " +
			"JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace " +
			"JOIN pg_class ft ON ft.oid = con.confrelid " +
			"JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] " +
			"JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = con.confkey[1] " +
			"WHERE con.contype = 'f' AND n.nspname = current_schema() AND t.relname = ? AND array_length(con.conkey, 1) = 1"
	}
	frows, err := db.Query(ctx, fq, table)
	if err != nil {
		return nil, err
	}
	defer frows.Close()
	fkCount := map[string]int{}
	type fk struct{ name, col, rt, rc string }
	var fks []fk
	for frows.Next() {
		var f fk
		if err := frows.Scan(&f.name, &f.col, &f.rt, &f.rc); err != nil {
			return nil, err
		}
		fkCount[f.name]++
		fks = append(fks, f)
	}
	for _, f := range fks {
		if fkCount[f.name] != 1 {
			continue
		}
		for i := range t.Columns {
			if t.Columns[i].Name == f.col {
				t.Columns[i].RefTable, t.Columns[i].RefColumn = f.rt, f.rc
			}
		}
	}
	if err := frows.Err(); err != nil {
		return nil, err
	}
	frows.Close()
	// single-column indexes that are not unique
	var iq string
	if mysql {
		iq = "SELECT index_name, column_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND non_unique = 1"
	} else {
		iq = "SELECT ic.relname, a.attname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid " +
			"JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey) " +
			"WHERE n.nspname = current_schema() AND t.relname = ? AND NOT i.indisunique AND NOT i.indisprimary"
	}
	irows, err := db.Query(ctx, iq, table)
	if err != nil {
		return nil, err
	}
	defer irows.Close()
	idxCols := map[string][]string{}
	for irows.Next() {
		var name, col string
		if err := irows.Scan(&name, &col); err != nil {
			return nil, err
		}
		idxCols[name] = append(idxCols[name], col)
	}
	for _, cols := range idxCols {
		if len(cols) == 1 {
			t.mark(cols[0], func(c *Column) { c.Index = true })
		}
	}
	return t, irows.Err()
}

// mark changes the column called name.
func (t *Table) mark(name string, fn func(*Column)) {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			fn(&t.Columns[i])
		}
	}
}

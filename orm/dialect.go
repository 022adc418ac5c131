package orm

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Dialect is what differs between databases: identifier quoting, parameter markers,
// column types and DDL, and the SQL of lookups. It is the "schema editor" both
// CreateTables and the migration framework build on. The three dialects are SQLite,
// PostgreSQL and MySQL (which also serves MariaDB).
type Dialect interface {
	// Name is "sqlite", "postgres" or "mysql".
	Name() string
	// QuoteIdent quotes a table, column or index name.
	QuoteIdent(name string) string
	// Placeholder returns the marker of the n-th (1-based) parameter: "?" or "$n".
	Placeholder(n int) string
	// MaxParams is the number of bound parameters one statement may carry; a statement
	// with more is refused with a *TooManyParametersError before it is sent.
	MaxParams() int
	// ColumnType returns the column type of f ("varchar(200)", "bigint"...). For an
	// auto primary key it is the integer type; ColumnDefinition adds the identity part.
	ColumnType(f *Field) string
	// ColumnDefinition returns the column's full definition for CREATE TABLE or ADD
	// COLUMN: quoted name, type, NULL/NOT NULL, PRIMARY KEY and auto increment, UNIQUE.
	// Foreign key constraints are separate (ForeignKeySQL), except on SQLite where
	// they are inline (REFERENCES ...) because SQLite cannot add them later.
	ColumnDefinition(f *Field) string
	// CreateTableSQL returns the statements creating m's table and its indexes
	// (single-column indexes, Meta.Indexes and UniqueTogether), without FK constraints
	// on PostgreSQL and MySQL (see ForeignKeySQL) and without M2M join tables (see
	// CreateM2MTableSQL).
	CreateTableSQL(m *ModelInfo) []string
	// CreateIndexSQL returns the statement creating idx on m.
	CreateIndexSQL(m *ModelInfo, idx Index) string
	// IndexName returns the generated name of an index on table's columns.
	IndexName(table string, columns []string, suffix string) string
	// ForeignKeySQL returns the statement adding f's FK constraint to an existing
	// table, or "" where constraints are inline (SQLite).
	ForeignKeySQL(m *ModelInfo, f *Field) string
	// CreateM2MTableSQL returns the statements creating an automatic M2M join table
	// (nil for a through model: it is an ordinary model).
	CreateM2MTableSQL(f *Field) []string
	// DropTableSQL returns the statement dropping a table if it exists.
	DropTableSQL(table string) string

	lookupSQL
}

// lookupSQL is the dialect-specific SQL of queries.
type lookupSQL interface {
	like(col, ph string, ci bool) string
	regex(col, ph string, ci bool) string
	extract(part, col string) string
	dateOf(col string) string
	forUpdate(nowait, skipLocked bool) string
	limitOffset(limit, offset int) string
	returning() bool
	lower(expr string) string
	castText(col string) string
	random() string
	index() int
}

// DialectByName returns the dialect called "sqlite", "postgres" or "mysql".
func DialectByName(name string) (Dialect, error) {
	switch name {
	case "sqlite", "sqlite3":
		return SQLite, nil
	case "postgres", "postgresql", "pgx":
		return PostgreSQL, nil
	case "mysql", "mariadb":
		return MySQL, nil
	}
	return nil, fmt.Errorf("orm: unknown dialect %q (sqlite, postgres, mysql)", name)
}

// The dialects.
var (
	SQLite     Dialect = sqliteDialect{}
	PostgreSQL Dialect = postgresDialect{}
	MySQL      Dialect = mysqlDialect{}
)

type sqliteDialect struct{}
type postgresDialect struct{}
type mysqlDialect struct{}

func (sqliteDialect) Name() string   { return "sqlite" }
func (postgresDialect) Name() string { return "postgres" }
func (mysqlDialect) Name() string    { return "mysql" }

func quoteWith(name string, q string) string {
	return q + strings.ReplaceAll(name, q, q+q) + q
}

func (sqliteDialect) QuoteIdent(n string) string   { return quoteWith(n, `"`) }
func (postgresDialect) QuoteIdent(n string) string { return quoteWith(n, `"`) }
func (mysqlDialect) QuoteIdent(n string) string    { return quoteWith(n, "`") }

func (sqliteDialect) Placeholder(int) string     { return "?" }
func (mysqlDialect) Placeholder(int) string      { return "?" }
func (postgresDialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

func (sqliteDialect) MaxParams() int   { return 32766 }
func (postgresDialect) MaxParams() int { return 65535 }
func (mysqlDialect) MaxParams() int    { return 65535 }

// relTargetPK returns the primary key of a relation's target, or nil.
func relTargetPK(f *Field) *Field {
	if f.Rel == nil {
		return nil
	}
	t, err := f.Rel.Target()
	if err != nil {
		return nil
	}
	return t.PK
}

// Column types per dialect, by field kind (Django's data_types). varchar and decimal
// take their sizes from the field; FK and O2O columns take the target key's type.
var (
	sqliteTypes = map[Kind]string{
		KindInt: "integer", KindBigInt: "integer", KindFloat: "real", KindBool: "bool",
		KindText: "text", KindJSON: "text", KindDateTime: "datetime", KindDate: "date",
		KindDecimal: "decimal(%d, %d)", KindUUID: "char(36)", KindBytes: "blob",
	}
	postgresTypes = map[Kind]string{
		KindInt: "integer", KindBigInt: "bigint", KindFloat: "double precision", KindBool: "boolean",
		KindText: "text", KindJSON: "jsonb", KindDateTime: "timestamp with time zone", KindDate: "date",
		KindDecimal: "numeric(%d, %d)", KindUUID: "uuid", KindBytes: "bytea",
	}
	mysqlTypes = map[Kind]string{
		KindInt: "integer", KindBigInt: "bigint", KindFloat: "double precision", KindBool: "bool",
		KindText: "longtext", KindJSON: "json", KindDateTime: "datetime(6)", KindDate: "date",
		KindDecimal: "numeric(%d, %d)", KindUUID: "char(36)", KindBytes: "longblob",
	}
)

// columnType looks f's kind up in a dialect's type table.
func columnType(d Dialect, types map[Kind]string, f *Field) string {
	switch f.Kind {
	case KindVarchar:
		return fmt.Sprintf("varchar(%d)", f.MaxLength)
	case KindDecimal:
		return fmt.Sprintf(types[KindDecimal], f.MaxDigits, f.DecimalPlaces)
	case KindFK, KindO2O:
		if pk := relTargetPK(f); pk != nil {
			return d.ColumnType(pk)
		}
		return types[KindBigInt]
	}
	return types[f.Kind]
}

func (d sqliteDialect) ColumnType(f *Field) string   { return columnType(d, sqliteTypes, f) }
func (d postgresDialect) ColumnType(f *Field) string { return columnType(d, postgresTypes, f) }
func (d mysqlDialect) ColumnType(f *Field) string    { return columnType(d, mysqlTypes, f) }

func nullSQL(f *Field) string {
	if f.Null {
		return " NULL"
	}
	return " NOT NULL"
}

func (d sqliteDialect) ColumnDefinition(f *Field) string {
	s := d.QuoteIdent(f.Column) + " " + d.ColumnType(f) + nullSQL(f)
	if f.PrimaryKey {
		s += " PRIMARY KEY"
		if f.Auto {
			s += " AUTOINCREMENT"
		}
	} else if f.Unique {
		s += " UNIQUE"
	}
	if f.Rel != nil {
		if t, err := f.Rel.Target(); err == nil {
			s += " REFERENCES " + d.QuoteIdent(t.Table) + " (" + d.QuoteIdent(t.PK.Column) + ") DEFERRABLE INITIALLY DEFERRED"
		}
	}
	return s
}

func (d postgresDialect) ColumnDefinition(f *Field) string {
	s := d.QuoteIdent(f.Column) + " " + d.ColumnType(f) + nullSQL(f)
	if f.PrimaryKey {
		s += " PRIMARY KEY"
		if f.Auto {
			s += " GENERATED BY DEFAULT AS IDENTITY"
		}
	} else if f.Unique {
		s += " UNIQUE"
	}
	return s
}

func (d mysqlDialect) ColumnDefinition(f *Field) string {
	s := d.QuoteIdent(f.Column) + " " + d.ColumnType(f) + nullSQL(f)
	if f.PrimaryKey {
		s += " PRIMARY KEY"
		if f.Auto {
			s += " AUTO_INCREMENT"
		}
	} else if f.Unique {
		s += " UNIQUE"
	}
	return s
}

// IndexName builds "<table>_<col>_<hash>_<suffix>", at most 60 characters.
func indexName(table string, columns []string, suffix string) string {
	h := fnv.New32a()
	h.Write([]byte(table + "\x00" + strings.Join(columns, "\x00") + "\x00" + suffix))
	hash := fmt.Sprintf("%08x", h.Sum32())
	base := table + "_" + strings.Join(columns, "_")
	if max := 60 - len(hash) - len(suffix) - 2; len(base) > max {
		base = base[:max]
	}
	return base + "_" + hash + "_" + suffix
}

func (sqliteDialect) IndexName(t string, c []string, s string) string   { return indexName(t, c, s) }
func (postgresDialect) IndexName(t string, c []string, s string) string { return indexName(t, c, s) }
func (mysqlDialect) IndexName(t string, c []string, s string) string    { return indexName(t, c, s) }

func createIndex(d Dialect, m *ModelInfo, idx Index) string {
	cols := make([]string, len(idx.Fields))
	quoted := make([]string, len(idx.Fields))
	for i, n := range idx.Fields {
		f := m.byName[n]
		cols[i] = f.Column
		quoted[i] = d.QuoteIdent(f.Column)
	}
	name := idx.Name
	if name == "" {
		suffix := "idx"
		if idx.Unique {
			suffix = "uniq"
		}
		name = d.IndexName(m.Table, cols, suffix)
	}
	u := ""
	if idx.Unique {
		u = "UNIQUE "
	}
	return "CREATE " + u + "INDEX " + d.QuoteIdent(name) + " ON " + d.QuoteIdent(m.Table) + " (" + strings.Join(quoted, ", ") + ")"
}

func (d sqliteDialect) CreateIndexSQL(m *ModelInfo, idx Index) string { return createIndex(d, m, idx) }
func (d postgresDialect) CreateIndexSQL(m *ModelInfo, idx Index) string {
	return createIndex(d, m, idx)
}
func (d mysqlDialect) CreateIndexSQL(m *ModelInfo, idx Index) string { return createIndex(d, m, idx) }

func createTable(d Dialect, m *ModelInfo, suffix string) []string {
	var cols []string
	for _, f := range m.concrete {
		cols = append(cols, d.ColumnDefinition(f))
	}
	out := []string{"CREATE TABLE " + d.QuoteIdent(m.Table) + " (" + strings.Join(cols, ", ") + ")" + suffix}
	for _, f := range m.concrete {
		if f.Index && !f.Unique && !f.PrimaryKey {
			out = append(out, d.CreateIndexSQL(m, Index{Fields: []string{f.Name}}))
		}
	}
	for _, set := range m.UniqueTogether {
		out = append(out, d.CreateIndexSQL(m, Index{Fields: set, Unique: true}))
	}
	for _, idx := range m.Indexes {
		out = append(out, d.CreateIndexSQL(m, idx))
	}
	return out
}

const mysqlTableSuffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

func (d sqliteDialect) CreateTableSQL(m *ModelInfo) []string   { return createTable(d, m, "") }
func (d postgresDialect) CreateTableSQL(m *ModelInfo) []string { return createTable(d, m, "") }
func (d mysqlDialect) CreateTableSQL(m *ModelInfo) []string {
	return createTable(d, m, mysqlTableSuffix)
}

func fkName(d Dialect, table, col, target string) string {
	return d.IndexName(table, []string{col}, "fk_"+target)
}

func (sqliteDialect) ForeignKeySQL(*ModelInfo, *Field) string { return "" }

func (d postgresDialect) ForeignKeySQL(m *ModelInfo, f *Field) string {
	t, err := f.Rel.Target()
	if err != nil {
		return ""
	}
	return "ALTER TABLE " + d.QuoteIdent(m.Table) + " ADD CONSTRAINT " + d.QuoteIdent(fkName(d, m.Table, f.Column, t.Table)) +
		" FOREIGN KEY (" + d.QuoteIdent(f.Column) + ") REFERENCES " + d.QuoteIdent(t.Table) + " (" + d.QuoteIdent(t.PK.Column) + ") DEFERRABLE INITIALLY DEFERRED"
}

func (d mysqlDialect) ForeignKeySQL(m *ModelInfo, f *Field) string {
	t, err := f.Rel.Target()
	if err != nil {
		return ""
	}
	return "ALTER TABLE " + d.QuoteIdent(m.Table) + " ADD CONSTRAINT " + d.QuoteIdent(fkName(d, m.Table, f.Column, t.Table)) +
		" FOREIGN KEY (" + d.QuoteIdent(f.Column) + ") REFERENCES " + d.QuoteIdent(t.Table) + " (" + d.QuoteIdent(t.PK.Column) + ")"
}

// m2mFields returns pseudo fields describing an automatic join table's columns.
func m2mFields(f *Field) (id, src, dst *Field) {
	r := f.Rel
	id = &Field{Name: "id", Column: "id", Kind: KindBigInt, PrimaryKey: true, Auto: true}
	src = &Field{Name: r.SourceColumn, Column: r.SourceColumn, Kind: KindFK, Rel: &Relation{TargetType: f.Model.Type}}
	dst = &Field{Name: r.TargetColumn, Column: r.TargetColumn, Kind: KindFK, Rel: &Relation{TargetType: r.TargetType}}
	return
}

func createM2M(d Dialect, f *Field, suffix string) []string {
	if f.Rel.Through != nil || f.Rel.throughName != "" {
		return nil
	}
	id, src, dst := m2mFields(f)
	t := f.Rel.ThroughTable
	out := []string{
		"CREATE TABLE " + d.QuoteIdent(t) + " (" + d.ColumnDefinition(id) + ", " + d.ColumnDefinition(src) + ", " + d.ColumnDefinition(dst) + ")" + suffix,
		"CREATE UNIQUE INDEX " + d.QuoteIdent(d.IndexName(t, []string{src.Column, dst.Column}, "uniq")) + " ON " + d.QuoteIdent(t) +
			" (" + d.QuoteIdent(src.Column) + ", " + d.QuoteIdent(dst.Column) + ")",
		"CREATE INDEX " + d.QuoteIdent(d.IndexName(t, []string{dst.Column}, "idx")) + " ON " + d.QuoteIdent(t) + " (" + d.QuoteIdent(dst.Column) + ")",
	}
	if d.Name() != "sqlite" {
		pseudo := &ModelInfo{Table: t}
		out = append(out, d.ForeignKeySQL(pseudo, src), d.ForeignKeySQL(pseudo, dst))
	}
	return out
}

func (d sqliteDialect) CreateM2MTableSQL(f *Field) []string   { return createM2M(d, f, "") }
func (d postgresDialect) CreateM2MTableSQL(f *Field) []string { return createM2M(d, f, "") }
func (d mysqlDialect) CreateM2MTableSQL(f *Field) []string {
	return createM2M(d, f, mysqlTableSuffix)
}

func (d sqliteDialect) DropTableSQL(t string) string {
	return "DROP TABLE IF EXISTS " + d.QuoteIdent(t)
}
func (d postgresDialect) DropTableSQL(t string) string {
	return "DROP TABLE IF EXISTS " + d.QuoteIdent(t) + " CASCADE"
}
func (d mysqlDialect) DropTableSQL(t string) string { return "DROP TABLE IF EXISTS " + d.QuoteIdent(t) }

// ---- lookups ------------------------------------------------------------------------

// SQLite: LIKE is made case-sensitive per connection (PRAGMA case_sensitive_like), and
// lower() is replaced by a Unicode-aware Go function so i-lookups work beyond ASCII.
func (sqliteDialect) like(col, ph string, ci bool) string {
	if ci {
		return "galvani_lower(" + col + ") LIKE galvani_lower(" + ph + ") ESCAPE '\\'"
	}
	return col + " LIKE " + ph + " ESCAPE '\\'"
}
func (postgresDialect) like(col, ph string, ci bool) string {
	if ci {
		return "UPPER(" + col + "::text) LIKE UPPER(" + ph + ")"
	}
	return col + "::text LIKE " + ph
}
func (mysqlDialect) like(col, ph string, ci bool) string {
	if ci {
		return "LOWER(" + col + ") LIKE LOWER(" + ph + ")"
	}
	return col + " LIKE BINARY " + ph
}

func (sqliteDialect) regex(col, ph string, ci bool) string {
	if ci {
		return col + " REGEXP ('(?i)' || " + ph + ")"
	}
	return col + " REGEXP " + ph
}
func (postgresDialect) regex(col, ph string, ci bool) string {
	if ci {
		return col + "::text ~* " + ph
	}
	return col + "::text ~ " + ph
}
func (mysqlDialect) regex(col, ph string, ci bool) string {
	if ci {
		return col + " REGEXP CONCAT('(?i)', " + ph + ")"
	}
	return "CAST(" + col + " AS BINARY) REGEXP CAST(" + ph + " AS BINARY)"
}

var sqliteParts = map[string]string{"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"}

func (sqliteDialect) extract(part, col string) string {
	if part == "week_day" {
		// strftime's %w counts from Sunday = 0; Django's week_day (and DAYOFWEEK) from 1
		return "(CAST(strftime('%w', " + col + ") AS INTEGER) + 1)"
	}
	return "CAST(strftime('" + sqliteParts[part] + "', " + col + ") AS INTEGER)"
}
func (postgresDialect) extract(part, col string) string {
	if part == "week_day" {
		return "(EXTRACT(DOW FROM " + col + ")::integer + 1)"
	}
	return "EXTRACT(" + strings.ToUpper(part) + " FROM " + col + ")::integer"
}
func (mysqlDialect) extract(part, col string) string {
	if part == "week_day" {
		return "DAYOFWEEK(" + col + ")"
	}
	return "EXTRACT(" + strings.ToUpper(part) + " FROM " + col + ")"
}

func (sqliteDialect) dateOf(col string) string   { return "date(" + col + ")" }
func (postgresDialect) dateOf(col string) string { return "CAST(" + col + " AS date)" }
func (mysqlDialect) dateOf(col string) string    { return "DATE(" + col + ")" }

func (sqliteDialect) forUpdate(bool, bool) string { return "" }
func forUpdateSQL(nowait, skip bool) string {
	s := " FOR UPDATE"
	if nowait {
		s += " NOWAIT"
	} else if skip {
		s += " SKIP LOCKED"
	}
	return s
}
func (postgresDialect) forUpdate(n, s bool) string { return forUpdateSQL(n, s) }
func (mysqlDialect) forUpdate(n, s bool) string    { return forUpdateSQL(n, s) }

func limitSQL(limit, offset int, noLimit string) string {
	s := ""
	if limit >= 0 {
		s = " LIMIT " + strconv.Itoa(limit)
	} else if offset > 0 && noLimit != "" {
		s = " LIMIT " + noLimit
	}
	if offset > 0 {
		s += " OFFSET " + strconv.Itoa(offset)
	}
	return s
}
func (sqliteDialect) limitOffset(l, o int) string   { return limitSQL(l, o, "-1") }
func (postgresDialect) limitOffset(l, o int) string { return limitSQL(l, o, "") }
func (mysqlDialect) limitOffset(l, o int) string {
	return limitSQL(l, o, "18446744073709551615")
}

func (sqliteDialect) returning() bool   { return false } // last_insert_rowid is cheaper than a RETURNING row
func (postgresDialect) returning() bool { return true }
func (mysqlDialect) returning() bool    { return false }

func (sqliteDialect) lower(e string) string   { return "galvani_lower(" + e + ")" }
func (postgresDialect) lower(e string) string { return "LOWER(" + e + ")" }
func (mysqlDialect) lower(e string) string    { return "LOWER(" + e + ")" }

func (sqliteDialect) castText(c string) string   { return c }
func (postgresDialect) castText(c string) string { return c + "::text" }
func (mysqlDialect) castText(c string) string    { return c }

// random is the ORDER BY expression of OrderBy("?").
func (sqliteDialect) random() string   { return "RANDOM()" }
func (postgresDialect) random() string { return "RANDOM()" }
func (mysqlDialect) random() string    { return "RAND()" }

func (sqliteDialect) index() int   { return 0 }
func (postgresDialect) index() int { return 1 }
func (mysqlDialect) index() int    { return 2 }

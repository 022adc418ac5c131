package dbtools

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/format"
	"os"
	"sort"
	"strings"
	"unicode"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// InspectOptions controls Inspect.
type InspectOptions struct {
	// Package is the package clause of the file (default "models").
	Package string
	// Tables limits the output to these tables; empty means every table.
	Tables []string
}

// Inspect reads the tables of an existing database and writes Go model structs for
// them, formatted Go source: Django's inspectdb. Each table becomes a struct named
// after it with a Meta method keeping the table name; each column a field whose
// type follows the column type (integers, floats, bool, strings with max_length or
// text, orm.Decimal with its digits, time.Time for dates and times, orm.UUID,
// json.RawMessage, []byte), wrapped in orm.Null when the column allows NULL. A
// single-column foreign key to an inspected table becomes orm.FK with
// on_delete=do_nothing (the database enforces its own rule); a single-column index
// becomes the index option; an integer key called
// id becomes the embedded orm.Model. What cannot be mapped exactly is said in a
// comment beside the field. The result is a starting point to review: rename the
// types and fields freely, keeping column= and Meta.Table.
func Inspect(ctx context.Context, db *orm.DB, opts InspectOptions) ([]byte, error) {
	names := opts.Tables
	if len(names) == 0 {
		var err error
		if names, err = Tables(ctx, db); err != nil {
			return nil, err
		}
	}
	var tables []*Table
	for _, n := range names {
		t, err := Describe(ctx, db, n)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	pkg := opts.Package
	if pkg == "" {
		pkg = "models"
	}
	return renderModels(pkg, db.Dialect().Name(), tables)
}

// goName turns a table or column name into an exported Go identifier.
func goName(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if r > unicode.MaxASCII && !unicode.IsLetter(r) {
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	for _, ini := range []string{"Id", "Url", "Uuid", "Ip", "Json", "Html", "Api", "Http"} {
		if strings.HasSuffix(out, ini) && len(out) > len(ini) {
			out = strings.TrimSuffix(out, ini) + strings.ToUpper(ini)
		}
	}
	if out == "Id" {
		out = "ID"
	}
	if out == "" || !unicode.IsLetter([]rune(out)[0]) || !unicode.IsUpper([]rune(out)[0]) {
		out = "X" + out
	}
	return out
}

// snake is the orm's field-name rule (GoName to lookup name), to know when a
// field needs column=.
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unique gives each name once, adding a number to repeats.
type uniqueNames map[string]bool

func (u uniqueNames) take(name string) string {
	out := name
	for i := 2; u[out]; i++ {
		out = fmt.Sprintf("%s%d", name, i)
	}
	u[out] = true
	return out
}

// goField maps a column to a Go type, tag options and a note.
func goField(dialect string, c Column) (typ string, opts []string, note string) {
	t := c.Type
	switch {
	case t == "bigint" || t == "int8" || t == "bigserial" || (dialect == "sqlite" && (t == "integer" || t == "int")):
		typ = "int64"
	case t == "integer" || t == "int" || t == "int4" || t == "mediumint" || t == "serial":
		typ = "int32"
	case t == "smallint" || t == "int2" || t == "smallserial":
		typ = "int16"
	case t == "tinyint":
		typ = "int8"
	case t == "bool" || t == "boolean":
		typ = "bool"
	case t == "real" || t == "double" || t == "double precision" || t == "float" || t == "float4" || t == "float8":
		typ = "float64"
	case t == "numeric" || t == "decimal":
		typ = "orm.Decimal"
		p, s := c.Precision, c.Scale
		if p == 0 {
			p, s = 10, 5
			note = "max_digits and decimal_places guessed: the column has no size"
		}
		opts = append(opts, fmt.Sprintf("max_digits=%d", p), fmt.Sprintf("decimal_places=%d", s))
	case strings.Contains(t, "char") && c.MaxLength > 0:
		typ = "string"
		opts = append(opts, fmt.Sprintf("max_length=%d", c.MaxLength))
	case strings.Contains(t, "char") || strings.Contains(t, "text") || t == "clob":
		typ = "string"
		opts = append(opts, "text")
	case t == "date":
		typ = "time.Time"
		opts = append(opts, "date")
	case strings.HasPrefix(t, "timestamp") || strings.HasPrefix(t, "datetime"):
		typ = "time.Time"
	case t == "uuid":
		typ = "orm.UUID"
	case t == "json" || t == "jsonb":
		typ = "json.RawMessage"
	case strings.Contains(t, "blob") || t == "bytea" || strings.Contains(t, "binary"):
		typ = "[]byte"
	default:
		typ = "string"
		opts = append(opts, "text")
		note = fmt.Sprintf("the column type %q has no matching field type; read as text", c.Type)
	}
	return typ, opts, note
}

func renderModels(pkg, dialect string, tables []*Table) ([]byte, error) {
	structNames := map[string]string{}
	taken := uniqueNames{}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	for _, t := range tables {
		structNames[t.Name] = taken.take(goName(t.Name))
	}
	imports := map[string]bool{"github.com/galvani-web/galvani/orm": true}
	var body bytes.Buffer
	for _, t := range tables {
		name := structNames[t.Name]
		fmt.Fprintf(&body, "\n// %s is the table %q.\ntype %s struct {\n", name, t.Name, name)
		fields := uniqueNames{"Meta": true}
		var pkCol *Column
		for i := range t.Columns {
			if t.Columns[i].PrimaryKey {
				pkCol = &t.Columns[i]
			}
		}
		embedModel := pkCol != nil && pkCol.Name == "id" && pkCol.Auto && (pkCol.Type == "integer" || pkCol.Type == "bigint" || pkCol.Type == "int" || pkCol.Type == "int8")
		if embedModel {
			fields["ID"], fields["Model"] = true, true
			body.WriteString("\torm.Model\n")
		}
		if pkCol == nil {
			body.WriteString("\t// The table has no single-column primary key, which a model needs: add one\n\t// (or mark a unique column pk) before using it.\n")
		}
		// targets with several foreign keys from this table need related names
		refs := map[string]int{}
		for _, c := range t.Columns {
			if c.RefTable != "" {
				refs[c.RefTable]++
			}
		}
		for _, c := range t.Columns {
			if embedModel && c.Name == "id" {
				continue
			}
			var typ string
			var opts []string
			var note string
			target, fk := structNames[c.RefTable]
			fk = fk && c.RefTable != "" && !c.PrimaryKey
			base := strings.TrimSuffix(c.Name, "_id")
			if !fk || base == c.Name || base == "" {
				base = c.Name
			}
			fname := fields.take(goName(base))
			defaultCol := snake(fname)
			if fk {
				typ = "orm.FK[" + target + "]"
				if c.Unique {
					typ = "orm.OneToOne[" + target + "]"
				}
				defaultCol += "_id"
				opts = append(opts, "on_delete=do_nothing")
				if c.Null {
					opts = append(opts, "null")
				}
				if refs[c.RefTable] > 1 || c.RefTable == t.Name {
					opts = append(opts, "related_name="+strings.ToLower(name)+"_"+snake(fname))
				}
			} else {
				typ, opts, note = goField(dialect, c)
				if c.RefTable != "" {
					note = strings.TrimPrefix(note+"; ", "; ") + fmt.Sprintf("references %s.%s, a table not inspected", c.RefTable, c.RefColumn)
				}
				if c.Null {
					if typ == "[]byte" || typ == "json.RawMessage" {
						opts = append(opts, "null")
					} else {
						typ = "orm.Null[" + typ + "]"
					}
				}
				if c.PrimaryKey {
					opts = append([]string{"pk"}, opts...)
					if c.Auto {
						opts = append(opts, "auto")
					}
				}
			}
			if c.Unique && !c.PrimaryKey && !strings.HasPrefix(typ, "orm.OneToOne") {
				opts = append(opts, "unique")
			}
			if c.Index && !c.Unique && !c.PrimaryKey && !fk { // FK columns are indexed anyway
				opts = append(opts, "index")
			}
			if defaultCol != c.Name {
				opts = append([]string{"column=" + c.Name}, opts...)
			}
			switch {
			case strings.Contains(typ, "time.Time"):
				imports["time"] = true
			case strings.Contains(typ, "json.RawMessage"):
				imports["encoding/json"] = true
			}
			tag := ""
			if len(opts) > 0 {
				tag = " `orm:\"" + strings.Join(opts, ",") + "\"`"
			}
			comment := ""
			if note != "" {
				comment = " // " + note
			}
			fmt.Fprintf(&body, "\t%s %s%s%s\n", fname, typ, tag, comment)
		}
		fmt.Fprintf(&body, "}\n\n// Meta maps %s to its table.\nfunc (%s) Meta() orm.Meta { return orm.Meta{Table: %q} }\n", name, name, t.Name)
	}
	var out bytes.Buffer
	out.WriteString("// Package " + pkg + " holds models read from an existing database by inspectdb.\n")
	out.WriteString("// Review them: rename types and fields freely (keep column= and Meta.Table),\n")
	out.WriteString("// choose on_delete rules, and register them with orm.RegisterModels.\n")
	fmt.Fprintf(&out, "package %s\n\nimport (\n", pkg)
	var imps []string
	for imp := range imports {
		imps = append(imps, imp)
	}
	sort.Strings(imps)
	for _, imp := range imps { // the standard library first, as goimports groups them
		if !strings.Contains(imp, ".") {
			fmt.Fprintf(&out, "\t%q\n", imp)
		}
	}
	out.WriteString("\n")
	for _, imp := range imps {
		if strings.Contains(imp, ".") {
			fmt.Fprintf(&out, "\t%q\n", imp)
		}
	}
	out.WriteString(")\n")
	out.Write(body.Bytes())
	src, err := format.Source(out.Bytes())
	if err != nil {
		return out.Bytes(), fmt.Errorf("inspectdb: the generated source does not parse (a bug; please report it): %v", err)
	}
	return src, nil
}

func inspectdbCommand() *galvani.Command {
	return &galvani.Command{
		Name:  "inspectdb",
		Usage: "[TABLE...]",
		Help:  "write Go models for the tables of an existing database",
		Long: "Reads the tables (all, or those named) of the configured database and prints Go\n" +
			"model structs for them, to start a Galvani app on a database another program made.\n" +
			"Review the output: names, on_delete rules and the fields marked with a comment.",
		Flags: func(fs *flag.FlagSet) {
			fs.String("package", "models", "the package clause of the output")
			fs.String("output", "", "write to this file instead of the standard output")
			databaseFlag(fs)
		},
		Run: func(ctx context.Context, inv *galvani.Invocation) error {
			u, err := databaseURL(inv)
			if err != nil {
				return err
			}
			db, err := orm.OpenNamed(ctx, inv.String("database"), u)
			if err != nil {
				return err
			}
			defer db.Close()
			src, err := Inspect(ctx, db, InspectOptions{Package: inv.String("package"), Tables: inv.Args})
			if err != nil {
				return err
			}
			if out := inv.String("output"); out != "" {
				return os.WriteFile(out, src, 0o644)
			}
			_, err = inv.Stdout.Write(src)
			return err
		},
	}
}

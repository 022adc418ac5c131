package orm

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DateTimeExpr truncates a date or time (Trunc) or extracts a part of it (Extract),
// in UTC or in the time zone given with In — so a month or a day is the one of that
// zone, as Django's with a current time zone. Use it in Annotate (then Values groups
// by it when it is named there), in Filter through its annotation's name, and in
// OrderBy.
type DateTimeExpr struct {
	e       Expr
	kind    string // trunc: year quarter month week day hour minute second date; extract: the part
	extract bool
	loc     *time.Location
}

var truncKinds = map[string]bool{"year": true, "quarter": true, "month": true, "week": true, "day": true, "hour": true, "minute": true, "second": true, "date": true}

var extractParts = map[string]bool{"year": true, "iso_year": true, "quarter": true, "month": true, "week": true, "day": true, "week_day": true, "iso_week_day": true, "hour": true, "minute": true, "second": true}

// Trunc truncates a date or datetime to kind: "year", "quarter", "month", "week"
// (to its Monday), "day", "hour", "minute", "second", or "date" (a datetime's date).
// The result is a time.Time (in the zone of In, UTC by default); of "date", a date.
func Trunc(e Expr, kind string) DateTimeExpr { return DateTimeExpr{e: e, kind: kind} }

// TruncYear is Trunc(e, "year").
func TruncYear(e Expr) DateTimeExpr { return Trunc(e, "year") }

// TruncQuarter is Trunc(e, "quarter").
func TruncQuarter(e Expr) DateTimeExpr { return Trunc(e, "quarter") }

// TruncMonth is Trunc(e, "month").
func TruncMonth(e Expr) DateTimeExpr { return Trunc(e, "month") }

// TruncWeek is Trunc(e, "week").
func TruncWeek(e Expr) DateTimeExpr { return Trunc(e, "week") }

// TruncDay is Trunc(e, "day").
func TruncDay(e Expr) DateTimeExpr { return Trunc(e, "day") }

// TruncHour is Trunc(e, "hour").
func TruncHour(e Expr) DateTimeExpr { return Trunc(e, "hour") }

// TruncDate is Trunc(e, "date"): the date of a datetime in the zone.
func TruncDate(e Expr) DateTimeExpr { return Trunc(e, "date") }

// Extract returns a part of a date or datetime as an integer: "year", "iso_year",
// "quarter", "month", "week" (ISO 8601), "day", "week_day" (1 = Sunday ... 7),
// "iso_week_day" (1 = Monday ... 7), "hour", "minute", "second".
func Extract(e Expr, part string) DateTimeExpr {
	return DateTimeExpr{e: e, kind: part, extract: true}
}

// ExtractYear is Extract(e, "year").
func ExtractYear(e Expr) DateTimeExpr { return Extract(e, "year") }

// ExtractMonth is Extract(e, "month").
func ExtractMonth(e Expr) DateTimeExpr { return Extract(e, "month") }

// ExtractDay is Extract(e, "day").
func ExtractDay(e Expr) DateTimeExpr { return Extract(e, "day") }

// ExtractWeekDay is Extract(e, "week_day").
func ExtractWeekDay(e Expr) DateTimeExpr { return Extract(e, "week_day") }

// ExtractHour is Extract(e, "hour").
func ExtractHour(e Expr) DateTimeExpr { return Extract(e, "hour") }

// In computes in time zone loc (an IANA zone such as "Europe/Paris", or UTC), like
// Django's tzinfo= argument. A date field has no zone and ignores it. MySQL and
// MariaDB need their time zone tables loaded (mysql_tzinfo_to_sql) for a zone other
// than UTC; without them the query is an error that says so.
func (d DateTimeExpr) In(loc *time.Location) DateTimeExpr {
	d.loc = loc
	return d
}

// As names the result, for Annotate.
func (d DateTimeExpr) As(name string) Named { return As(name, d) }

func (d DateTimeExpr) flags() exprFlags { return d.e.flags() }

// zoneName returns the IANA name of loc ("" for UTC).
func zoneName(loc *time.Location) (string, error) {
	if loc == nil || loc == time.UTC || loc.String() == "UTC" {
		return "", nil
	}
	name := loc.String()
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		return "", fmt.Errorf("orm: time zone %q has no IANA name (use time.LoadLocation(\"Europe/Paris\"), or UTC)", name)
	}
	return name, nil
}

func (d DateTimeExpr) compileExpr(c *compiler) (string, *Field, error) {
	what := "Trunc"
	if d.extract {
		what = "Extract"
		if !extractParts[d.kind] {
			return "", nil, fmt.Errorf("orm: Extract: unknown part %q (year iso_year quarter month week day week_day iso_week_day hour minute second)", d.kind)
		}
	} else if !truncKinds[d.kind] {
		return "", nil, fmt.Errorf("orm: Trunc: unknown kind %q (year quarter month week day hour minute second date)", d.kind)
	}
	if d.e == nil {
		return "", nil, fmt.Errorf("orm: %s of a nil expression", what)
	}
	// the argument is compiled once per use, so that its parameters (if any) are
	// bound as often as its text appears
	arg := func() (string, *Field, error) { return d.e.compileExpr(c) }
	first, f, err := arg()
	if err != nil {
		return "", nil, err
	}
	if f == nil || f.Kind != KindDateTime && f.Kind != KindDate {
		k := Kind("count")
		if f != nil {
			k = f.Kind
		}
		return "", nil, fmt.Errorf("orm: %s needs a date or datetime, not %s", what, k)
	}
	isDate := f.Kind == KindDate
	if isDate && (d.kind == "hour" || d.kind == "minute" || d.kind == "second") {
		return "", nil, fmt.Errorf("orm: %s(%q) needs a datetime, not a date", what, d.kind)
	}
	zone := ""
	if !isDate {
		if zone, err = zoneName(d.loc); err != nil {
			return "", nil, err
		}
	}
	out := exprField(KindDateTime)
	switch {
	case d.extract:
		out = exprField(KindInt)
	case isDate || d.kind == "date":
		out = exprField(KindDate)
	default:
		out.loc = d.loc
	}
	switch c.d.Name() {
	case "sqlite":
		fn := "galvani_trunc"
		if d.extract {
			fn = "galvani_extract"
		}
		// bound as text: the SQLite functions are written in Go (see sqliteFuncs)
		return fn + "(" + c.param(d.kind) + ", " + first + ", " + c.param(zone) + ")", out, nil
	case "postgres":
		return pgDateTime(c, d, first, zone, isDate), out, nil
	default:
		if zone != "" {
			c.addZones(zone)
		}
		s, err := mysqlDateTime(c, d, first, arg, zone, isDate)
		return s, out, err
	}
}

var pgExtract = map[string]string{"year": "YEAR", "iso_year": "ISOYEAR", "quarter": "QUARTER", "month": "MONTH", "week": "WEEK", "day": "DAY", "iso_week_day": "ISODOW", "hour": "HOUR", "minute": "MINUTE", "second": "SECOND"}

func pgDateTime(c *compiler, d DateTimeExpr, col, zone string, isDate bool) string {
	local, ph := col, ""
	if zone != "" {
		// one parameter, named twice ($n): PostgreSQL's markers are numbered
		ph = c.param(zone)
		local = "(" + col + " AT TIME ZONE " + ph + ")"
	}
	if d.extract {
		if d.kind == "week_day" {
			return "(EXTRACT(DOW FROM " + local + ")::integer + 1)"
		}
		if d.kind == "second" {
			return "FLOOR(EXTRACT(SECOND FROM " + local + "))::integer"
		}
		return "EXTRACT(" + pgExtract[d.kind] + " FROM " + local + ")::integer"
	}
	if d.kind == "date" {
		return "CAST(" + local + " AS date)"
	}
	if isDate {
		return "CAST(DATE_TRUNC('" + d.kind + "', " + local + ") AS date)"
	}
	t := "DATE_TRUNC('" + d.kind + "', " + local + ")"
	if zone != "" {
		return "(" + t + " AT TIME ZONE " + ph + ")"
	}
	return t
}

var mysqlTruncFormat = map[string]string{
	"year": "%Y-01-01 00:00:00", "month": "%Y-%m-01 00:00:00", "day": "%Y-%m-%d 00:00:00",
	"hour": "%Y-%m-%d %H:00:00", "minute": "%Y-%m-%d %H:%i:00", "second": "%Y-%m-%d %H:%i:%s",
}

var mysqlExtract = map[string]string{"year": "YEAR", "month": "MONTH", "day": "DAY", "hour": "HOUR", "minute": "MINUTE", "second": "SECOND"}

func mysqlDateTime(c *compiler, d DateTimeExpr, first string, arg func() (string, *Field, error), zone string, isDate bool) (string, error) {
	used := false
	local := func() (string, error) {
		col := first
		if used {
			var err error
			if col, _, err = arg(); err != nil {
				return "", err
			}
		}
		used = true
		if zone == "" {
			return col, nil
		}
		return "CONVERT_TZ(" + col + ", '+00:00', " + c.param(zone) + ")", nil
	}
	v, err := local()
	if err != nil {
		return "", err
	}
	if d.extract {
		switch d.kind {
		case "week_day":
			return "DAYOFWEEK(" + v + ")", nil
		case "iso_week_day":
			return "(WEEKDAY(" + v + ") + 1)", nil
		case "week":
			return "WEEK(" + v + ", 3)", nil
		case "iso_year":
			return "(YEARWEEK(" + v + ", 3) DIV 100)", nil
		case "quarter":
			return "QUARTER(" + v + ")", nil
		}
		return "EXTRACT(" + mysqlExtract[d.kind] + " FROM " + v + ")", nil
	}
	var t string
	switch d.kind {
	case "date":
		return "DATE(" + v + ")", nil
	case "quarter":
		v2, err := local()
		if err != nil {
			return "", err
		}
		t = "CAST(CONCAT(YEAR(" + v + "), '-', LPAD(QUARTER(" + v2 + ") * 3 - 2, 2, '0'), '-01 00:00:00') AS DATETIME(6))"
	case "week":
		v2, err := local()
		if err != nil {
			return "", err
		}
		t = "CAST(DATE_SUB(DATE(" + v + "), INTERVAL WEEKDAY(" + v2 + ") DAY) AS DATETIME(6))"
	default:
		t = "CAST(DATE_FORMAT(" + v + ", '" + mysqlTruncFormat[d.kind] + "') AS DATETIME(6))"
	}
	if isDate {
		return "DATE(" + t + ")", nil
	}
	if zone != "" {
		// back from the zone's wall time to UTC, what the column holds
		return "CONVERT_TZ(" + t + ", " + c.param(zone) + ", '+00:00')", nil
	}
	return t, nil
}

// zoneOK remembers, per root DB and zone, whether MySQL knows the zone.
var zoneOK sync.Map // zoneKey -> bool

// checkZones fails when a MySQL or MariaDB server lacks the time zone tables a query's
// Trunc or Extract needs: CONVERT_TZ would silently give NULL.
func (db *DB) checkZones(ctx context.Context, zones []string) error {
	if len(zones) == 0 || db.dialect.Name() != "mysql" {
		return nil
	}
	for _, z := range zones {
		key := zoneKey{db.root, z}
		if ok, known := zoneOK.Load(key); known {
			if !ok.(bool) {
				return zoneError(ctx, db, z)
			}
			continue
		}
		var got anyScanner
		if _, err := db.root.queryRow(ctx, "SELECT CONVERT_TZ('2000-01-01 00:00:00', '+00:00', ?)", []any{z}, []any{&got}); err != nil {
			return err
		}
		zoneOK.Store(key, got.v != nil)
		if got.v == nil {
			return zoneError(ctx, db, z)
		}
	}
	return nil
}

type zoneKey struct {
	db   *DB
	zone string
}

func zoneError(ctx context.Context, db *DB, zone string) error {
	name := "MySQL"
	if db.isMariaDB(ctx) {
		name = "MariaDB"
	}
	return fmt.Errorf("orm: %s has no time zone tables, so it cannot compute in time zone %q (load them with mysql_tzinfo_to_sql, or use UTC)", name, zone)
}

// sqliteTrunc is the Go side of galvani_trunc(kind, value, zone) on SQLite.
func sqliteTrunc(kind string, v any, zone string) (any, error) {
	t, isDate, ok, err := sqliteTime(v, zone)
	if !ok || err != nil {
		return nil, err
	}
	y, mo, d := t.Date()
	var out time.Time
	switch kind {
	case "year":
		out = time.Date(y, 1, 1, 0, 0, 0, 0, t.Location())
	case "quarter":
		out = time.Date(y, (mo-1)/3*3+1, 1, 0, 0, 0, 0, t.Location())
	case "month":
		out = time.Date(y, mo, 1, 0, 0, 0, 0, t.Location())
	case "week":
		wd := (int(t.Weekday()) + 6) % 7 // days since Monday
		out = time.Date(y, mo, d-wd, 0, 0, 0, 0, t.Location())
	case "day", "date":
		out = time.Date(y, mo, d, 0, 0, 0, 0, t.Location())
	case "hour":
		out = time.Date(y, mo, d, t.Hour(), 0, 0, 0, t.Location())
	case "minute":
		out = time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, t.Location())
	case "second":
		out = time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), 0, t.Location())
	default:
		return nil, fmt.Errorf("galvani_trunc: unknown kind %q", kind)
	}
	if isDate || kind == "date" {
		return out.Format("2006-01-02"), nil
	}
	return out.UTC().Format("2006-01-02 15:04:05.999999999-07:00"), nil
}

// sqliteExtract is the Go side of galvani_extract(part, value, zone) on SQLite.
func sqliteExtract(part string, v any, zone string) (any, error) {
	t, _, ok, err := sqliteTime(v, zone)
	if !ok || err != nil {
		return nil, err
	}
	var n int
	switch part {
	case "year":
		n = t.Year()
	case "iso_year":
		n, _ = t.ISOWeek()
	case "quarter":
		n = (int(t.Month())-1)/3 + 1
	case "month":
		n = int(t.Month())
	case "week":
		_, n = t.ISOWeek()
	case "day":
		n = t.Day()
	case "week_day":
		n = int(t.Weekday()) + 1
	case "iso_week_day":
		n = (int(t.Weekday())+6)%7 + 1
	case "hour":
		n = t.Hour()
	case "minute":
		n = t.Minute()
	case "second":
		n = t.Second()
	default:
		return nil, fmt.Errorf("galvani_extract: unknown part %q", part)
	}
	return int64(n), nil
}

// sqliteTime reads a stored SQLite date or datetime and moves a datetime to zone.
func sqliteTime(v any, zone string) (t time.Time, isDate, ok bool, err error) {
	var s string
	switch x := v.(type) {
	case nil:
		return t, false, false, nil
	case string:
		s = x
	case []byte:
		s = string(x)
	case time.Time:
		t = x
	default:
		return t, false, false, fmt.Errorf("not a date or time: %T", v)
	}
	if s != "" {
		if len(s) == 10 {
			t, err = time.Parse("2006-01-02", s)
			return t, true, err == nil, err
		}
		if err = (timeScanner{dst: &t}).parse(s); err != nil {
			return t, false, false, err
		}
	}
	t = t.UTC()
	if zone != "" {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return t, false, false, err
		}
		t = t.In(loc)
	}
	return t, false, true, nil
}

package orm

import (
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// nullSkip scans a column of a LEFT JOINed row: NULL leaves the field alone (and set
// false), anything else is assigned.
type nullSkip struct {
	dst any
	set bool
}

func (n *nullSkip) Scan(src any) error {
	if src == nil {
		return nil
	}
	n.set = true
	return assign(n.dst, src)
}

// assign stores a driver value into a scan destination, like database/sql does.
func assign(dst, src any) error {
	if s, ok := dst.(sql.Scanner); ok {
		return s.Scan(src)
	}
	switch d := dst.(type) {
	case *int64:
		n, err := asInt(src)
		*d = n
		return err
	case *string:
		switch v := src.(type) {
		case string:
			*d = v
		case []byte:
			*d = string(v)
		default:
			return fmt.Errorf("orm: cannot scan %T into string", src)
		}
		return nil
	case *bool:
		switch v := src.(type) {
		case bool:
			*d = v
		case int64:
			*d = v != 0
		case []byte:
			b, err := strconv.ParseBool(string(v))
			*d = b
			return err
		default:
			return fmt.Errorf("orm: cannot scan %T into bool", src)
		}
		return nil
	case *float64:
		switch v := src.(type) {
		case float64:
			*d = v
		case int64:
			*d = float64(v)
		case []byte:
			f, err := strconv.ParseFloat(string(v), 64)
			*d = f
			return err
		case string:
			f, err := strconv.ParseFloat(v, 64)
			*d = f
			return err
		default:
			return fmt.Errorf("orm: cannot scan %T into float64", src)
		}
		return nil
	case *time.Time:
		return timeScanner{dst: d}.Scan(src)
	case *[]byte:
		switch v := src.(type) {
		case []byte:
			*d = append([]byte(nil), v...)
		case string:
			*d = []byte(v)
		default:
			return fmt.Errorf("orm: cannot scan %T into []byte", src)
		}
		return nil
	}
	// generic: named types and pointers
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("orm: bad scan destination %T", dst)
	}
	ev := rv.Elem()
	if ev.Kind() == reflect.Pointer {
		nv := reflect.New(ev.Type().Elem())
		if err := assign(nv.Interface(), src); err != nil {
			return err
		}
		ev.Set(nv)
		return nil
	}
	switch {
	case ev.CanInt():
		n, err := asInt(src)
		if err != nil {
			return err
		}
		if ev.OverflowInt(n) {
			return fmt.Errorf("orm: %d overflows %s", n, ev.Type())
		}
		ev.SetInt(n)
		return nil
	case ev.CanUint():
		n, err := asInt(src)
		if err != nil {
			return err
		}
		if n < 0 || ev.OverflowUint(uint64(n)) {
			return fmt.Errorf("orm: %d overflows %s", n, ev.Type())
		}
		ev.SetUint(uint64(n))
		return nil
	case ev.CanFloat():
		var f float64
		if err := assign(&f, src); err != nil {
			return err
		}
		ev.SetFloat(f)
		return nil
	case ev.Kind() == reflect.String:
		var s string
		if err := assign(&s, src); err != nil {
			return err
		}
		ev.SetString(s)
		return nil
	case ev.Kind() == reflect.Bool:
		var b bool
		if err := assign(&b, src); err != nil {
			return err
		}
		ev.SetBool(b)
		return nil
	}
	return fmt.Errorf("orm: cannot scan %T into %s", src, ev.Type())
}

func asInt(src any) (int64, error) {
	switch v := src.(type) {
	case int64:
		return v, nil
	case []byte:
		return strconv.ParseInt(string(v), 10, 64)
	case string:
		return strconv.ParseInt(v, 10, 64)
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("orm: cannot scan %T into an integer", src)
}

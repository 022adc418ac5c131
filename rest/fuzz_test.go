package rest

import (
	"reflect"
	"testing"
	"time"

	"github.com/galvani-web/galvani/orm"
)

// FuzzDecodeCursor: a client's cursor decodes to scalars or fails; it never
// panics, and what decodes converts to a field's type or fails cleanly.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", "eyJ2IjoxMCwiayI6MX0", "eyJ2IjoxMCwiayI6MSwiciI6dHJ1ZX0", "%%%",
		"eyJ2IjpudWxsLCJrIjpudWxsfQ", encodeCursor(cursorPos{Value: "2024-01-01T00:00:00Z", Key: 3})} {
		f.Add(s)
	}
	fields := []*orm.Field{
		{Name: "n", GoType: reflect.TypeFor[int64]()},
		{Name: "t", GoType: reflect.TypeFor[time.Time]()},
		{Name: "s", GoType: reflect.TypeFor[string]()},
		{Name: "d", GoType: reflect.TypeFor[orm.Decimal]()},
		{Name: "b", GoType: reflect.TypeFor[bool]()},
		{Name: "f", GoType: reflect.TypeFor[float64]()},
	}
	f.Fuzz(func(t *testing.T, s string) {
		pos, err := decodeCursor(s)
		if err != nil {
			return
		}
		if pos.Key == nil {
			t.Fatalf("%q decoded without a key", s)
		}
		for _, fd := range fields {
			_, _ = cursorValue(fd, pos.Value)
			_, _ = cursorValue(fd, pos.Key)
		}
		// What we write, we read back.
		again, err := decodeCursor(encodeCursor(*pos))
		if err != nil || again.Reverse != pos.Reverse {
			t.Fatalf("round trip of %q: %v", s, err)
		}
	})
}

// FuzzFilterValue: any query-string text given to any lookup of any field kind is
// a value or a message, never a panic.
func FuzzFilterValue(f *testing.F) {
	for _, s := range []string{"", "1", "1,2,3", "true", "2024-01-01", "2024-01-01T00:00:00Z", "abc", "1e999", "-0", "\x00", "9999999999999999999999"} {
		f.Add(s, uint8(0))
	}
	fields := []*orm.Field{
		{Name: "n", GoType: reflect.TypeFor[int32](), Kind: orm.KindInt},
		{Name: "t", GoType: reflect.TypeFor[time.Time](), Kind: orm.KindDateTime},
		{Name: "d", GoType: reflect.TypeFor[time.Time](), Kind: orm.KindDate},
		{Name: "s", GoType: reflect.TypeFor[string](), Kind: orm.KindVarchar},
		{Name: "b", GoType: reflect.TypeFor[bool](), Kind: orm.KindBool},
		{Name: "x", GoType: reflect.TypeFor[orm.Decimal](), Kind: orm.KindDecimal},
		{Name: "u", GoType: reflect.TypeFor[orm.UUID](), Kind: orm.KindUUID},
	}
	lookups := sortedKeys(filterLookups)
	f.Fuzz(func(t *testing.T, text string, which uint8) {
		fd := fields[int(which)%len(fields)]
		lk := lookups[int(which)/len(fields)%len(lookups)]
		v, msg := filterValue(fd, lk, text)
		if msg == "" && v == nil {
			t.Fatalf("%s__%s=%q: no value and no message", fd.Name, lk, text)
		}
	})
}

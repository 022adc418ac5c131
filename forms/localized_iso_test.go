package forms

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/galvani-web/galvani/formats"
)

// TestLocalizedInputAlwaysTakesISO checks that a locale whose input layouts a
// project replaced (i18n.Config.Formats, as docs/i18n.md shows for fr-ch) still
// reads the ISO forms that <input type="date">, "time" and "datetime-local"
// send: the form shows dates in ISO and must read back what it shows (Django's
// get_format adds ISO_INPUT_FORMATS to every locale's input formats likewise).
func TestLocalizedInputAlwaysTakesISO(t *testing.T) {
	type event struct {
		Day  time.Time `form:",kind=date"`
		Hour time.Time `form:",kind=time"`
		At   time.Time `form:",kind=datetime"`
	}
	swiss := formats.Override(formats.Get("fr"), &formats.Locale{
		DateInputFormats:     []string{"2.1.2006"},
		TimeInputFormats:     []string{"15.04"},
		DateTimeInputFormats: []string{"2.1.2006 15.04"},
	})
	for _, c := range []struct {
		name string
		in   url.Values
		want event
	}{
		{"the locale's own", url.Values{"day": {"25.10.2026"}, "hour": {"14.05"}, "at": {"25.10.2026 14.05"}},
			event{time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 14, 5, 0, 0, time.UTC), time.Date(2026, 10, 25, 14, 5, 0, 0, time.UTC)}},
		{"ISO", url.Values{"day": {"2026-10-25"}, "hour": {"14:05:30.5"}, "at": {"2026-10-25T14:05"}},
			event{time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 14, 5, 30, 5e8, time.UTC), time.Date(2026, 10, 25, 14, 5, 0, 0, time.UTC)}},
		{"ISO date in a datetime field", url.Values{"day": {"2026-10-25"}, "hour": {"14:05"}, "at": {"2026-10-25"}},
			event{time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 14, 5, 0, 0, time.UTC), time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)}},
	} {
		f := New[event]()
		if err := f.BindData(WithFormats(context.Background(), swiss), c.in, nil); err != nil {
			t.Errorf("%s: %v (%v %v %v)", c.name, err, f.FieldErrors("day"), f.FieldErrors("hour"), f.FieldErrors("at"))
			continue
		}
		if f.Data != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, f.Data, c.want)
		}
	}
}

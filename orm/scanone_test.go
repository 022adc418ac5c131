package orm

import (
	"errors"
	"testing"
)

// fakeRows serves n rows of one int column, then err (if any) from Err.
type fakeRows struct {
	n, at   int
	scanErr error
	err     error
}

func (r *fakeRows) Next() bool {
	if r.at >= r.n {
		return false
	}
	r.at++
	return true
}

func (r *fakeRows) Scan(dest ...any) error {
	if r.scanErr != nil {
		return r.scanErr
	}
	*dest[0].(*int) = r.at
	return nil
}

func (r *fakeRows) Err() error { return r.err }

func TestScanOne(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		rows    fakeRows
		want    int
		wantErr error
		value   int
	}{
		{"no row", fakeRows{}, 0, nil, 0},
		{"no row, failed", fakeRows{err: boom}, 0, boom, 0},
		{"one row", fakeRows{n: 1}, 1, nil, 1},
		{"one row, failed after", fakeRows{n: 1, err: boom}, 1, boom, 1},
		{"two rows", fakeRows{n: 2}, 2, nil, 1},
		{"many rows", fakeRows{n: 5}, 2, nil, 1},
		{"scan error", fakeRows{n: 1, scanErr: boom}, 0, boom, 0},
	} {
		var v int
		n, err := scanOne(&tc.rows, []any{&v})
		if n != tc.want || !errors.Is(err, tc.wantErr) || v != tc.value {
			t.Errorf("%s: got %d, %v, value %d; want %d, %v, value %d", tc.name, n, err, v, tc.want, tc.wantErr, tc.value)
		}
	}
}

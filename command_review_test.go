package galvani

import (
	"context"
	"errors"
	"flag"
	"slices"
	"testing"
)

// Django users type `runserver 0:8000 --noreload` and `migrate blog 0002 --fake`:
// flags may come after the positional arguments; `--` ends the flags.
func TestFlagsAfterArguments(t *testing.T) {
	app := New(Settings{Debug: true})
	var gotArgs []string
	var gotFake bool
	var gotDB string
	app.AddCommand(&Command{
		Name: "migrate2", Help: "test",
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("fake", false, "")
			fs.String("database", "default", "")
		},
		Args: MaxArgs(2),
		Run: func(ctx context.Context, inv *Invocation) error {
			if !slices.Equal(inv.Args, inv.Flags.Args()) {
				t.Errorf("inv.Args %q but inv.Flags.Args() %q", inv.Args, inv.Flags.Args())
			}
			gotArgs, gotFake, gotDB = inv.Args, inv.Bool("fake"), inv.String("database")
			return nil
		},
	})
	cases := []struct {
		args []string
		want []string
		fake bool
		db   string
	}{
		{[]string{"migrate2", "blog", "0002", "--fake"}, []string{"blog", "0002"}, true, "default"},
		{[]string{"migrate2", "blog", "--database", "other", "0002"}, []string{"blog", "0002"}, false, "other"},
		{[]string{"migrate2", "--fake", "blog"}, []string{"blog"}, true, "default"},
		{[]string{"migrate2", "blog", "--", "--fake"}, []string{"blog", "--fake"}, false, "default"},
		{[]string{"migrate2", "blog", "-"}, []string{"blog", "-"}, false, "default"},
	}
	for _, tc := range cases {
		gotArgs, gotFake, gotDB = nil, false, ""
		if _, err := runCmd(t, app, tc.args...); err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if !slices.Equal(gotArgs, tc.want) || gotFake != tc.fake || gotDB != tc.db {
			t.Errorf("%q: args %q fake %v database %q, want %q %v %q", tc.args, gotArgs, gotFake, gotDB, tc.want, tc.fake, tc.db)
		}
	}
	if _, err := runCmd(t, app, "migrate2", "blog", "--nope"); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown flag after an argument: %v, want a usage error", err)
	}
	if _, err := runCmd(t, app, "migrate2", "a", "b", "c", "--fake"); !errors.Is(err, ErrUsage) {
		t.Errorf("three arguments: %v, want a usage error", err)
	}
}

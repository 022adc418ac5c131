package galvani

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
)

// settingsCommand is Django's diffsettings: it prints the settings in effect, with
// secrets and passwords masked the way the debug page masks them.
func settingsCommand() *Command {
	return &Command{
		Name: "settings",
		Help: "print the settings in effect, secrets masked",
		Long: `Prints every setting after defaults and environment variables were applied,
including the sections of installed apps. Secret values (keys, passwords,
tokens) and the passwords inside database URLs are masked. Settings that differ
from the defaults are marked with ### (as Django's diffsettings does); --diff
prints only those.`,
		Flags: func(fs *flag.FlagSet) {
			fs.Bool("diff", false, "print only the settings that differ from the defaults")
		},
		Args: MaxArgs(0),
		Run: func(ctx context.Context, inv *Invocation) error {
			defaults := map[string]string{}
			for _, r := range settingsRows(new(Settings{}.withDefaults())) {
				defaults[r.K] = r.V
			}
			onlyDiff := inv.Bool("diff")
			tw := tabwriter.NewWriter(inv.Stdout, 0, 4, 1, ' ', 0)
			for _, r := range settingsRows(&inv.App.Settings) {
				def, known := defaults[r.K]
				changed := !known || def != r.V
				if onlyDiff && !changed {
					continue
				}
				mark := ""
				if changed {
					mark = "\t###"
				}
				fmt.Fprintf(tw, "%s\t= %s%s\n", r.K, strings.ReplaceAll(r.V, "\n", `\n`), mark)
			}
			return tw.Flush()
		},
	}
}

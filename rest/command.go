package rest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/galvani-web/galvani"
)

// Commands implements galvani.CommandsProvider: "openapi" writes the API's OpenAPI
// document without serving (`go run . openapi -o schema.yaml`), as JSON or YAML by
// the file's extension or -format, to standard output without -o.
func (a *API) Commands() []*galvani.Command {
	name := "openapi"
	if a.cfg.Label != "api" {
		name = "openapi-" + a.cfg.Label
	}
	return []*galvani.Command{{
		Name: name,
		Help: "write the OpenAPI document of the " + a.cfg.Label + " API",
		Flags: func(fs *flag.FlagSet) {
			fs.String("o", "", "write to this file (default: standard output)")
			fs.String("format", "", "json or yaml (default: the file's extension, else json)")
		},
		Args: galvani.MaxArgs(0),
		Run: func(ctx context.Context, inv *galvani.Invocation) error {
			return a.writeSchema(inv)
		},
	}}
}

func (a *API) writeSchema(inv *galvani.Invocation) error {
	out, format := inv.String("o"), inv.String("format")
	if format == "" {
		format = "json"
		if strings.HasSuffix(out, ".yaml") || strings.HasSuffix(out, ".yml") {
			format = "yaml"
		}
	}
	doc, err := a.Schema()
	if err != nil {
		return err
	}
	var b []byte
	switch format {
	case "json":
		b, err = doc.JSON()
		b = append(b, '\n')
	case "yaml":
		b, err = doc.YAML()
	default:
		return galvani.UsageErrorf("unknown format %q (json or yaml)", format)
	}
	if err != nil {
		return err
	}
	if out == "" {
		_, err = inv.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(inv.Stdout, "Wrote %s (%d paths).\n", out, len(doc.Paths))
	return err
}

package orm

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// Every constructor of the ORM's value types (types.go) is in docs/orm.md, so a
// reader can make a Decimal or a UUID without reading the source.
func TestTypeConstructorsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/orm.md")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "types.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || !fn.Name.IsExported() {
			continue
		}
		n++
		if !strings.Contains(string(doc), "orm."+fn.Name.Name+"(") && !strings.Contains(string(doc), "orm."+fn.Name.Name+"[") {
			t.Errorf("docs/orm.md does not show orm.%s", fn.Name.Name)
		}
	}
	if n < 5 {
		t.Fatalf("found %d constructors in types.go; did it move?", n)
	}
}

package template

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a template syntax or render error. It names the template, the line and
// column of the offending tag, and carries the source line so a message (and the
// debug page) can show it.
type Error struct {
	// Template is the name of the template, or "" for one built from a string.
	Template string
	// Line and Column locate the offending token (1-based; 0 when unknown).
	Line, Column int
	// Source is the offending line of template source.
	Source string
	// Excerpt is the offending line with up to two lines either side, numbered, with
	// a caret under the column: what Error and the debug page show.
	Excerpt string
	// Msg says what is wrong.
	Msg string
	// Syntax is true for errors found while parsing.
	Syntax bool
	// Err is the underlying error, if any (a filter's error, a missing template...).
	Err error
}

// Error formats the error with its location and source line.
func (e *Error) Error() string {
	var b strings.Builder
	name := e.Template
	if name == "" {
		name = "<string>"
	}
	if e.Syntax {
		b.WriteString("template syntax error in ")
	} else {
		b.WriteString("template error in ")
	}
	b.WriteString(name)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	switch {
	case e.Excerpt != "":
		b.WriteString("\n")
		b.WriteString(e.Excerpt)
	case e.Source != "":
		b.WriteString("\n    ")
		b.WriteString(e.Source)
		if e.Column > 0 {
			b.WriteString("\n    ")
			b.WriteString(strings.Repeat(" ", min(e.Column-1, len(e.Source))))
			b.WriteString("^")
		}
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// TemplateDoesNotExist is returned when no loader has a template. Tried lists every
// place that was looked at, in order.
type TemplateDoesNotExist struct {
	Name  string
	Tried []string
}

// Error lists where the template was looked for.
func (e *TemplateDoesNotExist) Error() string {
	if len(e.Tried) == 0 {
		return fmt.Sprintf("template %q does not exist (no template loaders are configured)", e.Name)
	}
	return fmt.Sprintf("template %q does not exist; looked in:\n  %s", e.Name, strings.Join(e.Tried, "\n  "))
}

// HTTPStatus makes a missing template a 500 for galvani's error handling.
func (e *TemplateDoesNotExist) HTTPStatus() int { return 500 }

// ErrSyntax is matched by errors.Is for every syntax error.
var ErrSyntax = errors.New("template syntax error")

// Is reports whether target is ErrSyntax and e is a syntax error.
func (e *Error) Is(target error) bool { return target == ErrSyntax && e.Syntax }

// sourceLine returns the line of src containing byte offset pos.
func sourceLine(src string, pos int) string {
	if pos < 0 || pos > len(src) {
		return ""
	}
	start := strings.LastIndexByte(src[:pos], '\n') + 1
	end := strings.IndexByte(src[pos:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += pos
	}
	line := src[start:end]
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return line
}

// excerpt formats the lines around 1-based line number line of src, numbered, with
// a caret under column col of that line.
func excerpt(src string, line, col int) string {
	if line <= 0 {
		return ""
	}
	lines := strings.Split(src, "\n")
	if line > len(lines) {
		return ""
	}
	first, last := max(1, line-2), min(len(lines), line+2)
	width := len(fmt.Sprint(last))
	clip := func(s string) string {
		if len(s) > 200 {
			return s[:200] + "…"
		}
		return s
	}
	var b strings.Builder
	for n := first; n <= last; n++ {
		mark := "  "
		if n == line {
			mark = "> "
		}
		fmt.Fprintf(&b, "%s%*d | %s\n", mark, width, n, clip(strings.TrimRight(lines[n-1], "\r")))
		if n == line && col > 0 {
			fmt.Fprintf(&b, "  %s | %s^\n", strings.Repeat(" ", width), strings.Repeat(" ", min(col-1, 200)))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

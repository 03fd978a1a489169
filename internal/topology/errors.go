package topology

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a topology file. Field is the path of the field in
// the document, e.g. "regions[1].instances"; Line and Column are 1-based and
// point at the field's key (or list item); zero means unknown.
type Error struct {
	File         string
	Line, Column int
	Field        string
	Msg          string
	Hint         string
}

// Error renders "FILE:LINE:COL: FIELD: MSG (hint: HINT)", leaving out the
// parts that are empty.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (hint: " + e.Hint + ")")
	}
	return b.String()
}

// Warning is a problem that does not stop a topology from loading: the
// document is valid but probably not what its author wants.
type Warning Error

// String renders the warning like Error.Error, prefixed with "warning: ".
func (w Warning) String() string {
	e := Error(w)
	return "warning: " + e.Error()
}

// position is where a field is written in the file.
type position struct{ line, column int }

// problems collects errors and warnings while a document is decoded and
// validated, and locates fields by path.
type problems struct {
	file     string
	at       map[string]position // field path → position of its key
	errs     []*Error
	warnings []Warning
}

func newProblems(file string) *problems {
	return &problems{file: file, at: map[string]position{}}
}

// locate returns the position of path, or of its nearest written ancestor
// when the field itself is absent from the document.
func (p *problems) locate(path string) position {
	for {
		if pos, ok := p.at[path]; ok {
			return pos
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return p.at[""]
		}
		path = path[:i]
	}
}

// has reports whether the field at path is written in the document.
func (p *problems) has(path string) bool {
	_, ok := p.at[path]
	return ok
}

func (p *problems) newError(path, hint, format string, args ...any) *Error {
	return p.newErrorAt(p.locate(path), path, hint, format, args...)
}

func (p *problems) newErrorAt(pos position, path, hint, format string, args ...any) *Error {
	return &Error{File: p.file, Line: pos.line, Column: pos.column, Field: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// errorf records an error at path with a hint ("" for none).
func (p *problems) errorf(path, hint, format string, args ...any) {
	p.errs = append(p.errs, p.newError(path, hint, format, args...))
}

// errorAt records an error about path found at pos (e.g. a repeated key).
func (p *problems) errorAt(pos position, path, hint, format string, args ...any) {
	p.errs = append(p.errs, p.newErrorAt(pos, path, hint, format, args...))
}

// warnf records a warning at path with a hint ("" for none).
func (p *problems) warnf(path, hint, format string, args ...any) {
	p.warnings = append(p.warnings, Warning(*p.newError(path, hint, format, args...)))
}

// err returns every error, in file order, joined; nil when there is none.
func (p *problems) err() error {
	slices.SortStableFunc(p.errs, compareErrors)
	out := make([]error, len(p.errs))
	for i, e := range p.errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// sortedWarnings returns the warnings in file order.
func (p *problems) sortedWarnings() []Warning {
	slices.SortStableFunc(p.warnings, func(a, b Warning) int {
		ea, eb := Error(a), Error(b)
		return compareErrors(&ea, &eb)
	})
	return p.warnings
}

func compareErrors(a, b *Error) int {
	return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
}

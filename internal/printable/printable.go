// Package printable keeps what a file, a flow log or a command line says
// from acting on the terminal it is shown on. A resource name holding a
// newline would forge an extra line of output (a problem that is not
// there), and one holding an escape sequence would reach the terminal and
// could recolour, hide or rewrite what was printed. Every human output of
// Verdict (problems, tables, selectors, reports) passes the values it
// shows through String, and the formatting helpers here do it for every
// argument.
package printable

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with every character that is not printable written as
// its Go escape: control characters (\n, \t, \x1b), Unicode format and
// separator characters other than the space (bidirectional overrides,
// zero-width characters, the line separator) and bytes that are not UTF-8
// (\xff). Everything else, quotes and backslashes included, is kept, so
// an ordinary name or selector prints unchanged and escaping twice changes
// nothing more.
func String(s string) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !printable(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case printable(r, size):
			b.WriteString(s[i : i+size])
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

func printable(r rune, size int) bool {
	if r < utf8.RuneSelf {
		return r >= ' ' && r != 0x7f
	}
	return !(r == utf8.RuneError && size == 1) && unicode.IsPrint(r)
}

// Lines is String for text of several lines: each line is escaped and the
// newlines between them are kept. It is for messages whose line breaks
// are Verdict's own, such as an error listing one problem a line; values
// inside them must have been escaped already (their newlines would be
// kept too).
func Lines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = String(l)
	}
	return strings.Join(lines, "\n")
}

// Fprintf is fmt.Fprintf with every argument that shows text escaped by
// String: strings, errors, fmt.Stringers and slices of strings. Numbers,
// booleans and values whose underlying type is a number (an enum with a
// String method, say) are passed as they are, so every verb works as in
// fmt. The format itself is Verdict's and is not escaped: its newlines and
// tabs lay out the output.
func Fprintf(w io.Writer, format string, args ...any) (int, error) {
	return fmt.Fprintf(w, format, escaped(args)...)
}

// Fprintln is fmt.Fprintln with the arguments escaped as Fprintf escapes
// them.
func Fprintln(w io.Writer, args ...any) (int, error) {
	return fmt.Fprintln(w, escaped(args)...)
}

// Sprintf is fmt.Sprintf with the arguments escaped as Fprintf escapes
// them.
func Sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, escaped(args)...)
}

func escaped(args []any) []any {
	var out []any
	for i, a := range args {
		e, changed := escape(a)
		if !changed {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = e
	}
	if out == nil {
		return args
	}
	return out
}

// escape returns a with its text escaped, and whether that changed it.
func escape(a any) (any, bool) {
	switch v := a.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr, float32, float64:
		return a, false
	case string:
		return text(v)
	case []string:
		var out []string
		for i, s := range v {
			if e := String(s); e != s {
				if out == nil {
					out = append([]string(nil), v...)
				}
				out[i] = e
			}
		}
		return out, out != nil
	case error:
		return text(v.Error())
	}
	switch reflect.ValueOf(a).Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Bool:
		return a, false // an enum: its names are Verdict's
	}
	if st, ok := a.(fmt.Stringer); ok {
		return text(st.String())
	}
	// Anything else (a name type, a map of labels, a struct) is formatted
	// as fmt would and escaped: what it shows is data.
	return text(fmt.Sprint(a))
}

// text returns s escaped, and whether escaping changed it.
func text(s string) (any, bool) {
	e := String(s)
	return e, e != s
}

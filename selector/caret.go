package selector

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// caretWidth is how much of a long selector Caret shows around the
// problem: enough for context, short enough for one terminal line.
const caretWidth = 72

// Caret shows where the problem is, as compilers do: the selector on one
// line and a caret under the byte at Offset on the next, joined by a
// newline (no newline at the end). Control characters and invalid bytes
// are written as escapes, so the selector stays on one line and the caret
// stays under the right character; a selector longer than 72 characters
// is cut to a window around the offset, marked with "…". It returns ""
// when the error does not carry its Input.
func (e *Error) Caret() string {
	if e.Input == "" {
		return ""
	}
	line, marker := caret(e.Input, e.Offset)
	return line + "\n" + marker
}

// caret renders text on one line and a marker line with a caret under the
// byte at offset.
func caret(text string, offset int) (line, marker string) {
	offset = min(max(offset, 0), len(text))
	type piece struct {
		shown string
		at    int // byte offset of the piece in text
	}
	var pieces []piece
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		var shown string
		switch {
		case r == utf8.RuneError && size == 1:
			shown = fmt.Sprintf(`\x%02x`, text[i])
		case r == '\t':
			shown = " "
		case r < 0x20 || r == 0x7f:
			shown = strings.Trim(fmt.Sprintf("%q", string(r)), `"`)
		default:
			shown = text[i : i+size]
		}
		pieces = append(pieces, piece{shown, i})
		i += size
	}
	// The caret stands under the piece that starts at offset, or after the
	// last piece at the end of the text.
	at := len(pieces)
	for i, p := range pieces {
		if p.at >= offset {
			at = i
			break
		}
	}
	from, to := 0, len(pieces)
	if to > caretWidth {
		from = max(0, at-caretWidth/2)
		to = min(len(pieces), from+caretWidth)
		from = max(0, to-caretWidth)
	}
	var b, m strings.Builder
	if from > 0 {
		b.WriteString("…")
		m.WriteString(" ")
	}
	for i := from; i < to; i++ {
		b.WriteString(pieces[i].shown)
		if i < at {
			m.WriteString(strings.Repeat(" ", utf8.RuneCountInString(pieces[i].shown)))
		}
	}
	if to < len(pieces) {
		b.WriteString("…")
	}
	m.WriteString("^")
	return b.String(), m.String()
}

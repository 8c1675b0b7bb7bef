package selector

import (
	"fmt"
	"unicode/utf8"
)

// Error explains why a selector was rejected. Calico's own errors are bare
// strings with no position; this one says where, so a person can find the
// problem in a long selector, and Caret points at it.
//
// Parse and UnmarshalText return only *Error values.
type Error struct {
	// Offset is the byte offset into the selector text where the problem
	// starts. At the end of the input it equals the length of the text.
	Offset int
	// Text is the offending text as it appears in the selector, or "" when
	// the problem is the end of the input. Text longer than 64 bytes is cut
	// at a character boundary and ends with "…".
	Text string
	// Msg says what was wrong and, where it helps, what was expected.
	Msg string
	// Input is the whole selector text that was rejected, so that Caret
	// can show the problem in place. Parse sets it.
	Input string
}

// Error returns the message followed by the offset, so that a log line alone
// locates the problem.
func (e *Error) Error() string {
	return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset)
}

// maxErrorText bounds Error.Text so that a megabyte-long string literal or
// label does not end up in every log line that mentions the error.
const maxErrorText = 64

// newError builds an *Error for text[start:end], clipping the quoted text
// on a UTF-8 boundary.
func newError(text string, start, end int, format string, args ...any) *Error {
	return &Error{Offset: start, Text: clip(text[start:end]), Msg: fmt.Sprintf(format, args...)}
}

// clip shortens s to at most maxErrorText bytes without splitting a UTF-8
// sequence, marking the cut with "…".
func clip(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// describe names a piece of selector text in a message: "end of selector"
// for nothing, otherwise the text quoted (clipped).
func describe(raw string) string {
	if raw == "" {
		return "end of selector"
	}
	return fmt.Sprintf("%q", clip(raw))
}

package selector

import (
	"errors"
	"strings"
	"testing"
)

func TestCaret(t *testing.T) {
	tests := []struct {
		text         string
		offset       int
		line, marker string
	}{
		{`a = "b"`, 2, `a = "b"`, "  ^"},
		{`a ==`, 4, `a ==`, "    ^"},
		{"é == \"x\"\n", 9, `é == "x"\n`, "        ^"},
		{"a\t== \xff", 5, `a == \xff`, "     ^"},
		{"", 0, "", "^"},
		{"a", 7, "a", " ^"}, // an offset past the end stands at the end
		{strings.Repeat("x", 100) + "!", 100, "…" + strings.Repeat("x", 71) + "!", " " + strings.Repeat(" ", 71) + "^"},
		{"!" + strings.Repeat("x", 100), 0, "!" + strings.Repeat("x", 71) + "…", "^"},
	}
	for _, tt := range tests {
		line, marker := caret(tt.text, tt.offset)
		if line != tt.line || marker != tt.marker {
			t.Errorf("caret(%q, %d) =\n%q\n%q\nwant\n%q\n%q", tt.text, tt.offset, line, marker, tt.line, tt.marker)
		}
	}
}

// Parse records the rejected text in the error, so Caret works on any
// error Parse returns, limit errors included.
func TestErrorCaret(t *testing.T) {
	tests := []struct {
		text string
		opts []Option
		want string
	}{
		{`role = "db"`, nil, "role = \"db\"\n     ^"},
		{`a == "x" &&`, nil, "a == \"x\" &&\n           ^"},
		{`a == "x" && (b == "y"`, nil, "a == \"x\" && (b == \"y\"\n                     ^"},
		{`has(a) && has(b)`, []Option{MaxLength(8)}, "has(a) && has(b)\n        ^"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.text, tt.opts...)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%q) = %v, want an *Error", tt.text, err)
		}
		if e.Input != tt.text {
			t.Errorf("Parse(%q): Input = %q", tt.text, e.Input)
		}
		if got := e.Caret(); got != tt.want {
			t.Errorf("Parse(%q): Caret() =\n%s\nwant\n%s", tt.text, got, tt.want)
		}
	}
	if got := (&Error{Offset: 3, Msg: "made by hand"}).Caret(); got != "" {
		t.Errorf("Caret without Input = %q, want empty", got)
	}
}

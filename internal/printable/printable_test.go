package printable

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"prod/web-1", "prod/web-1"},
		{`app == "x" && b == 'y\z'`, `app == "x" && b == 'y\z'`},
		{"naïve ☃ 名前", "naïve ☃ 名前"},
		{"a\nb", `a\nb`},
		{"ok\r\nforged: problem", `ok\r\nforged: problem`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"tab\there", `tab\there`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1\u0085\u009b", `c1\u0085\u009b`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"line\u2028sep", `line\u2028sep`},
		{"bad\xffutf8", `bad\xffutf8`},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := String(String(tt.in)); again != tt.want {
			t.Errorf("String twice on %q = %q, want %q", tt.in, again, tt.want)
		}
	}
}

func TestLines(t *testing.T) {
	if got, want := Lines("one\x1b[2J\ntwo\tthree"), "one\\x1b[2J\ntwo\\tthree"; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

type enum int

func (e enum) String() string { return [...]string{"zero", "one"}[e] }

type name string

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestFprintf(t *testing.T) {
	var b bytes.Buffer
	_, err := Fprintf(&b, "%s\t%d\t%s\t%v\t%s\t%v\t%d\t%s\t%v\t%v\n",
		"a\nb", 42, enum(1), []string{"x", "y\x1b"}, errors.New("e\rr"), stringer{"s\n"}, enum(1), name("n\n"),
		netip.MustParseAddr("10.0.0.1"), map[string]string{"k": "v\n"})
	if err != nil {
		t.Fatal(err)
	}
	want := "a\\nb\t42\tone\t[x y\\x1b]\te\\rr\ts\\n\t1\tn\\n\t10.0.0.1\tmap[k:v\\n]\n"
	if b.String() != want {
		t.Errorf("Fprintf wrote %q, want %q", b.String(), want)
	}
	b.Reset()
	Fprintln(&b, "x\ny", 3)
	if b.String() != "x\\ny 3\n" {
		t.Errorf("Fprintln wrote %q", b.String())
	}
	if got := Sprintf("%s=%q", "k\n", "v"); got != `k\n="v"` {
		t.Errorf("Sprintf = %q", got)
	}
	// Arguments that need nothing are passed through untouched.
	args := []any{"plain", 1}
	if out := escaped(args); &out[0] != &args[0] {
		t.Error("escaped copied arguments that needed no escaping")
	}
	_ = fmt.Sprint()
}

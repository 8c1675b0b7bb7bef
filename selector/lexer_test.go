package selector

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
)

// tokenNames names the token types in test expectations.
var tokenNames = map[lexer.TokenType]string{
	lexer.EOF: "EOF", tokLParen: "(", tokRParen: ")", tokLBrace: "{", tokRBrace: "}", tokComma: ",", tokLastComma: ",}",
	tokNot: "!", tokBool: "Bool", tokLabel: "Label", tokHas: "Has", tokAll: "All", tokGlobal: "Global",
	tokString: "String", tokCompare: "Compare", tokSetOp: "SetOp",
}

// render prints tokens compactly: punctuation as itself, others as
// Type(value).
func render(toks []lexer.Token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		name := tokenNames[t.Type]
		switch t.Type {
		case tokBool, tokLabel, tokHas, tokString, tokCompare, tokSetOp:
			parts[i] = fmt.Sprintf("%s(%s)", name, t.Value)
		default:
			parts[i] = name
		}
	}
	return strings.Join(parts, " ")
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"comparison", `a == "b"`, `Label(a) Compare(==) String(b) EOF`},
		{"no blanks", `a=="b"&&c!='d'`, `Label(a) Compare(==) String(b) Bool(&&) Label(c) Compare(!=) String(d) EOF`},
		{"tabs are blanks", "a\t==\t\"b\"", `Label(a) Compare(==) String(b) EOF`},
		{"operator words after a label", `a contains "x"`, `Label(a) Compare(contains) String(x) EOF`},
		{"starts with", `a starts with "x"`, `Label(a) Compare(starts with) String(x) EOF`},
		{"startswith joined", `a startswith "x"`, `Label(a) Compare(starts with) String(x) EOF`},
		{"starts tab with", "a starts\t with \"x\"", `Label(a) Compare(starts with) String(x) EOF`},
		{"endswith joined", `a endswith"x"`, `Label(a) Compare(ends with) String(x) EOF`},
		{"notin joined", `a notin {}`, `Label(a) SetOp(not in) { } EOF`},
		{"in touching brace", `a in{"x"}`, `Label(a) SetOp(in) { String(x) } EOF`},
		{"commas", `a in {"x", "y" , }`, `Label(a) SetOp(in) { String(x) , String(y) ,} } EOF`},
		{"commas without a set", `,,}`, `, ,} } EOF`},
		{"operator words are labels elsewhere", `in == "x"`, `Label(in) Compare(==) String(x) EOF`},
		{"label not, operator in", `not in {"x"}`, `Label(not) SetOp(in) { String(x) } EOF`},
		{"notin notin", `notin notin {"x"}`, `Label(notin) SetOp(not in) { String(x) } EOF`},
		{"contains contains", `contains contains "contains"`, `Label(contains) Compare(contains) String(contains) EOF`},
		{"has( is one token", `has( a.b/c-d_e )`, `Has(a.b/c-d_e) EOF`},
		{"has with a space is a label", `has (a)`, `Label(has) ( Label(a) ) EOF`},
		{"all() with blanks", "all( \t)", `All EOF`},
		{"global()", `global()`, `Global EOF`},
		{"all without parens is a label", `all == "x"`, `Label(all) Compare(==) String(x) EOF`},
		{"odd keys", `-a == "" && . == '' && 123 == "1"`, `Label(-a) Compare(==) String() Bool(&&) Label(.) Compare(==) String() Bool(&&) Label(123) Compare(==) String(1) EOF`},
		{"backslash is literal", `a == "\"`, `Label(a) Compare(==) String(\) EOF`},
		{"other quote inside", `a == 'say "hi"'`, `Label(a) Compare(==) String(say "hi") EOF`},
		{"newline inside a string", "a == \"x\ny\"", "Label(a) Compare(==) String(x\ny) EOF"},
		{"negations", `!!(a != "x")`, `! ! ( Label(a) Compare(!=) String(x) ) EOF`},
		{"label before paren", `a (`, `Label(a) ( EOF`},
		{"label then string", `a "x"`, `Label(a) String(x) EOF`},
		{"label then not", `a !`, `Label(a) ! EOF`},
		{"empty", ``, `EOF`},
		{"blank", " \t ", `EOF`},
		{"key of 512 bytes", strings.Repeat("k", 512), `Label(` + strings.Repeat("k", 512) + `) EOF`},
		{"has key of 512 bytes", "has(" + strings.Repeat("k", 512) + ")", `Has(` + strings.Repeat("k", 512) + `) EOF`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, _, err := tokenize(tt.text, defaultMaxDepth)
			if err != nil {
				t.Fatalf("tokenize(%q): %v", tt.text, err)
			}
			if got := render(toks); got != tt.want {
				t.Errorf("tokenize(%q)\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
}

// TestTokenizeErrors checks Calico's tokenizer errors and where they are
// reported.
func TestTokenizeErrors(t *testing.T) {
	tests := []struct {
		name, text string
		offset     int
		found      string // Error.Text
		msg        string // a substring of Error.Msg
	}{
		{"lone =", `a = "b"`, 2, "=", `expected "=="`},
		{"===", `a === "b"`, 4, "=", `expected "=="`},
		{"lone &", `a == "b" & c == "d"`, 9, "&", `expected "&&"`},
		{"&&&", `a == "b" &&& c == "d"`, 11, "&", `expected "&&"`},
		{"lone |", `a == "b" | c == "d"`, 9, "|", `expected "||"`},
		{"unterminated", `a == "b`, 5, `"b`, "unterminated string"},
		{"unterminated single", `a == 'b"`, 5, `'b"`, "unterminated string"},
		{"escaped quote is no escape", `a == "x\"y"`, 10, `"`, "unterminated string"},
		{"newline", "a == \"x\"\n", 8, "\n", "only spaces and tabs"},
		{"carriage return", "a\r== \"x\"", 1, "\r", `expected an operator`},
		{"non-breaking space", "a ==\u00a0\"x\"", 4, "\u00a0", "only spaces and tabs"},
		{"unicode key", `é == "x"`, 0, "é", "ASCII"},
		{"stray character", `%`, 0, "%", "expected a label"},
		{"after a term too", `a == "b" && %`, 12, "%", "expected a label"},
		{"operator word wrong case", `a IN {"x"}`, 2, "IN", `after label "a"`},
		{"startsWith", `a startsWith "x"`, 2, "startsWith", `after label "a"`},
		{"no boundary", `a inx {}`, 2, "inx", `after label "a"`},
		{"not has", `not has(a)`, 4, "has", `after label "not"`},
		{"colon", `a:b == "x"`, 1, ":", `after label "a"`},
		{"has() empty", `has()`, 4, ")", "inside has(...)"},
		{"has blank", `has( )`, 5, ")", "inside has(...)"},
		{"has quoted", `has("a")`, 4, `"`, "inside has(...)"},
		{"has unclosed", `has(a`, 5, "", `to close the has(`},
		{"has two words", `has(a b)`, 6, "b", `to close the has(`},
		{"has operator", `has(a==b)`, 5, "=", `to close the has(`},
		{"all(x)", `all(x)`, 4, "x", `to close the all(`},
		{"global unclosed", `global(`, 7, "", `to close the global(`},
		{"key too long", strings.Repeat("k", 513), 0, strings.Repeat("k", maxErrorText) + "…", "513 bytes long"},
		{"has key too long", "has(" + strings.Repeat("k", 513) + ")", 4, strings.Repeat("k", maxErrorText) + "…", "513 bytes long"},
		{"tokenizer error wins over an earlier grammar error", `a == b "`, 7, `"`, "unterminated string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tokenize(tt.text, defaultMaxDepth)
			if err == nil {
				t.Fatalf("tokenize(%q) succeeded, want an error", tt.text)
			}
			checkError(t, err, tt.offset, tt.found, tt.msg)
			// Parse reports the same error, with the text it was given.
			_, perr := Parse(tt.text)
			err.Input = tt.text
			if diff := cmp.Diff(error(err), perr); diff != "" {
				t.Errorf("Parse error differs from the tokenizer's (-tokenize +Parse):\n%s", diff)
			}
		})
	}
}

// checkError compares an error with the expected offset, text and message
// fragment.
func checkError(t *testing.T, err error, offset int, text, msg string) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %v is a %T, want *Error", err, err)
	}
	if e.Offset != offset || e.Text != text || !strings.Contains(e.Msg, msg) {
		t.Errorf("got error {Offset: %d, Text: %q, Msg: %q}\nwant offset %d, text %q, message containing %q",
			e.Offset, e.Text, e.Msg, offset, text, msg)
	}
}

// TestDefinition drives the grammar through participle's own entry points,
// which use the lexer.Definition, and checks they accept what Parse accepts.
func TestDefinition(t *testing.T) {
	for _, text := range []string{`a == "b"`, `a in {"x",}`, `!(has(a) || b != 'c')`, `a ==`, `a = "b"`, `has(a) has(b)`, ``} {
		_, err := Parse(text)
		_, gerr := grammar.ParseString("", text)
		_, rerr := grammar.Parse("", strings.NewReader(text))
		if (err == nil) != (gerr == nil) || (err == nil) != (rerr == nil) {
			t.Errorf("%q: Parse error %v, participle ParseString error %v, Parse error %v", text, err, gerr, rerr)
		}
	}
}

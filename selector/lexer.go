package selector

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types of the selector language. Calico's tokenizer decides what a
// word means from the token before it (operator words only after a label),
// which no regular-expression lexer expresses cleanly, so the tokenizer below
// is written by hand and handed to participle as a lexer.Definition.
//
// The five comparison operators share one token type, and so do the two set
// operators and the two boolean operators: the grammar only needs to know
// which kind of operand follows, and one type instead of five keeps
// participle from trying five alternatives for every comparison.
//
// A trailing comma in a set (as in {"x",}) has a type of its own. The tokens
// are still exactly Calico's; telling the last comma apart (a look at the
// next byte) makes the grammar LL(1), so participle never backtracks, and a
// parser that never backtracks reports each error at the first token that
// cannot continue a selector.
//
// Tokens whose type says everything (punctuation, "!", all(), global()) have
// an empty Value: participle boxes every matched token's value, and boxing
// an empty string costs no allocation.
const (
	tokLParen    lexer.TokenType = iota + 1 // (
	tokRParen                               // )
	tokLBrace                               // {
	tokRBrace                               // }
	tokComma                                // , followed by a set element
	tokLastComma                            // , followed by "}" (a trailing comma)
	tokNot                                  // !
	tokBool                                 // && or ||; Value is the operator
	tokLabel                                // a label key; Value is the key
	tokHas                                  // has(key) as one token; Value is the key
	tokAll                                  // all(), with any blanks inside
	tokGlobal                               // global(), with any blanks inside
	tokString                               // a quoted literal; Value is the text between the quotes
	tokCompare                              // == != contains "starts with" "ends with"; Value is the canonical spelling
	tokSetOp                                // in, "not in"; Value is the canonical spelling
)

// symbols names the token types for participle's grammar tags.
var symbols = map[string]lexer.TokenType{
	"EOF":       lexer.EOF,
	"LParen":    tokLParen,
	"RParen":    tokRParen,
	"LBrace":    tokLBrace,
	"RBrace":    tokRBrace,
	"Comma":     tokComma,
	"LastComma": tokLastComma,
	"Not":       tokNot,
	"Bool":      tokBool,
	"Label":     tokLabel,
	"Has":       tokHas,
	"All":       tokAll,
	"Global":    tokGlobal,
	"String":    tokString,
	"Compare":   tokCompare,
	"SetOp":     tokSetOp,
}

// maxKeyLength is Calico's limit on a label key, inside has(...) too.
const maxKeyLength = 512

// definition adapts the tokenizer to participle.
//
// It holds the symbol table instead of reading the package variable so that
// package initialisation sees the dependency and fills the table before
// building the grammar.
type definition struct {
	symbols map[string]lexer.TokenType
}

func (d definition) Symbols() map[string]lexer.TokenType { return d.symbols }

func (d definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

func (definition) LexString(_ string, text string) (lexer.Lexer, error) {
	return newScanner(text, defaultMaxDepth), nil
}

// scanner is Calico's tokenizer, one token per call to Next. participle
// reads every token before it starts parsing (lexer.Upgrade), as Calico
// does, so a tokenizer error anywhere in the text wins over a grammar error
// earlier in it.
type scanner struct {
	text string
	pos  int
	last lexer.TokenType // the previous token's type: operator words follow only a label
	tok  lexer.Token     // the token the last step produced
	end  int             // the offset just past it

	// Nesting depth, counted as the parser will recurse: each open
	// parenthesis is one level, and a run of "!" is one more level for the
	// term it negates (parity collapses the run into at most one node).
	maxDepth   int
	depth      int
	negPending bool
	parens     []uint8 // levels each open parenthesis added: 1, or 2 after a "!" run
	parenBuf   [32]uint8
}

func newScanner(text string, maxDepth int) *scanner {
	s := &scanner{text: text, maxDepth: maxDepth}
	s.parens = s.parenBuf[:0]
	return s
}

// Next implements lexer.Lexer. After the EOF token it keeps returning EOF.
func (s *scanner) Next() (lexer.Token, error) {
	if err := s.step(); err != nil {
		return lexer.Token{}, err
	}
	return s.tok, nil
}

// tokenize runs the tokenizer over the whole text, returning the tokens
// (ending with EOF) and the offset just past each one, or the first error.
// Parse streams tokens instead; this serves error reporting and tests.
func tokenize(text string, maxDepth int) ([]lexer.Token, []int, *Error) {
	s := newScanner(text, maxDepth)
	var toks []lexer.Token
	var ends []int
	for {
		if err := s.step(); err != nil {
			return toks, ends, err
		}
		toks = append(toks, s.tok)
		ends = append(ends, s.end)
		if s.tok.Type == lexer.EOF {
			return toks, ends, nil
		}
	}
}

func (s *scanner) emit(typ lexer.TokenType, start, end int, value string) {
	s.tok = lexer.Token{
		Type:  typ,
		Value: value,
		Pos:   lexer.Position{Offset: start, Line: 1, Column: start + 1},
	}
	s.last = typ
	s.end = end
	s.pos = end
}

// step reads one token into s.tok.
func (s *scanner) step() *Error {
	text := s.text
	for s.pos < len(text) && isBlank(text[s.pos]) {
		s.pos++
	}
	start := s.pos
	if start == len(text) {
		s.emit(lexer.EOF, start, start, "")
		return nil
	}
	c := text[start]
	var next byte
	if start+1 < len(text) {
		next = text[start+1]
	}
	negated := s.negPending // a "!" run just before this token
	if c != '!' {
		s.negPending = false
	}
	switch c {
	case '(':
		levels := uint8(1)
		if negated {
			levels = 2
		}
		s.depth += int(levels)
		if s.depth > s.maxDepth {
			return s.tooDeep(start)
		}
		s.parens = append(s.parens, levels)
		s.emit(tokLParen, start, start+1, "")
	case ')':
		if n := len(s.parens); n > 0 {
			s.depth -= int(s.parens[n-1])
			s.parens = s.parens[:n-1]
		}
		s.emit(tokRParen, start, start+1, "")
	case '{':
		s.emit(tokLBrace, start, start+1, "")
	case '}':
		s.emit(tokRBrace, start, start+1, "")
	case ',':
		typ := tokComma
		if after := skipBlanks(text, start+1); after < len(text) && text[after] == '}' {
			typ = tokLastComma
		}
		s.emit(typ, start, start+1, "")
	case '"', '\'':
		n := strings.IndexByte(text[start+1:], c)
		if n < 0 {
			return newError(text, start, len(text), "unterminated string: no closing %c after the opening one", c)
		}
		s.emit(tokString, start, start+n+2, text[start+1:start+1+n])
	case '=':
		if next != '=' {
			return newError(text, start, start+1, `expected "==": a single "=" is not an operator`)
		}
		s.emit(tokCompare, start, start+2, "==")
	case '!':
		if next == '=' {
			s.negPending = false
			s.emit(tokCompare, start, start+2, "!=")
			break
		}
		if !s.negPending {
			s.negPending = true
			if s.depth+1 > s.maxDepth {
				return s.tooDeep(start)
			}
		}
		s.emit(tokNot, start, start+1, "")
	case '&':
		if next != '&' {
			return newError(text, start, start+1, `expected "&&": a single "&" is not an operator`)
		}
		s.emit(tokBool, start, start+2, "&&")
	case '|':
		if next != '|' {
			return newError(text, start, start+1, `expected "||": a single "|" is not an operator`)
		}
		s.emit(tokBool, start, start+2, "||")
	default:
		if s.last == tokLabel {
			return s.operator(start)
		}
		return s.word(start)
	}
	return nil
}

func (s *scanner) tooDeep(start int) *Error {
	return newError(s.text, start, start+1,
		"selector nests deeper than the limit of %d levels of parentheses and negation", s.maxDepth)
}

// operator reads the operator word that must follow a label. Calico accepts
// "starts with", "ends with" and "not in" with any run of blanks (even none)
// between the two words, and needs a word boundary after the operator.
func (s *scanner) operator(start int) *Error {
	rest := s.text[start:]
	type word struct {
		first, second string
		typ           lexer.TokenType
		value         string
		blanksAfter   bool // "starts with" and "ends with" skip blanks before the boundary check
	}
	words := [...]word{
		{first: "contains", typ: tokCompare, value: "contains"},
		{first: "starts", second: "with", typ: tokCompare, value: "starts with", blanksAfter: true},
		{first: "ends", second: "with", typ: tokCompare, value: "ends with", blanksAfter: true},
		{first: "not", second: "in", typ: tokSetOp, value: "not in"},
		{first: "in", typ: tokSetOp, value: "in"},
	}
	for _, w := range words {
		if !strings.HasPrefix(rest, w.first) {
			continue
		}
		n := len(w.first)
		if w.second != "" {
			n = skipBlanks(rest, n)
			if !strings.HasPrefix(rest[n:], w.second) {
				continue
			}
			n += len(w.second)
		}
		end := n
		if w.blanksAfter {
			n = skipBlanks(rest, n)
		}
		if n < len(rest) && isKeyByte(rest[n]) {
			continue
		}
		s.emit(w.typ, start, start+end, w.value)
		return nil
	}
	label := s.tok.Value
	found := rest[:wordLength(rest)]
	return newError(s.text, start, start+len(found),
		`expected an operator (==, !=, in, not in, contains, starts with or ends with) after label %q, found %s`,
		clip(label), describe(found))
}

// word reads has(key), all(), global() or a label: the tokens that may
// start a term.
func (s *scanner) word(start int) *Error {
	text := s.text
	rest := text[start:]
	switch {
	case strings.HasPrefix(rest, "has("):
		keyStart := skipBlanks(text, start+4)
		keyEnd := scanKey(text, keyStart)
		if keyEnd == keyStart {
			return s.notAKey(keyStart, "a label inside has(...)")
		}
		if keyEnd-keyStart > maxKeyLength {
			return s.keyTooLong(keyStart, keyEnd)
		}
		closing := skipBlanks(text, keyEnd)
		if closing == len(text) || text[closing] != ')' {
			return s.unclosed(start, closing, "has(")
		}
		s.emit(tokHas, start, closing+1, text[keyStart:keyEnd])
	case strings.HasPrefix(rest, "all("):
		closing := skipBlanks(text, start+4)
		if closing == len(text) || text[closing] != ')' {
			return s.unclosed(start, closing, "all(")
		}
		s.emit(tokAll, start, closing+1, "")
	case strings.HasPrefix(rest, "global("):
		closing := skipBlanks(text, start+7)
		if closing == len(text) || text[closing] != ')' {
			return s.unclosed(start, closing, "global(")
		}
		s.emit(tokGlobal, start, closing+1, "")
	default:
		end := scanKey(text, start)
		if end == start {
			return s.notAKey(start, `a label, "(", "!", has(...), all() or global()`)
		}
		if end-start > maxKeyLength {
			return s.keyTooLong(start, end)
		}
		s.emit(tokLabel, start, end, text[start:end])
	}
	return nil
}

func (s *scanner) keyTooLong(start, end int) *Error {
	return newError(s.text, start, end, "label is %d bytes long, more than the limit of %d", end-start, maxKeyLength)
}

func (s *scanner) unclosed(start, at int, opening string) *Error {
	found := s.text[at:]
	found = found[:wordLength(found)]
	return &Error{Offset: at, Text: clip(found), Msg: fmt.Sprintf(
		"expected %q to close the %s that starts at offset %d, found %s", ")", opening, start, describe(found))}
}

// notAKey explains a character that cannot start the expected label. The
// commonest surprises get their own words: line breaks and other white space
// (Calico skips only space and tab), and non-ASCII letters (keys are ASCII).
func (s *scanner) notAKey(at int, expected string) *Error {
	text := s.text
	if at == len(text) {
		return &Error{Offset: at, Msg: "expected " + expected + ", found end of selector"}
	}
	r, size := utf8.DecodeRuneInString(text[at:])
	ch := text[at : at+size]
	switch {
	case unicode.IsSpace(r):
		return newError(text, at, at+size, "unexpected %q: only spaces and tabs may separate the parts of a selector", ch)
	case r >= utf8.RuneSelf && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		return newError(text, at, at+size,
			`unexpected %q: labels may only contain ASCII letters, digits, "_", ".", "/" and "-"`, ch)
	default:
		return newError(text, at, at+size, "expected %s, found %q", expected, ch)
	}
}

// isBlank reports Calico's white space: only space and tab.
func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func skipBlanks(s string, i int) int {
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return i
}

// isKeyByte reports the bytes a label key may hold: [A-Za-z0-9_./-].
func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == '/' || c == '-'
}

func scanKey(s string, i int) int {
	for i < len(s) && isKeyByte(s[i]) {
		i++
	}
	return i
}

// wordLength is the length of the word at the start of s, for quoting it in
// a message: a run of key bytes, or one character when s starts with
// something else.
func wordLength(s string) int {
	if s == "" {
		return 0
	}
	if n := scanKey(s, 0); n > 0 {
		return n
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}

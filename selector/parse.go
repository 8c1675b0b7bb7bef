package selector

import (
	"errors"
	"fmt"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Limits. Calico has none, but a selector arrives from users and files, and
// an endless input or nesting must cost an error, not the process.
const (
	// defaultMaxLength is far above the longest selector in Calico's own
	// tests and in the conformance vectors (about 10 KiB).
	defaultMaxLength = 64 << 10
	// defaultMaxDepth is twice the deepest nesting in the conformance
	// vectors (1,001 parentheses).
	defaultMaxDepth = 2000
	// maxSupportedDepth bounds MaxDepth whatever the caller asks: parsing
	// recurses once per level, at about 3 KB of goroutine stack a level, and
	// the stack must survive the deepest input accepted (10,000 levels need
	// about 30 MB).
	maxSupportedDepth = 10_000
)

// Option adjusts how Parse reads one selector.
type Option func(*options)

type options struct {
	maxLength int
	maxDepth  int
}

// MaxLength sets the longest selector text accepted, in bytes (default
// 64 KiB); a longer one is an *Error before any of it is read. A limit of
// zero or less removes the check; participle's own cap of a million
// repetitions of one construct (a million "!" in one run, say) then still
// applies.
func MaxLength(bytes int) Option {
	return func(o *options) { o.maxLength = bytes }
}

// MaxDepth sets how deeply parentheses and negations may nest (default
// 2,000). Each open parenthesis is one level, and a run of "!" is one level
// for the term it negates, since parsing collapses the run into at most one
// node. Deeper input is an *Error found while tokenizing, before the parser
// recurses. Values below 1 or above 10,000 are taken as 10,000: the parser
// recurses once per level, and that bound keeps its stack use to about
// 30 MB at worst.
func MaxDepth(levels int) Option {
	return func(o *options) { o.maxDepth = levels }
}

func buildOptions(opts []Option) options {
	o := options{maxLength: defaultMaxLength, maxDepth: defaultMaxDepth}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxDepth < 1 || o.maxDepth > maxSupportedDepth {
		o.maxDepth = maxSupportedDepth
	}
	return o
}

var defaultOptions = buildOptions(nil)

// Parse reads a selector as Calico does: it accepts exactly the texts
// Calico accepts, with the same meaning and the same canonical form. The
// empty selector, or one of spaces and tabs only, is all().
//
// A rejected selector returns an *Error with the byte offset and the text
// of the problem.
func Parse(text string, opts ...Option) (*Selector, error) {
	sel, err := parse(text, opts)
	if err != nil {
		err.Input = text
		return nil, err
	}
	return sel, nil
}

func parse(text string, opts []Option) (*Selector, *Error) {
	o := defaultOptions
	if len(opts) > 0 {
		o = buildOptions(opts)
	}
	if o.maxLength > 0 && len(text) > o.maxLength {
		return nil, &Error{
			Offset: o.maxLength,
			Text:   clip(text[o.maxLength:]),
			Msg:    fmt.Sprintf("selector is %d bytes long, more than the limit of %d", len(text), o.maxLength),
		}
	}
	peek, err := lexer.Upgrade(newScanner(text, o.maxDepth))
	if err != nil {
		return nil, asError(err)
	}
	if peek.Peek().EOF() { // empty or blank
		return allSelector, nil
	}
	tree, err := grammar.ParseFromLexer(peek)
	if err != nil {
		return nil, grammarError(text, o.maxDepth, err)
	}
	return newSelector(tree.Expr.convert()), nil
}

// asError passes an *Error through; anything else is a bug, reported as an
// *Error so that Parse keeps its promise.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Msg: "internal error: " + err.Error()}
}

// MustParse is Parse for selectors known to be valid, such as constants in
// code; it panics on an error.
func MustParse(text string) *Selector {
	s, err := Parse(text)
	if err != nil {
		panic(fmt.Sprintf("selector.MustParse(%q): %v", text, err))
	}
	return s
}

// grammarError turns participle's error into an *Error. participle knows
// where parsing stopped; what was expected there follows from the tokens
// before it, which gives a clearer message than participle's grammar dump.
func grammarError(text string, maxDepth int, err error) *Error {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return asError(err)
	}
	var unexpected *participle.UnexpectedTokenError
	if !errors.As(err, &unexpected) {
		// Not a grammar mismatch but one of participle's own limits, such
		// as its cap on repetitions: its message says more than ours would.
		offset := min(max(perr.Position().Offset, 0), len(text))
		return &Error{Offset: offset, Text: clip(text[offset:min(offset+1, len(text))]), Msg: perr.Message()}
	}
	// The text tokenized once already; again, it gives each token's end.
	toks, ends, _ := tokenize(text, maxDepth)
	offset := perr.Position().Offset
	i := 0
	for i < len(toks)-1 && toks[i].Pos.Offset < offset {
		i++
	}
	start := toks[i].Pos.Offset
	found := text[start:ends[i]]
	return &Error{Offset: start, Text: clip(found), Msg: expectation(text, toks[:i], ends) + ", found " + describe(found)}
}

// expectation says what the grammar needs after the tokens before.
func expectation(text string, before []lexer.Token, ends []int) string {
	parens, inSet := 0, false
	for _, t := range before {
		switch t.Type {
		case tokLParen:
			parens++
		case tokRParen:
			parens--
		case tokLBrace:
			inSet = true
		case tokRBrace:
			inSet = false
		}
	}
	if len(before) == 0 {
		return `expected a label, "(", "!", has(...), all() or global()`
	}
	prev := before[len(before)-1]
	prevText := text[prev.Pos.Offset:ends[len(before)-1]]
	switch {
	case prev.Type == tokLabel:
		return fmt.Sprintf(`expected an operator (==, !=, in, not in, contains, starts with or ends with) after label %q`, clip(prev.Value))
	case prev.Type == tokCompare:
		return fmt.Sprintf(`expected a quoted string after %q`, prevText)
	case prev.Type == tokSetOp:
		return fmt.Sprintf(`expected "{" to start the set after %q`, prevText)
	case inSet && (prev.Type == tokLBrace || prev.Type == tokComma || prev.Type == tokLastComma):
		return `expected a quoted string or "}" in the set`
	case inSet:
		return `expected "," or "}" after a value in the set`
	case prev.Type == tokLParen || prev.Type == tokNot || prev.Type == tokBool:
		return fmt.Sprintf(`expected a label, "(", "!", has(...), all() or global() after %q`, prevText)
	case parens > 0:
		return `expected "&&", "||" or ")"`
	}
	return `expected "&&", "||" or the end of the selector`
}

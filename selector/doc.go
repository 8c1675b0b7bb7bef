// Package selector is Calico's label-selector language: the expressions in
// policy selector, namespaceSelector and rule fields, such as
//
//	role == "db" && env in {"prod", "staging"} && !has(quarantine)
//
// It accepts exactly what Calico accepts, evaluates exactly as Calico does,
// and prints Calico's canonical form byte for byte, because Calico compares
// selectors and names IP sets by that form. The conformance test holds it to
// Calico's own outputs on more than 18,000 selectors.
//
// The language has a few rules people do not expect, all of them Calico's:
//   - Operator words (in, not in, contains, starts with, ends with) are
//     operators only right after a label; elsewhere they are ordinary
//     labels, so `not in {"x"}` tests a label called "not".
//   - has(, all( and global( take no space before the parenthesis.
//   - Only space and tab separate tokens; a newline is an error.
//   - Strings have no escapes: "a\" is the two bytes a and \. A value
//     cannot hold both quote characters.
//   - != and not in are true when the label is absent.
//   - "!" applies to a whole comparison: !a == "x" is !(a == "x").
//   - global() matches everything when evaluated; it is a marker that
//     namespace-selector handling replaces (see Selector.Substitute).
//
// Beyond Calico, errors carry the byte offset and the offending text
// (*Error, whose Caret shows the problem in place), and input length and nesting depth are limited (MaxLength,
// MaxDepth) so that hostile input costs an error, never a crash.
//
// A parsed Selector is immutable and safe for concurrent use; matching a Map
// allocates nothing. Root exposes the syntax tree for the compiled engine,
// Requirements gives the labels any match must have for indexing, Equal,
// In and Has build the clauses Calico adds from names, and And, Not,
// PrefixKeys and Substitute build the combined selectors Calico derives
// from policies and rules, with no text to parse again.
//
// Parsing uses participle over a hand-written tokenizer: Calico's tokenizer
// is context-sensitive and decides what a word is from the token before it,
// and tokenizes the whole input before parsing, so a tokenizer error
// anywhere takes priority over a grammar error earlier in the text.
package selector

package selector

import (
	"slices"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar, over the tokens of lexer.go (Bool is "&&" or "||"; Compare
// is ==, !=, contains, starts with or ends with; SetOp is in or not in):
//
//	selector := [ expr ]                    (no tokens at all: all())
//	expr     := term { Bool term }
//	term     := { Not } ( Label Compare String
//	                    | Label SetOp "{" [ String { Comma String } [ LastComma ] ] "}"
//	                    | "(" expr ")" | Has | All | Global )
//
// participle decides what is accepted. Precedence ("!" tighter than "&&",
// "&&" tighter than "||") is applied when converting, and so is the parity
// of "!" runs. A "!" applies to a whole term, operator included:
// !a == "x" is !(a == "x").
//
// The grammar is shaped for participle's cost model, where every struct,
// capture and alternative tried costs allocations: one struct per
// parenthesis level (term is written out twice in its tag rather than being
// a struct of its own), no captures of leaf tokens (participle fills Tokens
// with the tokens of the level, and convert reads the leaves from them),
// and the commonest alternative first. That halves the cost of a parse
// compared with one struct per production.
//
// The structs never leave this package: convert turns them into the
// immutable nodes of ast.go as soon as a parse succeeds.

// gSelector is the whole input.
type gSelector struct {
	Expr *gExpr `parser:"@@?"`
}

// gExpr is one parenthesis level: its terms, the "&&" and "||" between
// them, and the groups in parentheses among them.
type gExpr struct {
	Tokens []lexer.Token
	Groups []*gExpr `parser:"Not* ( Label ( Compare String | SetOp LBrace ( String ( Comma String )* LastComma? )? RBrace ) | LParen @@ RParen | Has | All | Global ) ( Bool Not* ( Label ( Compare String | SetOp LBrace ( String ( Comma String )* LastComma? )? RBrace ) | LParen @@ RParen | Has | All | Global ) )*"`
}

// grammar is built once; a participle parser is safe for concurrent use.
//
// With no lookahead participle commits to a branch as soon as it has taken
// a token, so an error deep inside a group is reported where it is, not
// where the group began. The grammar is LL(1) and needs no more.
var grammar = participle.MustBuild[gSelector](
	participle.Lexer(definition{symbols: symbols}),
	participle.UseLookahead(0),
)

// convert walks the tokens of one level, building nodes with the
// precedence of the language: "&&" binds tighter than "||". Parentheses
// leave no node of their own: a group becomes one operand of the list
// around it, which is what keeps flattening within one parenthesis level.
func (g *gExpr) convert() Node {
	// Most lists are short; these buffers keep them off the heap until the
	// final node takes an exact-size copy.
	var altBuf, conjBuf [8]Node
	alternatives, conjuncts := altBuf[:0], conjBuf[:0]
	toks, groups := g.Tokens, g.Groups
	for len(toks) > 0 {
		negated := false
		for toks[0].Type == tokNot {
			negated = !negated
			toks = toks[1:]
		}
		var n Node
		switch toks[0].Type {
		case tokLabel:
			var size int
			n, size = convertComparison(toks)
			toks = toks[size:]
		case tokHas:
			n = &HasNode{Key: toks[0].Value}
			toks = toks[1:]
		case tokAll:
			n = allNode
			toks = toks[1:]
		case tokGlobal:
			n = globalNode
			toks = toks[1:]
		default: // a group: "(", its tokens, ")"
			n = groups[0].convert()
			toks = toks[len(groups[0].Tokens)+2:]
			groups = groups[1:]
		}
		if negated {
			n = &NotNode{Operand: n}
		}
		conjuncts = append(conjuncts, n)
		// toks now starts at the operator after the term, if any.
		if len(toks) == 0 || toks[0].Value == "||" {
			if len(conjuncts) == 1 {
				alternatives = append(alternatives, conjuncts[0])
			} else {
				alternatives = append(alternatives, &AndNode{Operands: slices.Clone(conjuncts)})
			}
			conjuncts = conjuncts[:0]
		}
		if len(toks) > 0 {
			toks = toks[1:]
		}
	}
	if len(alternatives) == 1 {
		return alternatives[0]
	}
	return &OrNode{Operands: slices.Clone(alternatives)}
}

// convertComparison reads label, operator and right-hand side from the
// tokens of a comparison the grammar accepted.
func convertComparison(toks []lexer.Token) (Node, int) {
	key, op := toks[0].Value, toks[1]
	if op.Type == tokCompare {
		return &CompareNode{Key: key, Op: compareOps[op.Value], Value: toks[2].Value}, 3
	}
	var values []string
	i := 3
	for ; toks[i].Type != tokRBrace; i++ {
		if toks[i].Type == tokString {
			values = append(values, toks[i].Value)
		}
	}
	slices.Sort(values)
	return &SetNode{Key: key, Negated: op.Value == "not in", Values: slices.Clip(slices.Compact(values))}, i + 1
}

var compareOps = map[string]CompareOp{
	"==":          OpEqual,
	"!=":          OpNotEqual,
	"contains":    OpContains,
	"starts with": OpStartsWith,
	"ends with":   OpEndsWith,
}

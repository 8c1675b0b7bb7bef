package legacy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The participle grammar below is looser than the rule grammar (see
// ParseRule) on purpose: it accepts ports, type and code after any
// protocol and a from or to with nothing after it, and toRule rejects those
// with a message that names the rule (a port list on an icmp rule) instead
// of a bare "unexpected token".

// keywords are the words of the grammar. The lexer reads every word as a
// Word; the mapper retypes these as Keyword, so a CIDR slot (which takes
// any Word) never swallows the "to" that follows it, while a tag may still
// be named like a keyword.
var keywords = map[string]bool{
	"allow": true, "deny": true, "tcp": true, "udp": true, "icmp": true,
	"type": true, "code": true, "from": true, "to": true, "ports": true, "tag": true,
}

var ruleLexer = lexer.MustSimple([]lexer.SimpleRule{
	// Never matches input: only the mapper produces Keyword tokens.
	{Name: "Keyword", Pattern: `[^\s\S]`},
	{Name: "Comma", Pattern: `,`},
	{Name: "Space", Pattern: `\s+`},
	{Name: "Word", Pattern: `[^\s,]+`},
})

// keywordType is the token type the mapper gives keywords.
var keywordType = ruleLexer.Symbols()["Keyword"]

type grammarRule struct {
	Action   grammarAction  `parser:"@@"`
	Protocol *grammarProto  `parser:"@@?"`
	Type     *grammarType   `parser:"@@?"`
	Code     *grammarCode   `parser:"@@?"`
	Peers    []*grammarPeer `parser:"@@*"`
}

type grammarAction struct {
	Pos  lexer.Position
	Word string `parser:"@('allow' | 'deny')"`
}

type grammarProto struct {
	Pos  lexer.Position
	Word string `parser:"@('tcp' | 'udp' | 'icmp')"`
}

type grammarType struct {
	Pos   lexer.Position
	Value grammarWord `parser:"'type' @@"`
}

type grammarCode struct {
	Pos   lexer.Position
	Value grammarWord `parser:"'code' @@"`
}

type grammarPeer struct {
	Pos   lexer.Position
	Dir   string        `parser:"@('from' | 'to')"`
	Ports *grammarPorts `parser:"@@?"`
	Tag   *grammarTag   `parser:"@@?"`
	Net   *grammarWord  `parser:"@@?"`
}

type grammarPorts struct {
	Pos  lexer.Position
	List []*grammarWord `parser:"'ports' @@ ( ',' @@ )*"`
}

type grammarTag struct {
	Pos  lexer.Position
	Name grammarName `parser:"'tag' @@"`
}

// grammarWord is a word that is not a keyword: a number, a port, a CIDR.
type grammarWord struct {
	Pos  lexer.Position
	Text string `parser:"@Word"`
}

// grammarName is any word, keywords included: tags may be named "to".
type grammarName struct {
	Pos  lexer.Position
	Text string `parser:"@(Word | Keyword)"`
}

var ruleParser = participle.MustBuild[grammarRule](
	participle.Lexer(ruleLexer),
	participle.Map(func(t lexer.Token) (lexer.Token, error) {
		if keywords[t.Value] {
			t.Type = keywordType
		}
		return t, nil
	}, "Word"),
	participle.Elide("Space"),
)

// SyntaxError is a problem in a rule's text: where it is and what is
// wrong.
type SyntaxError struct {
	// Offset is the byte offset of the problem in the rule text; at the end
	// of the text it equals the text's length.
	Offset int
	// Text is the offending word, or "" when the text ended too early.
	Text string
	// Msg says what is wrong and, where it helps, what was expected.
	Msg string
}

// Error returns the message and the offset.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("rule text: %s at offset %d", e.Msg, e.Offset)
}

// ParseRule reads the text of a rule as given after `calicoctl profile P
// rule add (inbound|outbound) [--at=N]`, for example "allow tcp from tag
// applications to ports 3306", "allow icmp type 8" or "allow from tag
// WEB". The grammar is calicoctl's:
//
//	rule     = ("allow" | "deny") ( tcp_udp | icmp | global )
//	tcp_udp  = ("tcp" | "udp") [ "from" tcp_peer ] [ "to" tcp_peer ]
//	tcp_peer = [ "ports" portlist ] [ "tag" TAG ] [ CIDR ]
//	icmp     = "icmp" [ "type" N [ "code" N ] ] [ "from" peer ] [ "to" peer ]
//	global   = [ "from" peer ] [ "to" peer ]
//	peer     = [ "tag" TAG ] [ CIDR ]
//	portlist = port { "," port }          port = N | N ":" N
//
// A from or to part must hold something; ports belong to tcp and udp rules
// only; a code needs a type; nothing may follow the rule. A tag is named by
// the word after "tag", whatever it is, so a tag may be called "to". Errors
// are *SyntaxError values.
func ParseRule(text string) (Rule, error) {
	if strings.TrimSpace(text) == "" {
		return Rule{}, &SyntaxError{Offset: len(text), Msg: "the rule is empty: it starts with allow or deny"}
	}
	g, err := ruleParser.ParseString("", text)
	if err != nil {
		return Rule{}, grammarError(text, err)
	}
	return g.toRule()
}

// grammarError turns participle's error into a SyntaxError with a message
// in the rule's own terms: participle knows the grammar's struct names,
// the user knows the words before the problem.
func grammarError(text string, err error) *SyntaxError {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &SyntaxError{Msg: err.Error()}
	}
	offset, found := perr.Position().Offset, ""
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) {
		if ute.Unexpected.EOF() {
			offset = len(text)
		} else {
			found = ute.Unexpected.Value
		}
	}
	offset = min(max(offset, 0), len(text))
	what := "the rule ends too early"
	if found != "" {
		what = fmt.Sprintf("unexpected %q", clip(found))
	}
	prev := previousWord(text[:offset])
	switch prev {
	case "":
		return &SyntaxError{Offset: offset, Text: found, Msg: what + ": a rule starts with allow or deny"}
	case "tag":
		return &SyntaxError{Offset: offset, Text: found, Msg: what + `: a tag name must follow "tag"`}
	case "ports", ",":
		return &SyntaxError{Offset: offset, Text: found, Msg: fmt.Sprintf("%s: a port number or range lo:hi must follow %q", what, prev)}
	case "type", "code":
		return &SyntaxError{Offset: offset, Text: found, Msg: fmt.Sprintf("%s: a number must follow %q", what, prev)}
	}
	return &SyntaxError{Offset: offset, Text: found, Msg: fmt.Sprintf("%s after %q", what, clip(prev))}
}

// previousWord returns the last word or comma of text.
func previousWord(text string) string {
	text = strings.TrimRight(text, " \t\r\n\v\f")
	if strings.HasSuffix(text, ",") {
		return ","
	}
	i := strings.LastIndexAny(text, " \t\r\n\v\f,")
	return text[i+1:]
}

func wordError(pos lexer.Position, word, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: pos.Offset, Text: word, Msg: fmt.Sprintf(format, args...)}
}

// toRule checks what the grammar left open and builds the Rule.
func (g *grammarRule) toRule() (Rule, error) {
	r := Rule{Action: g.Action.Word}
	proto := ""
	if g.Protocol != nil {
		proto = g.Protocol.Word
		r.Protocol = proto
	}
	if g.Type != nil {
		if proto != "icmp" {
			return Rule{}, wordError(g.Type.Pos, "type", "an ICMP type needs the protocol icmp before it")
		}
		n, err := parseICMPValue(g.Type.Value, "type", checkICMPType)
		if err != nil {
			return Rule{}, err
		}
		r.ICMPType = &n
	}
	if g.Code != nil {
		if g.Type == nil {
			return Rule{}, wordError(g.Code.Pos, "code", "an ICMP code needs an ICMP type before it (icmp type N code M)")
		}
		n, err := parseICMPValue(g.Code.Value, "code", checkICMPCode)
		if err != nil {
			return Rule{}, err
		}
		r.ICMPCode = &n
	}
	seen := ""
	for _, p := range g.Peers {
		switch {
		case p.Dir == seen:
			return Rule{}, wordError(p.Pos, p.Dir, "a rule has only one %q part", p.Dir)
		case p.Dir == "from" && seen == "to":
			return Rule{}, wordError(p.Pos, p.Dir, "the from part comes before the to part")
		}
		seen = p.Dir
		side := r.src()
		if p.Dir == "to" {
			side = r.dst()
		}
		if err := p.fill(side, proto); err != nil {
			return Rule{}, err
		}
	}
	return r, nil
}

func parseICMPValue(w grammarWord, what string, check func(int) string) (int, error) {
	n, err := strconv.Atoi(w.Text)
	if err != nil || strings.Trim(w.Text, "0123456789") != "" {
		return 0, wordError(w.Pos, w.Text, "ICMP %s %q is not a number", what, clip(w.Text))
	}
	if msg := check(n); msg != "" {
		return 0, wordError(w.Pos, w.Text, "%s", msg)
	}
	return n, nil
}

// fill checks one from or to part and stores it in side.
func (p *grammarPeer) fill(side peer, proto string) error {
	if p.Ports == nil && p.Tag == nil && p.Net == nil {
		return wordError(p.Pos, p.Dir, "%q needs ports, a tag or a CIDR after it", p.Dir)
	}
	if p.Ports != nil {
		if proto != "tcp" && proto != "udp" {
			return wordError(p.Ports.Pos, "ports", "ports are allowed only on tcp and udp rules")
		}
		for _, w := range p.Ports.List {
			port := parsePortString(w.Text)
			if port.Name != "" {
				return wordError(w.Pos, w.Text, "port %q is not a number or a range lo:hi", clip(w.Text))
			}
			if msg := checkPort(port); msg != "" {
				return wordError(w.Pos, w.Text, "%s", msg)
			}
			*side.ports = append(*side.ports, port)
		}
	}
	if p.Tag != nil {
		if msg := checkTag(p.Tag.Name.Text); msg != "" {
			return wordError(p.Tag.Name.Pos, p.Tag.Name.Text, "%s", msg)
		}
		*side.tag = p.Tag.Name.Text
	}
	if p.Net != nil {
		if msg := checkNet(p.Net.Text); msg != "" {
			return wordError(p.Net.Pos, p.Net.Text, "%s", msg)
		}
		*side.net = p.Net.Text
	}
	return nil
}

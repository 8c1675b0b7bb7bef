package legacy

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func intp(n int) *int { return &n }

func TestParseRule(t *testing.T) {
	tests := []struct {
		text string
		want Rule
		show string // String(); "" means the text itself
	}{
		// global
		{text: "allow", want: Rule{Action: "allow"}},
		{text: "deny", want: Rule{Action: "deny"}},
		{text: "allow from tag WEB", want: Rule{Action: "allow", SrcTag: "WEB"}},
		{text: "allow from 10.0.0.0/8", want: Rule{Action: "allow", SrcNet: "10.0.0.0/8"}},
		{text: "allow from tag WEB 10.0.0.0/8", want: Rule{Action: "allow", SrcTag: "WEB", SrcNet: "10.0.0.0/8"}},
		{text: "deny to tag databases", want: Rule{Action: "deny", DstTag: "databases"}},
		{text: "allow from tag a to 10.1.0.0/16", want: Rule{Action: "allow", SrcTag: "a", DstNet: "10.1.0.0/16"}},
		{text: "allow from fd00::/8 to 2001:db8::1", want: Rule{Action: "allow", SrcNet: "fd00::/8", DstNet: "2001:db8::1"}},
		{text: "allow to 192.168.0.1", want: Rule{Action: "allow", DstNet: "192.168.0.1"}},
		// tcp_udp
		{text: "allow tcp", want: Rule{Action: "allow", Protocol: "tcp"}},
		{text: "deny udp", want: Rule{Action: "deny", Protocol: "udp"}},
		{text: "allow tcp from tag applications to ports 3306",
			want: Rule{Action: "allow", Protocol: "tcp", SrcTag: "applications", DstPorts: []Port{{3306, 3306, ""}}}},
		{text: "allow tcp to ports 80,443",
			want: Rule{Action: "allow", Protocol: "tcp", DstPorts: []Port{{80, 80, ""}, {443, 443, ""}}}},
		{text: "allow udp to ports 53", want: Rule{Action: "allow", Protocol: "udp", DstPorts: []Port{{53, 53, ""}}}},
		{text: "allow tcp from ports 1024:65535 tag clients 10.0.0.0/8 to ports 80,8000:8080 tag web 192.168.0.0/16",
			want: Rule{Action: "allow", Protocol: "tcp",
				SrcPorts: []Port{{1024, 65535, ""}}, SrcTag: "clients", SrcNet: "10.0.0.0/8",
				DstPorts: []Port{{80, 80, ""}, {8000, 8080, ""}}, DstTag: "web", DstNet: "192.168.0.0/16"}},
		{text: "deny tcp from ports 22", want: Rule{Action: "deny", Protocol: "tcp", SrcPorts: []Port{{22, 22, ""}}}},
		{text: "allow udp from 10.0.0.1 to ports 1:1",
			want: Rule{Action: "allow", Protocol: "udp", SrcNet: "10.0.0.1", DstPorts: []Port{{1, 1, ""}}},
			show: "allow udp from 10.0.0.1 to ports 1"},
		// icmp
		{text: "allow icmp", want: Rule{Action: "allow", Protocol: "icmp"}},
		{text: "allow icmp type 8", want: Rule{Action: "allow", Protocol: "icmp", ICMPType: intp(8)}},
		{text: "allow icmp type 0", want: Rule{Action: "allow", Protocol: "icmp", ICMPType: intp(0)}},
		{text: "deny icmp type 3 code 1", want: Rule{Action: "deny", Protocol: "icmp", ICMPType: intp(3), ICMPCode: intp(1)}},
		{text: "allow icmp type 254 code 255", want: Rule{Action: "allow", Protocol: "icmp", ICMPType: intp(254), ICMPCode: intp(255)}},
		{text: "allow icmp type 8 from tag a to tag b",
			want: Rule{Action: "allow", Protocol: "icmp", ICMPType: intp(8), SrcTag: "a", DstTag: "b"}},
		{text: "allow icmp from 10.0.0.1", want: Rule{Action: "allow", Protocol: "icmp", SrcNet: "10.0.0.1"}},
		// white space and spelling that String normalises
		{text: "  allow \t tcp  to ports 80 , 443 ",
			want: Rule{Action: "allow", Protocol: "tcp", DstPorts: []Port{{80, 80, ""}, {443, 443, ""}}},
			show: "allow tcp to ports 80,443"},
		{text: "allow tcp to ports 080", want: Rule{Action: "allow", Protocol: "tcp", DstPorts: []Port{{80, 80, ""}}},
			show: "allow tcp to ports 80"},
		{text: "allow icmp type 08", want: Rule{Action: "allow", Protocol: "icmp", ICMPType: intp(8)},
			show: "allow icmp type 8"},
		// a tag may be named like a keyword: "tag" takes any word
		{text: "allow from tag to to tag from", want: Rule{Action: "allow", SrcTag: "to", DstTag: "from"}},
		{text: "allow from tag ports", want: Rule{Action: "allow", SrcTag: "ports"}},
		{text: "allow from tag 80 to tag a.b_c-d", want: Rule{Action: "allow", SrcTag: "80", DstTag: "a.b_c-d"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, err := ParseRule(tc.text)
			if err != nil {
				t.Fatalf("ParseRule: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rule (-want +got):\n%s", diff)
			}
			show := tc.show
			if show == "" {
				show = tc.text
			}
			if got.String() != show {
				t.Errorf("String() = %q, want %q", got.String(), show)
			}
			again, err := ParseRule(got.String())
			if err != nil {
				t.Fatalf("ParseRule(String()): %v", err)
			}
			if !again.Equal(got) {
				t.Errorf("round trip changed the rule: %+v", again)
			}
		})
	}
}

func TestParseRuleErrors(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		offset int
		word   string
		msg    string
	}{
		{"empty", "", 0, "", "the rule is empty"},
		{"blank", "   ", 3, "", "the rule is empty"},
		{"no action", "tcp to ports 80", 0, "tcp", `unexpected "tcp": a rule starts with allow or deny`},
		{"upper-case action", "ALLOW", 0, "ALLOW", "a rule starts with allow or deny"},
		{"unknown action", "permit tcp", 0, "permit", "a rule starts with allow or deny"},
		{"from with nothing after it", "allow from", 6, "from", `"from" needs ports, a tag or a CIDR after it`},
		{"to with nothing after it", "allow to", 6, "to", `"to" needs ports, a tag or a CIDR after it`},
		{"empty to after from", "allow tcp from ports 80 to", 24, "to", `"to" needs ports`},
		{"empty from before to", "allow from to tag a", 6, "from", `"from" needs ports`},
		{"port list on a global rule", "allow from ports 80", 11, "ports", "ports are allowed only on tcp and udp rules"},
		{"port list on an icmp rule", "allow icmp to ports 1", 14, "ports", "ports are allowed only on tcp and udp rules"},
		{"port list on icmp from", "allow icmp type 8 from ports 7", 23, "ports", "only on tcp and udp"},
		{"code without type", "allow icmp code 3", 11, "code", "an ICMP code needs an ICMP type"},
		{"code before type", "allow icmp code 3 type 8", 18, "type", `unexpected "type" after "3"`},
		{"type on tcp", "allow tcp type 8", 10, "type", "an ICMP type needs the protocol icmp"},
		{"type on a global rule", "allow type 8", 6, "type", "an ICMP type needs the protocol icmp"},
		{"type not a number", "allow icmp type echo", 16, "echo", `ICMP type "echo" is not a number`},
		{"negative type", "allow icmp type -1", 16, "-1", `ICMP type "-1" is not a number`},
		{"type 255", "allow icmp type 255", 16, "255", "ICMP type 255 is out of range 0 to 254"},
		{"code 256", "allow icmp type 3 code 256", 23, "256", "ICMP code 256 is out of range 0 to 255"},
		{"type with no number", "allow icmp type", 15, "", `the rule ends too early: a number must follow "type"`},
		{"leftover word", "allow tcp junk", 10, "junk", `unexpected "junk" after "tcp"`},
		{"leftover after to", "allow from 10.0.0.0/8 to 10.1.0.0/16 10.2.0.0/16", 37, "10.2.0.0/16", `unexpected "10.2.0.0/16"`},
		{"leftover comma", "allow tcp,80", 9, ",", `unexpected ","`},
		{"second tag", "allow from tag a tag b", 17, "tag", `unexpected "tag" after "a"`},
		{"tag after CIDR", "allow from 10.0.0.0/8 tag a", 22, "tag", `unexpected "tag"`},
		{"protocol after from", "allow from tag a tcp", 17, "tcp", `unexpected "tcp"`},
		{"from after to", "allow tcp to ports 80 from tag a", 22, "from", "the from part comes before the to part"},
		{"two from parts", "allow from tag a from tag b", 17, "from", `a rule has only one "from" part`},
		{"tag with no name", "allow tcp from tag", 18, "", `a tag name must follow "tag"`},
		{"bad tag", "allow from tag a/b", 15, "a/b", `tag "a/b" may hold only letters`},
		{"bad CIDR", "allow from 10.0.0.0/33", 11, "10.0.0.0/33", `"10.0.0.0/33" is not a CIDR or an IP address`},
		{"word where a CIDR goes", "allow from tag a b", 17, "b", `"b" is not a CIDR`},
		{"address with zone", "allow to fe80::1%eth0", 9, "fe80::1%eth0", "is not a CIDR"},
		{"port name", "allow tcp to ports http", 19, "http", `port "http" is not a number or a range lo:hi`},
		{"port zero", "allow tcp to ports 0", 19, "0", "port 0 is out of range 1 to 65535"},
		{"port too big", "allow tcp to ports 65536", 19, "65536", "port 65536 is out of range 1 to 65535"},
		{"huge port", "allow tcp to ports 99999999999999999999", 19, "99999999999999999999", "out of range 1 to 65535"},
		{"backwards range", "allow udp from ports 90:80", 21, "90:80", "port range 90:80 runs backwards"},
		{"open range", "allow tcp to ports 80:", 19, "80:", `port "80:" is not a number`},
		{"dash range", "allow tcp to ports 1-2", 19, "1-2", `port "1-2" is not a number`},
		{"ports with no list", "allow tcp to ports", 18, "", `a port number or range lo:hi must follow "ports"`},
		{"trailing comma", "allow tcp to ports 80,", 22, "", `a port number or range lo:hi must follow ","`},
		{"keyword as a port", "allow tcp to ports tag", 19, "tag", `unexpected "tag": a port number or range`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRule(tc.text)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseRule(%q) error = %v, want a *SyntaxError", tc.text, err)
			}
			if se.Offset != tc.offset || se.Text != tc.word || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("ParseRule(%q) = {Offset: %d, Text: %q, Msg: %q}, want offset %d, text %q, message containing %q",
					tc.text, se.Offset, se.Text, se.Msg, tc.offset, tc.word, tc.msg)
			}
			if want := "at offset"; !strings.Contains(se.Error(), want) {
				t.Errorf("Error() = %q, want it to say where", se.Error())
			}
		})
	}
}

// The parser is built once at package level and shared; it must be safe to
// use from several goroutines (run with -race) and give each the answer it
// gives alone.
func TestParseRuleConcurrently(t *testing.T) {
	texts := []string{"allow tcp from tag a to ports 80", "deny icmp type 8", "allow from", "allow udp to 10.0.0.0/8"}
	result := func(text string) string {
		r, err := ParseRule(text)
		if err != nil {
			return err.Error()
		}
		return r.String()
	}
	want := make([]string, len(texts))
	for i, text := range texts {
		want[i] = result(text)
	}
	got := make([]string, 4*len(texts))
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = result(texts[i%len(texts)])
		}()
	}
	wg.Wait()
	for i, g := range got {
		if g != want[i%len(texts)] {
			t.Errorf("concurrent parse of %q = %q, want %q", texts[i%len(texts)], g, want[i%len(texts)])
		}
	}
}

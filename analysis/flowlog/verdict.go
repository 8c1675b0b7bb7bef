package flowlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// verdictLine is one record of the verdict format. Names are those of
// "verdict eval"'s flags, in snake case as flow logs write them.
type verdictLine struct {
	Src      string     `json:"src"`
	Dst      string     `json:"dst"`
	Proto    flexString `json:"proto"`
	Sport    flexUint   `json:"sport"`
	Dport    flexUint   `json:"dport"`
	ICMPType flexUint   `json:"icmp_type"`
	ICMPCode flexUint   `json:"icmp_code"`
	Count    flexUint   `json:"count"`
	Time     flexString `json:"time"`
	Action   string     `json:"action"`

	// The fast path leaves these values as the line's bytes, non-nil
	// when given, so that a record of addresses costs no allocation;
	// they stand in for Src, Dst, Proto and Action.
	src, dst, proto, action []byte
}

// verdictKeys are the keys of the verdict format, for auto detection and
// the CSV header.
var verdictKeys = []string{"src", "dst", "proto", "sport", "dport", "icmp_type", "icmp_code", "count", "time", "action"}

// parseVerdict reads one JSON line of the verdict format. Unknown keys are
// errors: the format is Verdict's own, so a misspelt key is a mistake.
func parseVerdict(line []byte, rec *Record) error {
	var fast verdictLine
	if fastVerdict(line, &fast) {
		return fast.fill(rec)
	}
	return slowVerdict(line, rec)
}

// slowVerdict is parseVerdict's encoding/json path, apart so that the
// fast path's line stays on the stack.
func slowVerdict(line []byte, rec *Record) error {
	var v verdictLine
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value on the line")
	}
	return v.fill(rec)
}

// jsonError turns encoding/json's messages into ones naming the field.
func jsonError(err error) error {
	if ute, ok := err.(*json.UnmarshalTypeError); ok && ute.Field != "" {
		return fmt.Errorf("%s: want %s, got a JSON %s", ute.Field, ute.Type, ute.Value)
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return fmt.Errorf("%s", msg)
}

func (v *verdictLine) fill(rec *Record) error {
	if v.Src == "" && len(v.src) == 0 {
		return fmt.Errorf("src is missing")
	}
	if v.Dst == "" && len(v.dst) == 0 {
		return fmt.Errorf("dst is missing")
	}
	rec.Src = peerOf(v.Src, v.src)
	rec.Dst = peerOf(v.Dst, v.dst)
	rec.Protocol = 6
	if p, ok := fastProtocol(v.proto); ok {
		rec.Protocol = p
	} else {
		proto := string(v.Proto)
		if v.proto != nil {
			proto = string(v.proto)
		}
		if proto != "" {
			p, err := ParseProtocol(proto)
			if err != nil {
				return fmt.Errorf("proto: %w", err)
			}
			rec.Protocol = p
		}
	}
	return fillCommon(rec, v.Sport, v.Dport, &v.ICMPType, &v.ICMPCode, v.Count, string(v.Time), v.Action, v.action)
}

// fillCommon fills what the verdict JSON and CSV formats share, but for
// the peers and the protocol. action is the logged action, or actionB
// when not nil.
func fillCommon(rec *Record, sport, dport flexUint, icmpType, icmpCode *flexUint, count flexUint, at, action string, actionB []byte) error {
	var err error
	if rec.SrcPort, err = portOf("sport", sport); err != nil {
		return err
	}
	if rec.DstPort, err = portOf("dport", dport); err != nil {
		return err
	}
	if err := fillICMP(rec, icmpType, icmpCode); err != nil {
		return err
	}
	if count.set {
		if count.v == 0 {
			return fmt.Errorf("count is 0; a record stands for at least one flow")
		}
		rec.Count = count.v
	}
	if rec.Start, err = parseTime(at); err != nil {
		return err
	}
	rec.End = rec.Start
	rec.Action, err = actionOf(action, actionB)
	return err
}

// actionOf is parseAction, without making a string of the common
// spellings of b when b is not nil.
func actionOf(s string, b []byte) (Action, error) {
	if b != nil {
		switch {
		case len(b) == 0:
			return NoAction, nil
		case bytes.EqualFold(b, []byte("allow")):
			return Allow, nil
		case bytes.EqualFold(b, []byte("deny")):
			return Deny, nil
		}
		s = string(b)
	}
	return parseAction(s)
}

// peerOf is peerArg of s, or of b when b is not nil, reading an IPv4
// address in b without making a string of it.
func peerOf(s string, b []byte) Peer {
	if b != nil {
		if a, ok := parseIPv4(b); ok {
			return Peer{Addr: model.PacketAddr(a)}
		}
		s = string(b)
	}
	return peerArg(s)
}

// parseIPv4 reads a dotted quad as netip.ParseAddr does (four decimal
// fields of 0 to 255, no leading zeros); false for anything else, which
// the caller leaves to netip.ParseAddr.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var out [4]byte
	field, digits, val := 0, 0, 0
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if digits == 1 && val == 0 {
				return netip.Addr{}, false // leading zero
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return netip.Addr{}, false
			}
		case c == '.' && digits > 0 && field < 3 && i < len(b)-1:
			out[field] = byte(val)
			field, digits, val = field+1, 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if field != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	out[3] = byte(val)
	return netip.AddrFrom4(out), true
}

// protocolsByName are the protocol names ParseProtocol takes, in lower
// case.
var protocolsByName = func() map[string]uint8 {
	m := map[string]uint8{}
	for _, name := range []string{"tcp", "udp", "icmp", "icmpv6", "icmp6", "sctp", "udplite"} {
		if n, err := ParseProtocol(name); err == nil {
			m[name] = n
		}
	}
	return m
}()

// fastProtocol reads a protocol as ParseProtocol does, for the forms
// that need no string: a number from 1 to 255 without leading zeros, or
// a name in ASCII of any case. False leaves b to ParseProtocol.
func fastProtocol(b []byte) (uint8, bool) {
	if len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	if b[0] >= '1' && b[0] <= '9' {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		if n > 255 {
			return 0, false
		}
		return uint8(n), true
	}
	var lower [8]byte
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	n, ok := protocolsByName[string(lower[:len(b)])]
	return n, ok
}

func fillICMP(rec *Record, icmpType, icmpCode *flexUint) error {
	typeSet := icmpType != nil && icmpType.set
	codeSet := icmpCode != nil && icmpCode.set
	if !typeSet {
		if codeSet {
			return fmt.Errorf("icmp_code needs icmp_type")
		}
		return nil
	}
	if rec.Protocol != 1 && rec.Protocol != 58 {
		return fmt.Errorf("icmp_type needs proto icmp or icmpv6")
	}
	t, err := icmpType.bounded("icmp_type", math.MaxUint8)
	if err != nil {
		return err
	}
	rec.HasICMP, rec.ICMPType = true, uint8(t)
	if codeSet {
		c, err := icmpCode.bounded("icmp_code", math.MaxUint8)
		if err != nil {
			return err
		}
		rec.ICMPCode = uint8(c)
	}
	return nil
}

// peerArg reads a peer as "verdict eval --src" takes it: an address,
// namespace/name, or the bare name of an endpoint without a namespace.
func peerArg(s string) Peer {
	if a, err := netip.ParseAddr(s); err == nil {
		return Peer{Addr: model.PacketAddr(a)}
	}
	if ns, name, ok := strings.Cut(s, "/"); ok {
		return Peer{Namespace: ns, Name: name}
	}
	return Peer{Name: s}
}

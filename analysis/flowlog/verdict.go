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
	ICMPType *flexUint  `json:"icmp_type"`
	ICMPCode *flexUint  `json:"icmp_code"`
	Count    flexUint   `json:"count"`
	Time     flexString `json:"time"`
	Action   string     `json:"action"`
}

// verdictKeys are the keys of the verdict format, for auto detection and
// the CSV header.
var verdictKeys = []string{"src", "dst", "proto", "sport", "dport", "icmp_type", "icmp_code", "count", "time", "action"}

// parseVerdict reads one JSON line of the verdict format. Unknown keys are
// errors: the format is Verdict's own, so a misspelt key is a mistake.
func parseVerdict(line []byte, rec *Record) error {
	var v verdictLine
	if fastVerdict(line, &v) {
		return v.fill(rec)
	}
	v = verdictLine{}
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
	if v.Src == "" {
		return fmt.Errorf("src is missing")
	}
	if v.Dst == "" {
		return fmt.Errorf("dst is missing")
	}
	rec.Src = peerArg(v.Src)
	rec.Dst = peerArg(v.Dst)
	return fillCommon(rec, string(v.Proto), v.Sport, v.Dport, v.ICMPType, v.ICMPCode, v.Count, string(v.Time), v.Action)
}

// fillCommon fills what the verdict JSON and CSV formats share.
func fillCommon(rec *Record, proto string, sport, dport flexUint, icmpType, icmpCode *flexUint, count flexUint, at, action string) error {
	rec.Protocol = 6
	if proto != "" {
		p, err := ParseProtocol(proto)
		if err != nil {
			return fmt.Errorf("proto: %w", err)
		}
		rec.Protocol = p
	}
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
	rec.Action, err = parseAction(action)
	return err
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

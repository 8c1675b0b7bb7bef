package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Well-known IP protocol numbers.
const (
	ProtoICMP    uint8 = 1
	ProtoTCP     uint8 = 6
	ProtoUDP     uint8 = 17
	ProtoICMPv6  uint8 = 58
	ProtoSCTP    uint8 = 132
	ProtoUDPLite uint8 = 136
)

// protocolNames are the names Calico v3 accepts, by number.
var protocolNames = map[uint8]string{
	ProtoICMP:    "ICMP",
	ProtoTCP:     "TCP",
	ProtoUDP:     "UDP",
	ProtoICMPv6:  "ICMPv6",
	ProtoSCTP:    "SCTP",
	ProtoUDPLite: "UDPLite",
}

// Protocol is an IP protocol as a rule gives it. The zero value means the
// rule gives none.
//
// ByName is kept because Calico infers an IP family only from the names:
// protocol ICMP implies IPv4 and ICMPv6 implies IPv6, while the numbers 1
// and 58 imply nothing.
type Protocol struct {
	Number uint8 // 1 to 255; 0 when not given
	ByName bool  // written as a name such as TCP rather than a number
}

// ProtocolNumber returns the protocol written as a number.
func ProtocolNumber(n uint8) Protocol { return Protocol{Number: n} }

// ProtocolNamed returns the protocol with the given well-known number,
// written as its name.
func ProtocolNamed(n uint8) Protocol { return Protocol{Number: n, ByName: true} }

// ParseProtocol reads a protocol as Calico's API takes it: one of the
// names TCP, UDP, ICMP, ICMPv6, SCTP and UDPLite, or a number from 1 to
// 255 in decimal (which Calico stores as that number, name or not). Names
// are matched in any case, as older calicoctl and Calico's v1 formats
// wrote them; the result's String is Calico v3's spelling, so a caller
// that wants that spelling compares the two.
func ParseProtocol(s string) (Protocol, error) {
	if s != "" && (s[0] == '-' || s[0] == '+' || s[0] >= '0' && s[0] <= '9') {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil && n >= 1 && n <= 255 {
			return ProtocolNumber(uint8(n)), nil
		}
		if err == nil || errors.Is(err, strconv.ErrRange) {
			return Protocol{}, fmt.Errorf("protocol number %.*s is out of range 1 to 255", maxQuoted, s)
		}
	}
	for n, name := range protocolNames {
		if strings.EqualFold(s, name) {
			return ProtocolNamed(n), nil
		}
	}
	if len(s) > maxQuoted {
		s = s[:maxQuoted] + "..."
	}
	return Protocol{}, fmt.Errorf("unknown protocol %q: want %s", s, ProtocolsWanted)
}

// maxQuoted is the most bytes of a bad value an error message repeats.
const maxQuoted = 64

// ProtocolsWanted says what ParseProtocol accepts, for messages.
const ProtocolsWanted = "TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number from 1 to 255"

// IsSet reports whether the rule gives a protocol.
func (p Protocol) IsSet() bool { return p.Number != 0 }

// SupportsPorts reports whether ports may be matched with this protocol.
func (p Protocol) SupportsPorts() bool {
	return p.Number == ProtoTCP || p.Number == ProtoUDP || p.Number == ProtoSCTP
}

// String gives Calico's spelling: the name when the rule used one, else the
// number.
func (p Protocol) String() string {
	if name, ok := protocolNames[p.Number]; ok && p.ByName {
		return name
	}
	return strconv.Itoa(int(p.Number))
}

// ProtocolName returns the well-known name of a protocol number, or its
// decimal form.
func ProtocolName(n uint8) string {
	if name, ok := protocolNames[n]; ok {
		return name
	}
	return strconv.Itoa(int(n))
}

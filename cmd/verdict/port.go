package main

import (
	"fmt"
	"strconv"

	"github.com/verdictlabs/verdict/model"
)

// portValue is a --sport or --dport flag: a port of 1 to 65535, and
// whether it was given, so that a missing port is never taken for port 0.
type portValue struct {
	port uint16
	set  bool
}

func (p *portValue) String() string {
	if !p.set {
		return ""
	}
	return strconv.Itoa(int(p.port))
}

// Set parses the port in its own words: pflag would otherwise print
// strconv's "value out of range", which names no limit.
func (p *portValue) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port must be 1-65535, not %q", s)
	}
	p.port, p.set = uint16(n), true
	return nil
}

func (p *portValue) Type() string { return "port" }

// carriesPorts reports whether a packet of this protocol has ports: TCP,
// UDP, SCTP and UDPLite do (UDPLite's cannot be matched by rules, but the
// packet still carries them).
func carriesPorts(proto uint8) bool {
	return model.ProtocolNumber(proto).SupportsPorts() || proto == model.ProtoUDPLite
}

// checkPorts requires --dport for a protocol with ports and refuses ports
// for one without: judging a TCP flow to port 0 would be a silent wrong
// answer.
func checkPorts(proto uint8, sport, dport *portValue) error {
	name := model.ProtocolName(proto)
	if carriesPorts(proto) {
		if !dport.set {
			return usageError("--dport is required with --proto %s: give the destination port the flow goes to", name)
		}
		return nil
	}
	for _, f := range []struct {
		flag string
		v    *portValue
	}{{"--dport", dport}, {"--sport", sport}} {
		if f.v.set {
			return usageError("%s is not allowed with --proto %s: only TCP, UDP, SCTP and UDPLite have ports", f.flag, name)
		}
	}
	return nil
}

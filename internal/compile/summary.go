package compile

import "github.com/verdictlabs/verdict/model"

// summary is a necessary condition for any rule of a policy (in one
// direction) to match a flow: the protocol classes, IP families and
// destination-port buckets its rules accept, one bit each. It sits beside
// the policy in every resolved list, so a walk skips a policy none of
// whose rules can match without touching the policy or its rules; most
// policies constrain every rule by protocol or destination port.
type summary uint64

const (
	sumProtoBits = 6  // TCP, UDP, SCTP, ICMP, ICMPv6, any other
	sumFamBits   = 2  // IPv4, IPv6
	sumPortBits  = 56 // destination port modulo 56

	sumProtoMask summary = 1<<sumProtoBits - 1
	sumFamShift          = sumProtoBits
	sumPortShift         = sumProtoBits + sumFamBits
	sumPortMask  summary = (1<<sumPortBits - 1) << sumPortShift
)

func protoBit(p uint8) summary {
	switch p {
	case model.ProtoTCP:
		return 1
	case model.ProtoUDP:
		return 2
	case model.ProtoSCTP:
		return 4
	case model.ProtoICMP:
		return 8
	case model.ProtoICMPv6:
		return 16
	}
	return 32
}

func portBit(port uint16) summary { return 1 << (sumPortShift + summary(port)%sumPortBits) }

// flowSummary is the one bit of each group a flow has.
func flowSummary(f *model.Flow, is6 bool) (proto, fam, port summary) {
	fam = 1 << sumFamShift
	if is6 {
		fam <<= 1
	}
	return protoBit(f.Protocol), fam, portBit(f.DstPort)
}

// admits reports whether a flow with these bits may match some rule.
func (s summary) admits(proto, fam, port summary) bool {
	return s&proto != 0 && s&fam != 0 && s&port != 0
}

// summarize ORs together what each rule accepts.
func summarize(rules []rule) summary {
	var s summary
	for i := range rules {
		s |= ruleSummary(&rules[i])
	}
	return s
}

func ruleSummary(r *rule) summary {
	s := sumProtoMask
	if r.need&needProto != 0 {
		s = protoBit(r.proto)
	}
	if r.fam4 {
		s |= 1 << sumFamShift
	}
	if r.fam6 {
		s |= 2 << sumFamShift
	}
	ports := r.dst.ports
	if r.dst.need&needPorts == 0 || len(ports.named) > 0 {
		return s | sumPortMask
	}
	for _, pr := range ports.ranges {
		if int(pr.hi)-int(pr.lo)+1 >= sumPortBits {
			return s | sumPortMask
		}
		for p := int(pr.lo); p <= int(pr.hi); p++ {
			s |= portBit(uint16(p))
		}
	}
	return s
}

package compile

import (
	"cmp"
	"slices"

	"github.com/verdictlabs/verdict/model"
)

// portSet is a rule's ports or notPorts: numeric ranges sorted and merged,
// and the named ports, which resolve per packet against the entity owning
// the address (SPEC 5).
type portSet struct {
	ranges []portRange
	named  []string
}

type portRange struct{ lo, hi uint16 }

func newPortSet(ports []model.Port) *portSet {
	if len(ports) == 0 {
		return nil
	}
	s := &portSet{}
	for _, p := range ports {
		if p.Name != "" {
			if !slices.Contains(s.named, p.Name) {
				s.named = append(s.named, p.Name)
			}
			continue
		}
		if p.Min > p.Max {
			continue // an empty range holds no port
		}
		s.ranges = append(s.ranges, portRange{p.Min, p.Max})
	}
	slices.SortFunc(s.ranges, func(a, b portRange) int { return cmp.Compare(a.lo, b.lo) })
	merged := s.ranges[:0]
	for _, r := range s.ranges {
		if n := len(merged); n > 0 && int(r.lo) <= int(merged[n-1].hi)+1 {
			merged[n-1].hi = max(merged[n-1].hi, r.hi)
			continue
		}
		merged = append(merged, r)
	}
	s.ranges = merged
	return s
}

// hasNumber reports whether port is in one of the numeric ranges.
func (s *portSet) hasNumber(port uint16) bool {
	r := s.ranges
	if len(r) <= 8 {
		for _, x := range r {
			if port < x.lo {
				return false
			}
			if port <= x.hi {
				return true
			}
		}
		return false
	}
	i, found := slices.BinarySearchFunc(r, port, func(x portRange, p uint16) int { return cmp.Compare(x.lo, p) })
	if found {
		return true
	}
	return i > 0 && port <= r[i-1].hi
}

// namedPortProtocol is the protocol a named port must be declared with
// under a rule's protocol: Felix maps UDP to udp, SCTP to sctp and anything
// else to tcp; a rule without a protocol takes every declared protocol
// (zero here).
func namedPortProtocol(rule model.Protocol) uint8 {
	if !rule.IsSet() {
		return 0
	}
	switch rule.Number {
	case model.ProtoUDP, model.ProtoSCTP:
		return rule.Number
	}
	return model.ProtoTCP
}

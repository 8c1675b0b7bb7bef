package calico

import (
	"net/netip"

	"github.com/verdictlabs/verdict/model"
)

// FamilyAllowed applies the dataplane's family filter: Felix renders a rule
// for IP family fam (4 or 6) only when its ipVersion allows it (protocol
// ICMP or ICMPv6 written by name implying one when ipVersion is unset), and
// when every non-empty nets or notNets list still holds a CIDR of that
// family. So a rule whose only net criterion is an IPv4 notNets never
// matches IPv6.
func FamilyAllowed(r *model.Rule, fam int) bool {
	version := r.IPVersion
	if version == 0 && r.Protocol.ByName {
		switch r.Protocol.Number {
		case model.ProtoICMP:
			version = 4
		case model.ProtoICMPv6:
			version = 6
		}
	}
	if version != 0 && version != fam {
		return false
	}
	for _, nets := range [][]netip.Prefix{r.Source.Nets, r.Source.NotNets, r.Destination.Nets, r.Destination.NotNets} {
		if len(nets) > 0 && !hasFamily(nets, fam) {
			return false
		}
	}
	return true
}

func hasFamily(nets []netip.Prefix, fam int) bool {
	for _, n := range nets {
		if (fam == 4) == n.Addr().Is4() {
			return true
		}
	}
	return false
}

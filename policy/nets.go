package policy

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// parseCIDROrIP reads a CIDR, or a bare address as a one-address network
// (/32 or /128), as Calico's ParseCIDROrIP does; model.ParsePrefix and
// model.ParseAddr say how IPv4-mapped and zoned addresses are read.
func parseCIDROrIP(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := model.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR or an IP address", resource.Clip(s))
		}
		return p, nil
	}
	a, err := model.ParseAddr(s)
	switch {
	case err != nil && strings.Contains(s, "%"):
		return netip.Prefix{}, err // says why a zone is refused
	case err != nil:
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR or an IP address", resource.Clip(s))
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// validIPOrCIDR reports whether s is an address or a CIDR.
func validIPOrCIDR(s string) bool {
	_, err := parseCIDROrIP(s)
	return err == nil
}

// parseIP reads a single address, such as a host endpoint's expected IP.
func parseIP(s string) (netip.Addr, error) {
	return model.ParseAddr(s)
}

// strictNet reads a network that Calico's validator wants strictly masked
// (rule nets, a workload's ipNetworks): 10.0.0.1/8 is refused, since it
// most likely means a typo in either the address or the prefix length.
func strictNet(s string) (netip.Prefix, error) {
	p, err := parseCIDROrIP(s)
	if err != nil {
		return p, err
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%s has address bits set beyond its /%d prefix (did you mean %s?)", s, p.Bits(), m)
	}
	return p, nil
}

// familyName names an IP family in messages.
func familyName(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

func ipVersionOf(p netip.Prefix) int {
	if p.Addr().Is4() {
		return 4
	}
	return 6
}

// familyCheck enforces Calico's rule that every net of a rule (both sides,
// nets and notNets) is of one IP family, and of the rule's ipVersion when
// it has one. The first net fixes the family; each later net of the other
// family is reported at its own path, naming the one it disagrees with.
type familyCheck struct {
	ipVersion int // 0 when the rule has none
	first     netip.Prefix
	firstAt   string
}

func (f *familyCheck) check(r *report, p netip.Prefix, at *resource.Path) bool {
	if f.ipVersion != 0 && ipVersionOf(p) != f.ipVersion {
		r.Errorf(at, "%s is %s, but the rule has ipVersion %d", p, familyName(p), f.ipVersion)
		return false
	}
	if !f.first.IsValid() {
		f.first, f.firstAt = p, at.String()
		return true
	}
	if ipVersionOf(p) != ipVersionOf(f.first) {
		r.Errorf(at, "%s is %s, but %s (%s) is %s: all nets of a rule must be one IP family",
			p, familyName(p), f.firstAt, f.first, familyName(f.first))
		return false
	}
	return true
}

package model

import (
	"net/netip"

	"github.com/verdictlabs/verdict/selector"
)

// Rule is one rule of a policy or profile. Every criterion given must hold
// for the rule to match; criteria left empty match anything.
type Rule struct {
	Action Action
	// IPVersion restricts the rule to IPv4 (4) or IPv6 (6); 0 means either.
	IPVersion   int
	Protocol    Protocol
	NotProtocol Protocol
	ICMP        *ICMPMatch
	NotICMP     *ICMPMatch
	Source      EntityRule
	Destination EntityRule
	HTTP        *HTTPMatch
	// Annotations are the rule's metadata; they never change a verdict.
	Annotations map[string]string
}

// ICMPMatch matches an ICMP type, and optionally a code of that type.
type ICMPMatch struct {
	Type *uint8 // 0 to 254
	Code *uint8 // needs Type
}

// EntityRule holds the criteria on one side (source or destination) of a
// packet.
type EntityRule struct {
	Nets    []netip.Prefix
	NotNets []netip.Prefix

	Selector          *selector.Selector
	NotSelector       *selector.Selector
	NamespaceSelector *selector.Selector

	Ports    []Port
	NotPorts []Port

	ServiceAccounts *ServiceAccountMatch
	Services        *ServiceMatch
}

// IsZero reports whether the side has no criteria at all.
func (e *EntityRule) IsZero() bool {
	return len(e.Nets) == 0 && len(e.NotNets) == 0 && e.Selector == nil &&
		e.NotSelector == nil && e.NamespaceSelector == nil && len(e.Ports) == 0 &&
		len(e.NotPorts) == 0 && e.ServiceAccounts == nil && e.Services == nil
}

// Port is a port number, an inclusive range, or a named port.
type Port struct {
	Min, Max uint16 // equal for a single port; zero for a named port
	Name     string // a named port, resolved against the owning endpoint
}

// ServiceAccountMatch matches the service account of the peer: its name is
// one of Names (when given) and its labels match Selector (when given).
type ServiceAccountMatch struct {
	Names    []string
	Selector *selector.Selector
}

// ServiceMatch names a Kubernetes service whose endpoint addresses (and,
// for destinations, ports) the side must match. A side with an empty
// Namespace never matches (SPEC 7): Calico's documentation says it means
// the policy's namespace, but Calico looks up the service with an empty
// namespace, and every service has one. The loader warns about it.
type ServiceMatch struct {
	Name      string
	Namespace string
}

// HTTPMatch matches the application-layer request, when the flow carries
// one.
type HTTPMatch struct {
	Methods []string
	Paths   []HTTPPath
}

// HTTPPath matches a request path exactly or by prefix at a segment
// boundary; exactly one of the two is set.
type HTTPPath struct {
	Exact  string
	Prefix string
}

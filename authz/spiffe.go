package authz

import (
	"fmt"
	"strings"
)

const spiffeScheme = "spiffe://"

// spiffeID is a Kubernetes workload's SPIFFE ID,
// spiffe://TRUST-DOMAIN/ns/NAMESPACE/sa/SERVICE-ACCOUNT, the form Istio
// and Calico's Dikastes read.
type spiffeID struct {
	TrustDomain    string
	Namespace      string
	ServiceAccount string
}

func (id spiffeID) String() string {
	return spiffeScheme + id.TrustDomain + "/ns/" + id.Namespace + "/sa/" + id.ServiceAccount
}

// parseSPIFFE reads a SPIFFE ID of that form; anything else that claims
// the spiffe scheme is an error, since a principal that cannot be read
// cannot be checked.
func parseSPIFFE(s string) (spiffeID, error) {
	rest, ok := strings.CutPrefix(s, spiffeScheme)
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 5 || parts[1] != "ns" || parts[3] != "sa" ||
		parts[0] == "" || parts[2] == "" || parts[4] == "" {
		return spiffeID{}, fmt.Errorf("%q is not a workload SPIFFE ID spiffe://TRUST-DOMAIN/ns/NAMESPACE/sa/SERVICE-ACCOUNT", truncate(s))
	}
	return spiffeID{TrustDomain: parts[0], Namespace: parts[2], ServiceAccount: parts[4]}, nil
}

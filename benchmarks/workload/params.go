package workload

// ClusterParams sizes a generated cluster. Counts below their minimum are
// raised to it; the zero value asks for the smallest cluster that still
// holds every kind of resource and rule.
type ClusterParams struct {
	// Seed picks the cluster; equal parameters and seeds give equal
	// clusters.
	Seed uint64

	// Namespaces is the number of application namespaces (at least 1).
	// The system namespaces kube-system, monitoring and ingress-nginx are
	// always added.
	Namespaces int
	// Endpoints is the exact number of workload endpoints (pods), system
	// pods included. Deployments are added round-robin over the
	// namespaces until it is reached.
	Endpoints int
	// MaxReplicas bounds the replicas of one deployment (at least 1);
	// databases get at most two.
	MaxReplicas int

	// Policies is the number of random Calico policies (global,
	// namespaced and staged, over every tier) added to the fixed ones
	// that cover each selector form and rule criterion and to the
	// Kubernetes NetworkPolicies written per application.
	Policies int
	// NetworkSets is the number of network sets, global and namespaced
	// (at least 4, so that their CIDRs can cover every prefix length).
	NetworkSets int
	// HostEndpoints is the number of nodes, each with one host endpoint
	// (at least 1).
	HostEndpoints int
	// DualStack is the share of deployments, from 0 to 1, whose pods also
	// get an IPv6 address. At 0 the cluster is IPv4 only and holds no
	// IPv6 CIDR at all.
	DualStack float64

	// Flows is the number of flows to generate.
	Flows int
}

// DefaultClusterParams returns parameters for a cluster of about the given
// number of pods, shaped like a mid-sized production cluster: a namespace
// per 25 pods, up to four replicas, a random policy per four pods, a
// network set per ten, a node per twenty, a third of the deployments dual
// stack and ten flows per pod.
func DefaultClusterParams(endpoints int) ClusterParams {
	endpoints = max(endpoints, 1)
	return ClusterParams{
		Seed:          1,
		Namespaces:    max(2, endpoints/25),
		Endpoints:     endpoints,
		MaxReplicas:   4,
		Policies:      max(8, endpoints/4),
		NetworkSets:   max(6, endpoints/10),
		HostEndpoints: max(2, endpoints/20),
		DualStack:     0.35,
		Flows:         10 * endpoints,
	}
}

// normalised returns the parameters with every count raised to its
// minimum.
func (p ClusterParams) normalised() ClusterParams {
	p.Namespaces = max(p.Namespaces, 1)
	p.Endpoints = max(p.Endpoints, 0)
	p.MaxReplicas = max(p.MaxReplicas, 1)
	p.Policies = max(p.Policies, 0)
	p.NetworkSets = max(p.NetworkSets, minNetworkSets)
	p.HostEndpoints = max(p.HostEndpoints, 1)
	p.DualStack = min(max(p.DualStack, 0), 1)
	p.Flows = max(p.Flows, 0)
	return p
}

// minNetworkSets is the fewest network sets a cluster gets: the blocklist,
// the partners, the cluster's own ranges and a namespaced one.
const minNetworkSets = 4

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
	// GlobalPolicies bounds how many of the random policies are global
	// (GlobalNetworkPolicy or StagedGlobalNetworkPolicy); once it is
	// reached a global kind drawn becomes the namespaced one. Zero or
	// negative means no bound. The fixed and coverage policies, which hold
	// every global kind, do not count.
	GlobalPolicies int
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
// per 25 pods, up to four replicas, a random policy per four pods (with no
// bound on the global ones, so that small clusters exercise them all), a
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

// LargeClusterParams returns parameters for a cluster of about the given
// number of pods shaped like a large production cluster, the shape the
// benchmarks measure: DefaultClusterParams, but with a random Calico
// policy per ten pods (10,000 at 100,000 pods, besides the Kubernetes
// NetworkPolicy each application has) of which at most 100 plus one per
// thousand pods are global. Global policies are written by a platform
// team and stay in the hundreds however many applications a cluster
// holds; without that bound each pod of a large cluster would have
// hundreds of applicable policies, which no real cluster has.
func LargeClusterParams(endpoints int) ClusterParams {
	p := DefaultClusterParams(endpoints)
	p.Policies = max(8, endpoints/10)
	p.GlobalPolicies = 100 + endpoints/1000
	return p
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

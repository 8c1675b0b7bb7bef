package workload

import (
	"net/netip"

	"github.com/verdictlabs/verdict/model"
)

// Cluster is a generated cluster: every resource as a model.Set, and the
// flows to ask about.
type Cluster struct {
	Set   model.Set
	Flows []model.Flow
}

// NewCluster generates the cluster the parameters describe. It is a pure
// function of p: equal parameters give equal clusters.
func NewCluster(p ClusterParams) Cluster {
	p = p.normalised()
	b := &builder{
		p:               p,
		r:               newRNG(p.Seed, streamResources),
		serviceAccounts: map[model.Key]bool{},
		apps:            map[string]bool{},
		podNames:        map[string]bool{},
		taken:           map[netip.Addr]bool{},
		budget:          p.Endpoints,
	}
	b.podsV4 = newAllocator(podCIDRv4, 1, b.taken)
	b.podsV6 = newAllocator(podCIDRv6, 1, b.taken)

	b.addNodes(p.HostEndpoints)
	b.addNamespaces(p.Namespaces)
	b.addSystemDeployments()
	b.addApplications()
	b.addNetworkSets(p.NetworkSets)
	b.addEdges()
	b.set.Tiers = clusterTiers()

	w := readWorld(&b.set)
	pg := newPolicyGen(newRNG(p.Seed, streamPolicies), w, nil)
	policies := pg.fixedPolicies()
	policies = append(policies, pg.coveragePolicies()...)
	policies = append(policies, b.kubePolicies(pg)...)
	tiers := make([]string, len(b.set.Tiers))
	for i, t := range b.set.Tiers {
		tiers[i] = t.Name
	}
	if p.GlobalPolicies > 0 {
		pg.globalsLeft = p.GlobalPolicies
	}
	for range p.Policies {
		policies = append(policies, pg.randomPolicy(tiers))
	}
	b.set.Policies = policies

	return Cluster{Set: b.set, Flows: b.flows(newRNG(p.Seed, streamFlows), p.Flows)}
}

// builder holds a cluster while it is generated.
type builder struct {
	p   ClusterParams
	r   *rng
	set model.Set

	namespaces      []*namespaceInfo
	serviceAccounts map[model.Key]bool
	apps            map[string]bool // "<namespace>/<app>"
	podNames        map[string]bool // "<namespace>/<pod>"
	deployments     []*deployment
	edges           []edge
	nodes           []string
	hosts           []netip.Addr // node addresses
	outside         []netip.Addr // addresses outside the cluster flows use
	taken           map[netip.Addr]bool
	podsV4, podsV6  *allocator
	budget          int // pods still to create
}

// namespaceInfo returns what the builder knows of the namespace.
func (b *builder) namespaceInfo(name string) *namespaceInfo {
	for _, ns := range b.namespaces {
		if ns.name == name {
			return ns
		}
	}
	return nil
}

// appNamespaces returns the names of the application namespaces.
func (b *builder) appNamespaces() []string {
	var out []string
	for _, ns := range b.namespaces {
		if !ns.system {
			out = append(out, ns.name)
		}
	}
	return out
}

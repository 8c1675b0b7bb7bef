package model

import "net/netip"

// NetworkSet is a named set of address ranges with labels, used only as a
// rule peer. An empty Namespace makes it a GlobalNetworkSet.
type NetworkSet struct {
	Name      string
	Namespace string
	Labels    map[string]string
	Nets      []netip.Prefix
}

// Key identifies the network set among all resources.
func (n *NetworkSet) Key() Key {
	if n.Namespace == "" {
		return Key{Kind: KindGlobalNetworkSet, Name: n.Name}
	}
	return Key{Kind: KindNetworkSet, Namespace: n.Namespace, Name: n.Name}
}

// Namespace is a Kubernetes namespace; its labels reach endpoints as
// "pcns."-prefixed labels through the profile "kns.<name>".
type Namespace struct {
	Name   string
	Labels map[string]string
}

// Key identifies the namespace among all resources.
func (n *Namespace) Key() Key { return Key{Kind: KindNamespace, Name: n.Name} }

// ServiceAccount is a Kubernetes service account; its labels reach
// endpoints as "pcsa."-prefixed labels through the profile
// "ksa.<namespace>.<name>".
type ServiceAccount struct {
	Name      string
	Namespace string
	Labels    map[string]string
}

// Key identifies the service account among all resources.
func (s *ServiceAccount) Key() Key {
	return Key{Kind: KindServiceAccount, Namespace: s.Namespace, Name: s.Name}
}

// Endpoint is a workload endpoint (a pod or container interface) or a host
// endpoint. Policies apply to endpoints; endpoints are also rule peers by
// their addresses.
type Endpoint struct {
	Kind      Kind
	Name      string
	Namespace string // empty for host endpoints and Docker containers
	// Labels are the endpoint's own labels. Evaluators add the labels
	// Calico adds (projectcalico.org/namespace, .../orchestrator,
	// .../serviceaccount) and those inherited from profiles.
	Labels map[string]string
	// Addresses are a workload's IPs, or a host endpoint's expected IPs.
	Addresses []netip.Addr
	// Ports are the endpoint's named ports.
	Ports []EndpointPort
	// Profiles are applied in order after every tier; the first profile
	// holding a label key gives its value.
	Profiles []string
	// ServiceAccount is the workload's service account name, if any.
	ServiceAccount string
	// Orchestrator, when set, becomes the label
	// projectcalico.org/orchestrator ("k8s" for pods).
	Orchestrator string
	// Node and Interface locate the endpoint, and ContainerID names a
	// Docker container's (a workload endpoint's spec.containerID) so that
	// it can be named by an ID prefix, as docker does; they never change
	// a verdict.
	Node        string
	Interface   string
	ContainerID string
}

// Key identifies the endpoint among all resources.
func (e *Endpoint) Key() Key {
	return Key{Kind: e.Kind, Namespace: e.Namespace, Name: e.Name}
}

// EndpointPort is a named port an endpoint declares.
type EndpointPort struct {
	Name     string
	Protocol uint8 // TCP, UDP or SCTP
	Port     uint16
	// ProtocolByNumber records that the protocol was written as a number
	// (6) rather than a name (TCP). Calico keeps the difference, and it
	// matters for a rule that gives no protocol: Felix resolves such a
	// rule's named port under any protocol written as a name, but compares
	// a number with its any-protocol marker, which no number equals, so a
	// port declared by number never resolves there. Pods always name their
	// protocols.
	ProtocolByNumber bool
}

// Service is a Kubernetes service with the endpoint addresses and ports
// its EndpointSlices list.
type Service struct {
	Name      string
	Namespace string
	Slices    []ServiceSlice
}

// Key identifies the service among all resources.
func (s *Service) Key() Key { return Key{Kind: KindService, Namespace: s.Namespace, Name: s.Name} }

// ServiceSlice is one EndpointSlice: every address serves every port.
type ServiceSlice struct {
	Addresses []netip.Addr
	Ports     []EndpointPort
}

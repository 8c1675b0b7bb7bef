package workload

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/model"
)

// addNodes names the nodes and gives each a host endpoint for its main
// interface, with the node's addresses as expected IPs and the ports the
// kubelet and the node exporter listen on. Host endpoints are rule peers
// by those addresses.
func (b *builder) addNodes(n int) {
	hostsV4 := newAllocator(nodeCIDRv4, 10, b.taken)
	hostsV6 := newAllocator(nodeCIDRv6, 10, b.taken)
	for i := range n {
		node := fmt.Sprintf("node-%02d", i+1)
		b.nodes = append(b.nodes, node)
		roleLabel := "worker"
		if i == 0 {
			roleLabel = "control-plane"
		}
		addrs := []netip.Addr{hostsV4.take()}
		if b.p.DualStack > 0 {
			addrs = append(addrs, hostsV6.take())
		}
		b.set.Endpoints = append(b.set.Endpoints, model.Endpoint{
			Kind: model.KindHostEndpoint,
			Name: node + "-eth0",
			Labels: map[string]string{
				"node-role":                   roleLabel,
				"kubernetes.io/hostname":      node,
				"kubernetes.io/os":            "linux",
				"topology.kubernetes.io/zone": zones[i%len(zones)],
			},
			Addresses: addrs,
			Ports:     []model.EndpointPort{portKubelet, portNodeExp},
			Node:      node,
			Interface: "eth0",
		})
		b.hosts = append(b.hosts, addrs...)
	}
}

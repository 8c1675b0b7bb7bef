package kube

import (
	"fmt"

	"github.com/verdictlabs/verdict/model"
)

// NamespaceObject returns the namespace as the Kubernetes object it is
// written as.
func NamespaceObject(ns model.Namespace) any {
	return Namespace{APIVersion: CoreAPIVersion, Kind: kindNamespace, Metadata: ObjectMeta{Name: ns.Name, Labels: ns.Labels}}
}

// ServiceAccountObject returns the service account as the Kubernetes
// object it is written as.
func ServiceAccountObject(sa model.ServiceAccount) any {
	return ServiceAccount{APIVersion: CoreAPIVersion, Kind: kindServiceAccount, Metadata: ObjectMeta{Name: sa.Name, Namespace: sa.Namespace, Labels: sa.Labels}}
}

// ServiceObjects returns the service as the Kubernetes objects it is
// written as: a Service with only its name, then one EndpointSlice per
// slice, named after the service and numbered from 1.
func ServiceObjects(s *model.Service) []any {
	out := []any{Service{
		APIVersion: CoreAPIVersion, Kind: kindService,
		Metadata: ObjectMeta{Name: s.Name, Namespace: s.Namespace},
	}}
	for i, slice := range s.Slices {
		out = append(out, sliceObject(s, i, slice))
	}
	return out
}

// sliceObject writes one slice of a service as an EndpointSlice; its
// address type is that of its first address.
func sliceObject(s *model.Service, i int, slice model.ServiceSlice) EndpointSlice {
	doc := EndpointSlice{
		APIVersion: DiscoveryAPIVersion, Kind: kindEndpointSlice,
		Metadata: ObjectMeta{
			Name:      fmt.Sprintf("%s-%d", s.Name, i+1),
			Namespace: s.Namespace,
			Labels:    map[string]string{serviceNameLabel: s.Name},
		},
		AddressType: "IPv4",
	}
	if len(slice.Addresses) > 0 && slice.Addresses[0].Is6() {
		doc.AddressType = "IPv6"
	}
	for _, a := range slice.Addresses {
		doc.Endpoints = append(doc.Endpoints, Endpoint{Addresses: []string{a.String()}})
	}
	for _, p := range slice.Ports {
		proto := model.ProtocolName(p.Protocol)
		port := int32(p.Port)
		ep := EndpointPort{Protocol: &proto, Port: &port}
		if p.Name != "" {
			name := p.Name
			ep.Name = &name
		}
		doc.Ports = append(doc.Ports, ep)
	}
	return doc
}

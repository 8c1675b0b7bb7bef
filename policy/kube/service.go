package kube

import (
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// Service is a core v1 Service. Only its name, namespace and ports are
// read: which addresses and ports serve it comes from its EndpointSlices.
// Other fields are ignored when decoding.
type Service struct {
	APIVersion string      `json:"apiVersion,omitempty"`
	Kind       string      `json:"kind,omitempty"`
	Metadata   ObjectMeta  `json:"metadata"`
	Spec       ServiceSpec `json:"spec"`
}

// ServiceSpec is the part of a Service's spec Verdict reads.
type ServiceSpec struct {
	Ports []ServicePort `json:"ports,omitempty"`
}

// ServicePort is a port a Service exposes.
type ServicePort struct {
	Name string `json:"name,omitempty"`
	// Protocol is TCP (the default), UDP or SCTP.
	Protocol   string       `json:"protocol,omitempty"`
	Port       int32        `json:"port"`
	TargetPort *IntOrString `json:"targetPort,omitempty"`
	NodePort   int32        `json:"nodePort,omitempty"`
}

// EndpointSlice is a discovery.k8s.io/v1 EndpointSlice: addresses
// that serve a Service, and the ports they serve it on. The label
// kubernetes.io/service-name names the Service. Other fields are ignored
// when decoding.
type EndpointSlice struct {
	APIVersion string     `json:"apiVersion,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Metadata   ObjectMeta `json:"metadata"`
	// AddressType is IPv4, IPv6 or FQDN.
	AddressType string         `json:"addressType"`
	Endpoints   []Endpoint     `json:"endpoints,omitempty"`
	Ports       []EndpointPort `json:"ports,omitempty"`
}

// Endpoint is one endpoint of a slice.
type Endpoint struct {
	Addresses []string `json:"addresses"`
}

// EndpointPort is a port every endpoint of a slice serves.
type EndpointPort struct {
	Name *string `json:"name,omitempty"`
	// Protocol is TCP (the default), UDP or SCTP.
	Protocol *string `json:"protocol,omitempty"`
	Port     *int32  `json:"port,omitempty"`
}

// serviceNameLabel names the Service an EndpointSlice belongs to.
const serviceNameLabel = "kubernetes.io/service-name"

// BuildServices gathers services and their EndpointSlices: a slice belongs
// to the service its kubernetes.io/service-name label names, in the
// slice's namespace. Services come out in the order given, each with its
// slices in the order given.
//
// Calico builds the members of a service from its EndpointSlices alone,
// so a slice whose Service is not given still makes a service of that
// name, after the given ones, with no warning. A slice without the label
// belongs to no service and is ignored with a warning. As in Calico, a
// slice port without a number serves no port (its addresses still count
// where ports do not matter, as for a source service), and FQDN slices
// hold no address a flow can have, so they are ignored with a warning.
// Objects are validated as the API server would validate them.
func BuildServices(svcs []Service, slices []EndpointSlice) ([]model.Service, Problems) {
	var problems Problems
	var out []model.Service
	index := make(map[model.Key]int)
	for i := range svcs {
		s := &svcs[i]
		ns := s.Metadata.NamespaceOrDefault()
		r := newReport(kindService, ns, s.Metadata.Name)
		r.validateMeta(&s.Metadata, true, resource.DNS1035Label)
		r.validateServicePorts(s.Spec.Ports)
		key := model.Key{Kind: model.KindService, Namespace: ns, Name: s.Metadata.Name}
		if _, dup := index[key]; dup {
			r.Errorf(resource.Root().Child("metadata").Child("name"), "service %s is given more than once", key)
		} else {
			index[key] = len(out)
			out = append(out, model.Service{Name: s.Metadata.Name, Namespace: ns})
		}
		problems = append(problems, r.Problems...)
	}
	for i := range slices {
		es := &slices[i]
		ns := es.Metadata.NamespaceOrDefault()
		r := newReport(kindEndpointSlice, ns, es.Metadata.Name)
		r.validateMeta(&es.Metadata, true, resource.DNS1123Subdomain)
		slice, ok := r.endpointSlice(es)
		name := es.Metadata.Labels[serviceNameLabel]
		switch {
		case name == "":
			r.Warnf(resource.Root().Child("metadata").Child("labels"), "has no %s label: the slice belongs to no service and is ignored", serviceNameLabel)
		case ok:
			key := model.Key{Kind: model.KindService, Namespace: ns, Name: name}
			at, found := index[key]
			if !found {
				at = len(out)
				index[key] = at
				out = append(out, model.Service{Name: name, Namespace: ns})
			}
			out[at].Slices = append(out[at].Slices, slice)
		}
		problems = append(problems, r.Problems...)
	}
	return out, problems
}

// validateServicePorts checks a Service's ports as the API server does.
func (r *report) validateServicePorts(ports []ServicePort) {
	path := resource.Root().Child("spec").Child("ports")
	for i, p := range ports {
		pp := path.Index(i)
		if p.Name == "" && len(ports) > 1 {
			r.Errorf(pp.Child("name"), "is required when a service has more than one port")
		} else if p.Name != "" {
			if msg := resource.DNS1123Label(p.Name); msg != "" {
				r.Errorf(pp.Child("name"), "%q %s", p.Name, msg)
			}
		}
		if !validProtocol(p.Protocol) {
			r.Errorf(pp.Child("protocol"), "%q is not supported (TCP, UDP, SCTP)", p.Protocol)
		}
		if !resource.PortNumber(int64(p.Port)) {
			r.Errorf(pp.Child("port"), "%d is not a port number from 1 to 65535", p.Port)
		}
		if p.NodePort != 0 && !resource.PortNumber(int64(p.NodePort)) {
			r.Errorf(pp.Child("nodePort"), "%d is not a port number from 1 to 65535", p.NodePort)
		}
		if t := p.TargetPort; t != nil {
			if t.IsString {
				if msg := resource.PortName(t.StrVal); msg != "" {
					r.Errorf(pp.Child("targetPort"), "named port %q: %s", t.StrVal, msg)
				}
			} else if !resource.PortNumber(int64(t.IntVal)) {
				r.Errorf(pp.Child("targetPort"), "%d is not a port number from 1 to 65535", t.IntVal)
			}
		}
	}
}

// validProtocol reports whether a Kubernetes protocol field holds TCP,
// UDP or SCTP, or nothing (TCP).
func validProtocol(p string) bool {
	_, ok := groupProtocol(p)
	return ok
}

// endpointSlice validates a slice and converts it; false means it
// contributes nothing.
func (r *report) endpointSlice(es *EndpointSlice) (model.ServiceSlice, bool) {
	var slice model.ServiceSlice
	typePath := resource.Root().Child("addressType")
	var want4 bool
	switch es.AddressType {
	case "IPv4":
		want4 = true
	case "IPv6":
	case "FQDN":
		r.Warnf(typePath, "FQDN endpoint slices hold no address a flow can have: the slice is ignored")
		return slice, false
	case "":
		r.Errorf(typePath, "is required (IPv4, IPv6 or FQDN)")
		return slice, false
	default:
		r.Errorf(typePath, "%q is not an address type (IPv4, IPv6, FQDN)", es.AddressType)
		return slice, false
	}
	for i, ep := range es.Endpoints {
		for j, a := range ep.Addresses {
			ap := resource.Root().Child("endpoints").Index(i).Child("addresses").Index(j)
			addr, err := model.ParseAddr(a)
			switch {
			case err != nil:
				r.Errorf(ap, "%v", err)
			case addr.Is4() != want4:
				r.Errorf(ap, "%q is not an %s address", a, es.AddressType)
			default:
				slice.Addresses = append(slice.Addresses, addr)
			}
		}
	}
	for i, p := range es.Ports {
		pp := resource.Root().Child("ports").Index(i)
		ok := true
		var name string
		if p.Name != nil {
			name = *p.Name
			if msg := resource.DNS1123Label(name); name != "" && msg != "" {
				r.Errorf(pp.Child("name"), "%q %s", name, msg)
				ok = false
			}
		}
		proto := model.ProtoTCP
		if p.Protocol != nil {
			switch *p.Protocol {
			case protocolTCP:
			case protocolUDP:
				proto = model.ProtoUDP
			case protocolSCTP:
				proto = model.ProtoSCTP
			default:
				r.Errorf(pp.Child("protocol"), "%q is not supported (TCP, UDP, SCTP)", *p.Protocol)
				ok = false
			}
		}
		if p.Port != nil && !resource.PortNumber(int64(*p.Port)) {
			r.Errorf(pp.Child("port"), "%d is not a port number from 1 to 65535", *p.Port)
			ok = false
		}
		if ok && p.Port != nil {
			slice.Ports = append(slice.Ports, model.EndpointPort{Name: name, Protocol: proto, Port: uint16(*p.Port)})
		}
	}
	return slice, true
}

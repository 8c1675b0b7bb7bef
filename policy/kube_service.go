package policy

import (
	"net/netip"

	"github.com/verdictlabs/verdict/model"
)

// KubeService is a core v1 Service. Only its name, namespace and ports are
// read: which addresses and ports serve it comes from its EndpointSlices.
// Other fields are ignored when decoding.
type KubeService struct {
	APIVersion string          `json:"apiVersion,omitempty"`
	Kind       string          `json:"kind,omitempty"`
	Metadata   ObjectMeta      `json:"metadata"`
	Spec       KubeServiceSpec `json:"spec"`
}

// KubeServiceSpec is the part of a Service's spec Verdict reads.
type KubeServiceSpec struct {
	Ports []KubeServicePort `json:"ports,omitempty"`
}

// KubeServicePort is a port a Service exposes.
type KubeServicePort struct {
	Name string `json:"name,omitempty"`
	// Protocol is TCP (the default), UDP or SCTP.
	Protocol   string       `json:"protocol,omitempty"`
	Port       int32        `json:"port"`
	TargetPort *IntOrString `json:"targetPort,omitempty"`
	NodePort   int32        `json:"nodePort,omitempty"`
}

// KubeEndpointSlice is a discovery.k8s.io/v1 EndpointSlice: addresses
// that serve a Service, and the ports they serve it on. The label
// kubernetes.io/service-name names the Service. Other fields are ignored
// when decoding.
type KubeEndpointSlice struct {
	APIVersion string     `json:"apiVersion,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Metadata   ObjectMeta `json:"metadata"`
	// AddressType is IPv4, IPv6 or FQDN.
	AddressType string             `json:"addressType"`
	Endpoints   []KubeEndpoint     `json:"endpoints,omitempty"`
	Ports       []KubeEndpointPort `json:"ports,omitempty"`
}

// KubeEndpoint is one endpoint of a slice.
type KubeEndpoint struct {
	Addresses []string `json:"addresses"`
}

// KubeEndpointPort is a port every endpoint of a slice serves.
type KubeEndpointPort struct {
	Name *string `json:"name,omitempty"`
	// Protocol is TCP (the default), UDP or SCTP.
	Protocol *string `json:"protocol,omitempty"`
	Port     *int32  `json:"port,omitempty"`
}

// kubeServiceNameLabel names the Service an EndpointSlice belongs to.
const kubeServiceNameLabel = "kubernetes.io/service-name"

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
func BuildServices(svcs []KubeService, slices []KubeEndpointSlice) ([]model.Service, Problems) {
	var problems Problems
	var out []model.Service
	index := make(map[model.Key]int)
	for i := range svcs {
		s := &svcs[i]
		ns := s.Metadata.namespaceOrDefault()
		r := newKubeReport(kubeKindService, ns, s.Metadata.Name)
		r.validateMeta(&s.Metadata, true, kubeDNS1035Label)
		r.validateServicePorts(s.Spec.Ports)
		key := model.Key{Kind: model.ResourceService, Namespace: ns, Name: s.Metadata.Name}
		if _, dup := index[key]; dup {
			r.errorf(rootPath().Child("metadata").Child("name"), "service %s is given more than once", key)
		} else {
			index[key] = len(out)
			out = append(out, model.Service{Name: s.Metadata.Name, Namespace: ns})
		}
		problems = append(problems, r.problems...)
	}
	for i := range slices {
		es := &slices[i]
		ns := es.Metadata.namespaceOrDefault()
		r := newKubeReport(kubeKindEndpointSlice, ns, es.Metadata.Name)
		r.validateMeta(&es.Metadata, true, kubeDNS1123Subdomain)
		slice, ok := r.endpointSlice(es)
		name := es.Metadata.Labels[kubeServiceNameLabel]
		switch {
		case name == "":
			r.warnf(rootPath().Child("metadata").Child("labels"), "has no %s label: the slice belongs to no service and is ignored", kubeServiceNameLabel)
		case ok:
			key := model.Key{Kind: model.ResourceService, Namespace: ns, Name: name}
			at, found := index[key]
			if !found {
				at = len(out)
				index[key] = at
				out = append(out, model.Service{Name: name, Namespace: ns})
			}
			out[at].Slices = append(out[at].Slices, slice)
		}
		problems = append(problems, r.problems...)
	}
	return out, problems
}

// validateServicePorts checks a Service's ports as the API server does.
func (r *kubeReport) validateServicePorts(ports []KubeServicePort) {
	path := rootPath().Child("spec").Child("ports")
	for i, p := range ports {
		pp := path.Index(i)
		if p.Name == "" && len(ports) > 1 {
			r.errorf(pp.Child("name"), "is required when a service has more than one port")
		} else if p.Name != "" {
			if msg := kubeDNS1123Label(p.Name); msg != "" {
				r.errorf(pp.Child("name"), "%q %s", p.Name, msg)
			}
		}
		if !kubeValidProtocol(p.Protocol) {
			r.errorf(pp.Child("protocol"), "%q is not supported (TCP, UDP, SCTP)", p.Protocol)
		}
		if !kubePortNumber(int64(p.Port)) {
			r.errorf(pp.Child("port"), "%d is not a port number from 1 to 65535", p.Port)
		}
		if p.NodePort != 0 && !kubePortNumber(int64(p.NodePort)) {
			r.errorf(pp.Child("nodePort"), "%d is not a port number from 1 to 65535", p.NodePort)
		}
		if t := p.TargetPort; t != nil {
			if t.IsString {
				if msg := kubePortName(t.StrVal); msg != "" {
					r.errorf(pp.Child("targetPort"), "named port %q: %s", t.StrVal, msg)
				}
			} else if !kubePortNumber(int64(t.IntVal)) {
				r.errorf(pp.Child("targetPort"), "%d is not a port number from 1 to 65535", t.IntVal)
			}
		}
	}
}

// kubeValidProtocol reports whether a Kubernetes protocol field holds TCP,
// UDP or SCTP, or nothing (TCP).
func kubeValidProtocol(p string) bool {
	switch p {
	case "", kubeProtocolTCP, kubeProtocolUDP, kubeProtocolSCTP:
		return true
	}
	return false
}

// endpointSlice validates a slice and converts it; false means it
// contributes nothing.
func (r *kubeReport) endpointSlice(es *KubeEndpointSlice) (model.ServiceSlice, bool) {
	var slice model.ServiceSlice
	typePath := rootPath().Child("addressType")
	var want4 bool
	switch es.AddressType {
	case "IPv4":
		want4 = true
	case "IPv6":
	case "FQDN":
		r.warnf(typePath, "FQDN endpoint slices hold no address a flow can have: the slice is ignored")
		return slice, false
	case "":
		r.errorf(typePath, "is required (IPv4, IPv6 or FQDN)")
		return slice, false
	default:
		r.errorf(typePath, "%q is not an address type (IPv4, IPv6, FQDN)", es.AddressType)
		return slice, false
	}
	for i, ep := range es.Endpoints {
		for j, a := range ep.Addresses {
			ap := rootPath().Child("endpoints").Index(i).Child("addresses").Index(j)
			addr, err := netip.ParseAddr(a)
			switch {
			case err != nil || addr.Zone() != "":
				r.errorf(ap, "%q is not an IP address", kubeClip(a))
			case addr.Is4() != want4:
				r.errorf(ap, "%q is not an %s address", a, es.AddressType)
			default:
				slice.Addresses = append(slice.Addresses, addr)
			}
		}
	}
	for i, p := range es.Ports {
		pp := rootPath().Child("ports").Index(i)
		ok := true
		var name string
		if p.Name != nil {
			name = *p.Name
			if msg := kubeDNS1123Label(name); name != "" && msg != "" {
				r.errorf(pp.Child("name"), "%q %s", name, msg)
				ok = false
			}
		}
		proto := model.ProtoTCP
		if p.Protocol != nil {
			switch *p.Protocol {
			case kubeProtocolTCP:
			case kubeProtocolUDP:
				proto = model.ProtoUDP
			case kubeProtocolSCTP:
				proto = model.ProtoSCTP
			default:
				r.errorf(pp.Child("protocol"), "%q is not supported (TCP, UDP, SCTP)", *p.Protocol)
				ok = false
			}
		}
		if p.Port != nil && !kubePortNumber(int64(*p.Port)) {
			r.errorf(pp.Child("port"), "%d is not a port number from 1 to 65535", *p.Port)
			ok = false
		}
		if ok && p.Port != nil {
			slice.Ports = append(slice.Ports, model.EndpointPort{Name: name, Protocol: proto, Port: uint16(*p.Port)})
		}
	}
	return slice, true
}

package kube

import (
	"crypto/sha1"
	"encoding/hex"
	"net/netip"
	"sort"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// Pod is a core v1 Pod, reduced to the fields that make it a Calico
// workload endpoint. Other Kubernetes fields are ignored when decoding.
type Pod struct {
	APIVersion string     `json:"apiVersion,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Metadata   ObjectMeta `json:"metadata"`
	Spec       PodSpec    `json:"spec"`
	Status     PodStatus  `json:"status"`
}

// PodSpec is the part of a pod's spec Verdict reads.
type PodSpec struct {
	// ServiceAccountName defaults to "default", as the API server sets it.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// ServiceAccount is the deprecated alias of ServiceAccountName.
	ServiceAccount string      `json:"serviceAccount,omitempty"`
	NodeName       string      `json:"nodeName,omitempty"`
	HostNetwork    bool        `json:"hostNetwork,omitempty"`
	Containers     []Container `json:"containers,omitempty"`
	InitContainers []Container `json:"initContainers,omitempty"`
}

// Container is a container of a pod, for its ports.
type Container struct {
	Name  string          `json:"name,omitempty"`
	Ports []ContainerPort `json:"ports,omitempty"`
}

// ContainerPort is a port a container declares. Calico makes it a
// named port of the endpoint when it has a name or a host port.
type ContainerPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	HostPort      int32  `json:"hostPort,omitempty"`
	// Protocol is TCP (the default), UDP or SCTP.
	Protocol string `json:"protocol,omitempty"`
	HostIP   string `json:"hostIP,omitempty"`
}

// PodStatus is the part of a pod's status Verdict reads.
type PodStatus struct {
	Phase  string  `json:"phase,omitempty"`
	PodIP  string  `json:"podIP,omitempty"`
	PodIPs []PodIP `json:"podIPs,omitempty"`
}

// PodIP is one address of a pod.
type PodIP struct {
	IP string `json:"ip"`
}

// defaultServiceAccount is the service account of a pod that names none.
const defaultServiceAccount = "default"

// ConvertPod converts a pod to the workload endpoint Calico makes of it:
// namespace "default" when the manifest gives none; the pod's labels
// without any pcns.- or pcsa.-prefixed ones (Calico strips them so that a
// pod cannot pose as another namespace or service account; a warning says
// so); orchestrator k8s; the service account (default "default"); the
// addresses of status.podIPs, or status.podIP when that list is empty;
// the container and init-container ports that have a name or a host port
// and protocol TCP, UDP or SCTP; and the profiles kns.<namespace> and
// ksa.<namespace>.<account>. The endpoint is named after the pod, and its
// interface is the veth name Calico's CNI plugin would give it.
//
// As in Calico, a pod that has finished (phase Succeeded or Failed) no
// longer owns its addresses. A host-networked pod is not a Calico workload
// at all: its addresses are the node's, so it gets none, with a warning.
func ConvertPod(p *Pod) (model.Endpoint, Problems) {
	if p == nil {
		r := newReport(kindPod, "", "")
		r.Errorf(resource.Root(), "no object")
		return model.Endpoint{}, r.Problems
	}
	ns := p.Metadata.NamespaceOrDefault()
	r := newReport(kindPod, ns, p.Metadata.Name)
	r.validateMeta(&p.Metadata, true, resource.DNS1123Subdomain)

	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = p.Spec.ServiceAccount
	}
	if sa == "" {
		sa = defaultServiceAccount
	} else if msg := resource.DNS1123Subdomain(sa); msg != "" {
		r.Errorf(resource.Root().Child("spec").Child("serviceAccountName"), "%q %s", sa, msg)
	}

	ep := model.Endpoint{
		Kind:           model.KindWorkloadEndpoint,
		Name:           p.Metadata.Name,
		Namespace:      ns,
		Labels:         r.podLabels(p.Metadata.Labels),
		ServiceAccount: sa,
		Orchestrator:   model.OrchestratorKubernetes,
		Profiles:       []string{model.NamespaceProfile(ns), model.ServiceAccountProfile(ns, sa)},
		Node:           p.Spec.NodeName,
		Interface:      vethName(ns, p.Metadata.Name),
	}
	spec := resource.Root().Child("spec")
	ep.Ports = r.podPorts(spec.Child("containers"), p.Spec.Containers, nil)
	ep.Ports = r.podPorts(spec.Child("initContainers"), p.Spec.InitContainers, ep.Ports)

	addrs := r.podAddresses(&p.Status)
	switch {
	case p.Spec.HostNetwork:
		r.Warnf(spec.Child("hostNetwork"), "a host-networked pod is not a Calico workload: its addresses are the node's and are not given to the endpoint")
	case p.Status.Phase == "Succeeded" || p.Status.Phase == "Failed":
		// Calico frees a finished pod's addresses before the pod goes away.
	default:
		ep.Addresses = addrs
	}
	return ep, r.Problems
}

// podLabels copies the labels, dropping those Calico reserves for
// namespace and service-account labels.
func (r *report) podLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	var dropped []string
	for k, v := range labels {
		if strings.HasPrefix(k, model.PrefixNamespaceLabel) || strings.HasPrefix(k, model.PrefixServiceAccountLabel) {
			dropped = append(dropped, k)
			continue
		}
		out[k] = v
	}
	sort.Strings(dropped)
	for _, k := range dropped {
		r.Warnf(resource.Root().Child("metadata").Child("labels"), "label %q is dropped: Calico reserves the pcns. and pcsa. prefixes for namespace and service-account labels", k)
	}
	return out
}

// podPorts appends the named (or host-mapped) ports of containers to
// ports, as Calico does.
func (r *report) podPorts(path *resource.Path, containers []Container, ports []model.EndpointPort) []model.EndpointPort {
	for i, c := range containers {
		for j, cp := range c.Ports {
			pp := path.Index(i).Child("ports").Index(j)
			ok := true
			if !resource.PortNumber(int64(cp.ContainerPort)) {
				r.Errorf(pp.Child("containerPort"), "%d is not a port number from 1 to 65535", cp.ContainerPort)
				ok = false
			}
			if cp.HostPort != 0 && !resource.PortNumber(int64(cp.HostPort)) {
				r.Errorf(pp.Child("hostPort"), "%d is not a port number from 1 to 65535", cp.HostPort)
				ok = false
			}
			if cp.Name != "" {
				if msg := resource.PortName(cp.Name); msg != "" {
					r.Errorf(pp.Child("name"), "%q: %s", cp.Name, msg)
					ok = false
				}
			}
			var proto uint8
			switch cp.Protocol {
			case protocolTCP, "":
				proto = model.ProtoTCP
			case protocolUDP:
				proto = model.ProtoUDP
			case protocolSCTP:
				proto = model.ProtoSCTP
			default:
				r.Errorf(pp.Child("protocol"), "%q is not supported (TCP, UDP, SCTP)", cp.Protocol)
				ok = false
			}
			if !ok || (cp.Name == "" && cp.HostPort == 0) {
				continue
			}
			ports = append(ports, model.EndpointPort{Name: cp.Name, Protocol: proto, Port: uint16(cp.ContainerPort)})
		}
	}
	return ports
}

// podAddresses reads status.podIPs, or status.podIP when the list is
// empty.
func (r *report) podAddresses(s *PodStatus) []netip.Addr {
	status := resource.Root().Child("status")
	var addrs []netip.Addr
	if len(s.PodIPs) > 0 {
		for i, ip := range s.PodIPs {
			a, err := model.ParseAddr(ip.IP)
			if err != nil {
				r.Errorf(status.Child("podIPs").Index(i).Child("ip"), "%v", err)
				continue
			}
			addrs = append(addrs, a)
		}
		return addrs
	}
	if s.PodIP != "" {
		a, err := model.ParseAddr(s.PodIP)
		if err != nil {
			r.Errorf(status.Child("podIP"), "%v", err)
			return nil
		}
		addrs = append(addrs, a)
	}
	return addrs
}

// vethName is the host-side interface name Calico's CNI plugin gives
// a pod: "cali" and the first 11 hex digits of the SHA-1 of
// "<namespace>.<pod>". It only names the endpoint; it never changes a
// verdict.
func vethName(namespace, pod string) string {
	sum := sha1.Sum([]byte(namespace + "." + pod))
	return "cali" + hex.EncodeToString(sum[:])[:11]
}

package policy

import (
	"crypto/sha1"
	"encoding/hex"
	"net/netip"
	"sort"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// KubePod is a core v1 Pod, reduced to the fields that make it a Calico
// workload endpoint. Other Kubernetes fields are ignored when decoding.
type KubePod struct {
	APIVersion string        `json:"apiVersion,omitempty"`
	Kind       string        `json:"kind,omitempty"`
	Metadata   ObjectMeta    `json:"metadata"`
	Spec       KubePodSpec   `json:"spec"`
	Status     KubePodStatus `json:"status"`
}

// KubePodSpec is the part of a pod's spec Verdict reads.
type KubePodSpec struct {
	// ServiceAccountName defaults to "default", as the API server sets it.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// ServiceAccount is the deprecated alias of ServiceAccountName.
	ServiceAccount string          `json:"serviceAccount,omitempty"`
	NodeName       string          `json:"nodeName,omitempty"`
	HostNetwork    bool            `json:"hostNetwork,omitempty"`
	Containers     []KubeContainer `json:"containers,omitempty"`
	InitContainers []KubeContainer `json:"initContainers,omitempty"`
}

// KubeContainer is a container of a pod, for its ports.
type KubeContainer struct {
	Name  string              `json:"name,omitempty"`
	Ports []KubeContainerPort `json:"ports,omitempty"`
}

// KubeContainerPort is a port a container declares. Calico makes it a
// named port of the endpoint when it has a name or a host port.
type KubeContainerPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	HostPort      int32  `json:"hostPort,omitempty"`
	// Protocol is TCP (the default), UDP or SCTP.
	Protocol string `json:"protocol,omitempty"`
	HostIP   string `json:"hostIP,omitempty"`
}

// KubePodStatus is the part of a pod's status Verdict reads.
type KubePodStatus struct {
	Phase  string      `json:"phase,omitempty"`
	PodIP  string      `json:"podIP,omitempty"`
	PodIPs []KubePodIP `json:"podIPs,omitempty"`
}

// KubePodIP is one address of a pod.
type KubePodIP struct {
	IP string `json:"ip"`
}

// Prefixes of the labels Calico gives endpoints from their namespace and
// service account, and of the profiles carrying them.
const (
	kubeNamespaceLabelPrefix        = "pcns."
	kubeServiceAccountLabelPrefix   = "pcsa."
	kubeNamespaceProfilePrefix      = "kns."
	kubeServiceAccountProfilePrefix = "ksa."
	kubeNameLabel                   = "projectcalico.org/name"
	kubeOrchestrator                = "k8s"
	kubeDefaultServiceAccount       = "default"
)

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
func ConvertPod(p *KubePod) (model.Endpoint, Problems) {
	if p == nil {
		r := newKubeReport(kubeKindPod, "", "")
		r.errorf(rootPath(), "no object")
		return model.Endpoint{}, r.problems
	}
	ns := p.Metadata.namespaceOrDefault()
	r := newKubeReport(kubeKindPod, ns, p.Metadata.Name)
	r.validateMeta(&p.Metadata, true, kubeDNS1123Subdomain)

	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = p.Spec.ServiceAccount
	}
	if sa == "" {
		sa = kubeDefaultServiceAccount
	} else if msg := kubeDNS1123Subdomain(sa); msg != "" {
		r.errorf(rootPath().Child("spec").Child("serviceAccountName"), "%q %s", sa, msg)
	}

	ep := model.Endpoint{
		Kind:           model.WorkloadEndpoint,
		Name:           p.Metadata.Name,
		Namespace:      ns,
		Labels:         r.podLabels(p.Metadata.Labels),
		ServiceAccount: sa,
		Orchestrator:   kubeOrchestrator,
		Profiles:       []string{kubeNamespaceProfilePrefix + ns, kubeServiceAccountProfilePrefix + ns + "." + sa},
		Node:           p.Spec.NodeName,
		Interface:      kubeVethName(ns, p.Metadata.Name),
	}
	spec := rootPath().Child("spec")
	ep.Ports = r.podPorts(spec.Child("containers"), p.Spec.Containers, nil)
	ep.Ports = r.podPorts(spec.Child("initContainers"), p.Spec.InitContainers, ep.Ports)

	addrs := r.podAddresses(&p.Status)
	switch {
	case p.Spec.HostNetwork:
		r.warnf(spec.Child("hostNetwork"), "a host-networked pod is not a Calico workload: its addresses are the node's and are not given to the endpoint")
	case p.Status.Phase == "Succeeded" || p.Status.Phase == "Failed":
		// Calico frees a finished pod's addresses before the pod goes away.
	default:
		ep.Addresses = addrs
	}
	return ep, r.problems
}

// podLabels copies the labels, dropping those Calico reserves for
// namespace and service-account labels.
func (r *kubeReport) podLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	var dropped []string
	for k, v := range labels {
		if strings.HasPrefix(k, kubeNamespaceLabelPrefix) || strings.HasPrefix(k, kubeServiceAccountLabelPrefix) {
			dropped = append(dropped, k)
			continue
		}
		out[k] = v
	}
	sort.Strings(dropped)
	for _, k := range dropped {
		r.warnf(rootPath().Child("metadata").Child("labels"), "label %q is dropped: Calico reserves the pcns. and pcsa. prefixes for namespace and service-account labels", k)
	}
	return out
}

// podPorts appends the named (or host-mapped) ports of containers to
// ports, as Calico does.
func (r *kubeReport) podPorts(path *fieldPath, containers []KubeContainer, ports []model.EndpointPort) []model.EndpointPort {
	for i, c := range containers {
		for j, cp := range c.Ports {
			pp := path.Index(i).Child("ports").Index(j)
			ok := true
			if !kubePortNumber(int64(cp.ContainerPort)) {
				r.errorf(pp.Child("containerPort"), "%d is not a port number from 1 to 65535", cp.ContainerPort)
				ok = false
			}
			if cp.HostPort != 0 && !kubePortNumber(int64(cp.HostPort)) {
				r.errorf(pp.Child("hostPort"), "%d is not a port number from 1 to 65535", cp.HostPort)
				ok = false
			}
			if cp.Name != "" {
				if msg := kubePortName(cp.Name); msg != "" {
					r.errorf(pp.Child("name"), "%q: %s", cp.Name, msg)
					ok = false
				}
			}
			var proto uint8
			switch cp.Protocol {
			case kubeProtocolTCP, "":
				proto = model.ProtoTCP
			case kubeProtocolUDP:
				proto = model.ProtoUDP
			case kubeProtocolSCTP:
				proto = model.ProtoSCTP
			default:
				r.errorf(pp.Child("protocol"), "%q is not supported (TCP, UDP, SCTP)", cp.Protocol)
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
func (r *kubeReport) podAddresses(s *KubePodStatus) []netip.Addr {
	status := rootPath().Child("status")
	var addrs []netip.Addr
	if len(s.PodIPs) > 0 {
		for i, ip := range s.PodIPs {
			a, err := netip.ParseAddr(ip.IP)
			if err != nil || a.Zone() != "" {
				r.errorf(status.Child("podIPs").Index(i).Child("ip"), "%q is not an IP address", kubeClip(ip.IP))
				continue
			}
			addrs = append(addrs, a)
		}
		return addrs
	}
	if s.PodIP != "" {
		a, err := netip.ParseAddr(s.PodIP)
		if err != nil || a.Zone() != "" {
			r.errorf(status.Child("podIP"), "%q is not an IP address", kubeClip(s.PodIP))
			return nil
		}
		addrs = append(addrs, a)
	}
	return addrs
}

// kubeVethName is the host-side interface name Calico's CNI plugin gives
// a pod: "cali" and the first 11 hex digits of the SHA-1 of
// "<namespace>.<pod>". It only names the endpoint; it never changes a
// verdict.
func kubeVethName(namespace, pod string) string {
	sum := sha1.Sum([]byte(namespace + "." + pod))
	return "cali" + hex.EncodeToString(sum[:])[:11]
}

package policy

import (
	"fmt"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// API versions Verdict reads, besides Calico's own.
const (
	kubeCoreAPIVersion          = "v1"
	kubeNetworkingAPIVersion    = "networking.k8s.io/v1"
	kubeNetworkPolicyAPIVersion = "policy.networking.k8s.io/v1alpha2"
	kubeDiscoveryAPIVersion     = "discovery.k8s.io/v1"
)

// addResource decodes one resource by its apiVersion and kind and adds
// what it gives to the load. legacy marks a document translated from a
// legacy or Docker input.
func (l *Loader) addResource(o origin, obj map[string]any) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case apiVersion == calicoAPIVersion && kind == kubeKindStagedNetworkPolicy:
		l.counts[kind]++
		l.addStagedKubePolicy(o, obj)
	case apiVersion == calicoAPIVersion:
		if l.addCalico(o, kind, obj, false) {
			l.counts[kind]++
		}
	case apiVersion == kubeNetworkingAPIVersion && kind == kubeKindNetworkPolicy:
		l.counts[kind]++
		l.addKubePolicy(o, obj)
	case apiVersion == kubeNetworkPolicyAPIVersion && kind == kubeKindClusterPolicy:
		l.counts[kind]++
		l.addClusterPolicy(o, obj)
	case apiVersion == kubeCoreAPIVersion && l.addCore(o, kind, obj):
		l.counts[kind]++
	case apiVersion == kubeDiscoveryAPIVersion && kind == kubeKindEndpointSlice:
		l.counts[kind]++
		var es KubeEndpointSlice
		strict := decodeStrict(obj, &es, true, rootPath())
		l.report(o, fillResource(strict, kind, es.Metadata.namespaceOrDefault(), es.Metadata.Name))
		l.kubeOrig[model.Key{Kind: kind, Namespace: es.Metadata.namespaceOrDefault(), Name: es.Metadata.Name}] = o
		l.slices = append(l.slices, es)
	case apiVersion == "" && kind == "":
		if !l.addUnkinded(o, obj) {
			l.report(o, Problems{{Severity: SeverityError, Msg: "not a resource Verdict knows: no apiVersion and kind, and not a legacy profile rules or Docker document"}})
		}
	default:
		l.unknownKind(o, apiVersion, kind)
	}
}

func (l *Loader) unknownKind(o origin, apiVersion, kind string) {
	p := Problem{Severity: SeverityError, Path: "kind"}
	switch {
	case kind == "":
		p.Msg = "is required"
	case apiVersion == "":
		p.Path = "apiVersion"
		p.Msg = fmt.Sprintf("is required for kind %q", kind)
	default:
		p.Msg = fmt.Sprintf("unknown kind %q of apiVersion %q", kind, apiVersion)
	}
	l.report(o, Problems{p})
}

// fillResource names the resource in problems that lack it.
func fillResource(ps Problems, kind, namespace, name string) Problems {
	for i := range ps {
		if ps[i].Kind == "" && ps[i].Name == "" {
			ps[i].Kind, ps[i].Namespace, ps[i].Name = kind, namespace, name
		}
	}
	return ps
}

// finishResource reports a converted resource's problems, the strict
// decoder's first, and tells whether it is free of errors. A field the
// strict decoder could not read holds its zero value, so what conversion
// then says about that field (or below it) is left out: the decoder has
// already named the cause.
func (l *Loader) finishResource(o origin, strict Problems, r *report) bool {
	all := fillResource(strict, r.kind, r.namespace, r.name)
	for _, p := range r.problems {
		if !underAny(p.Path, strict) {
			all = append(all, p)
		}
	}
	l.report(o, all)
	return len(all.Errors()) == 0
}

// underAny reports whether path is the path of one of the problems, or
// lies below it; a problem with no path covers the whole resource.
func underAny(path string, ps Problems) bool {
	for _, p := range ps {
		if p.Path == "" || path == p.Path || strings.HasPrefix(path, p.Path+".") || strings.HasPrefix(path, p.Path+"[") {
			return true
		}
	}
	return false
}

// addCalico decodes a projectcalico.org/v3 resource strictly. It returns
// false for a kind Calico v3 does not have (or Verdict does not read).
func (l *Loader) addCalico(o origin, kind string, obj map[string]any, legacy bool) bool {
	switch kind {
	case model.ResourceTier:
		var in v3Tier
		strict := decodeStrict(obj, &in, false, rootPath())
		t, r := l.conv.tier(&in)
		if t.Name != "" {
			// Even a Tier with problems exists as far as its policies are
			// concerned: they should not be blamed for its mistakes.
			l.tierNames[t.Name] = true
		}
		if l.finishResource(o, strict, r) && l.claim(o, model.Key{Kind: kind, Name: t.Name}) {
			l.set.Tiers = append(l.set.Tiers, t)
		}
	case string(model.KindGlobalNetworkPolicy), string(model.KindStagedGlobalNetworkPolicy):
		var in v3GlobalPolicy
		strict := decodeStrict(obj, &in, false, rootPath())
		if kind == string(model.KindGlobalNetworkPolicy) && in.Spec.StagedAction != "" {
			strict = append(strict, Problem{Severity: SeverityError, Path: "spec.stagedAction", Msg: `unknown field "stagedAction": only staged policies have one`})
		}
		p, inSet, r := l.conv.globalPolicy(model.Kind(kind), &in)
		l.addPolicy(o, p, inSet, l.finishResource(o, strict, r))
	case string(model.KindNetworkPolicy), string(model.KindStagedNetworkPolicy):
		var in v3NamespacedPolicy
		strict := decodeStrict(obj, &in, false, rootPath())
		if kind == string(model.KindNetworkPolicy) && in.Spec.StagedAction != "" {
			strict = append(strict, Problem{Severity: SeverityError, Path: "spec.stagedAction", Msg: `unknown field "stagedAction": only staged policies have one`})
		}
		p, inSet, r := l.conv.namespacedPolicy(model.Kind(kind), &in)
		l.addPolicy(o, p, inSet, l.finishResource(o, strict, r))
	case model.ResourceProfile:
		var in v3Profile
		strict := decodeStrict(obj, &in, false, rootPath())
		p, r := l.conv.profile(&in, legacy)
		if l.finishResource(o, strict, r) && l.claim(o, p.Key()) {
			l.set.Profiles = append(l.set.Profiles, p)
		}
	case model.ResourceNetworkSet, model.ResourceGlobalNetworkSet:
		var in v3NetworkSet
		strict := decodeStrict(obj, &in, false, rootPath())
		ns, r := l.conv.networkSet(kind, &in)
		if l.finishResource(o, strict, r) && l.claim(o, ns.Key()) {
			l.set.NetworkSets = append(l.set.NetworkSets, ns)
		}
	case string(model.HostEndpoint):
		var in v3HostEndpoint
		strict := decodeStrict(obj, &in, false, rootPath())
		ep, r := l.conv.hostEndpoint(&in, legacy)
		l.addEndpoint(o, ep, l.finishResource(o, strict, r))
	case string(model.WorkloadEndpoint):
		var in v3WorkloadEndpoint
		strict := decodeStrict(obj, &in, false, rootPath())
		ep, r := l.conv.workloadEndpoint(&in, legacy)
		l.addEndpoint(o, ep, l.finishResource(o, strict, r))
	default:
		l.unknownKind(o, calicoAPIVersion, kind)
		return false
	}
	return true
}

// addPolicy adds a converted policy: its tier is checked at Finish, and a
// staged Delete (inSet false) is validated but left out of the model.
func (l *Loader) addPolicy(o origin, p model.Policy, inSet, ok bool) {
	if p.Name == "" {
		return
	}
	if p.Tier != "" && kubeDNS1123Label(p.Tier) == "" {
		l.tierRefs = append(l.tierRefs, tierRef{origin: o, kind: string(p.Kind), namespace: p.Namespace, name: p.Name, tier: p.Tier})
	}
	if l.claim(o, p.Key()) && ok && inSet {
		l.set.Policies = append(l.set.Policies, p)
	}
}

func (l *Loader) addEndpoint(o origin, ep model.Endpoint, ok bool) {
	if ep.Name != "" && l.claim(o, ep.Key()) && ok {
		l.set.Endpoints = append(l.set.Endpoints, ep)
	}
}

// addKubePolicy reads a networking.k8s.io/v1 NetworkPolicy.
func (l *Loader) addKubePolicy(o origin, obj map[string]any) {
	var np KubernetesNetworkPolicy
	strict := decodeStrict(obj, &np, false, rootPath())
	p, probs := ConvertKubernetesNetworkPolicy(&np)
	all := append(fillResource(strict, kubeKindNetworkPolicy, np.Metadata.namespaceOrDefault(), np.Metadata.Name), probs...)
	l.report(o, all)
	l.addPolicy(o, p, true, len(all.Errors()) == 0)
}

// addClusterPolicy reads a ClusterNetworkPolicy; one Calico would drop is
// validated but left out.
func (l *Loader) addClusterPolicy(o origin, obj map[string]any) {
	var c ClusterNetworkPolicy
	strict := decodeStrict(obj, &c, false, rootPath())
	p, keep, probs := ConvertClusterNetworkPolicy(&c)
	all := append(fillResource(strict, kubeKindClusterPolicy, "", c.Metadata.Name), probs...)
	l.report(o, all)
	if p.Name == "" {
		p.Kind, p.Name = model.KindKubernetesClusterNetworkPolicy, c.Metadata.Name
	}
	l.addPolicy(o, p, keep, len(all.Errors()) == 0)
}

// addStagedKubePolicy reads a StagedKubernetesNetworkPolicy; a staged
// Delete is validated but left out.
func (l *Loader) addStagedKubePolicy(o origin, obj map[string]any) {
	var s StagedKubernetesNetworkPolicy
	strict := decodeStrict(obj, &s, false, rootPath())
	p, keep, probs := ConvertStagedKubernetesNetworkPolicy(&s)
	all := append(fillResource(strict, kubeKindStagedNetworkPolicy, s.Metadata.namespaceOrDefault(), s.Metadata.Name), probs...)
	l.report(o, all)
	if p.Name == "" {
		p.Kind, p.Namespace, p.Name = model.KindStagedKubernetesNetworkPolicy, s.Metadata.namespaceOrDefault(), s.Metadata.Name
	}
	l.addPolicy(o, p, keep, len(all.Errors()) == 0)
}

// addCore reads the core v1 kinds: Kubernetes' workload kinds (whose
// fields Verdict does not use are ignored) and Calico's own v1 kinds. It
// returns false for a kind it does not know.
func (l *Loader) addCore(o origin, kind string, obj map[string]any) bool {
	switch kind {
	case kubeKindPod:
		var p KubePod
		strict := decodeStrict(obj, &p, true, rootPath())
		ep, probs := ConvertPod(&p)
		all := append(fillResource(strict, kind, ep.Namespace, ep.Name), probs...)
		l.report(o, all)
		l.addEndpoint(o, ep, len(all.Errors()) == 0)
		if ep.Name != "" {
			l.podNS = append(l.podNS, podNamespace{origin: o, pod: ep.Name, namespace: ep.Namespace})
		}
	case kubeKindNamespace:
		var n KubeNamespace
		strict := decodeStrict(obj, &n, true, rootPath())
		all := append(fillResource(strict, kind, "", n.Metadata.Name), n.Validate()...)
		l.report(o, all)
		ns := ConvertNamespace(&n)
		if ns.Name != "" && l.claim(o, ns.Key()) && len(all.Errors()) == 0 {
			l.set.Namespaces = append(l.set.Namespaces, ns)
		}
	case kubeKindServiceAccount:
		var s KubeServiceAccount
		strict := decodeStrict(obj, &s, true, rootPath())
		all := append(fillResource(strict, kind, s.Metadata.namespaceOrDefault(), s.Metadata.Name), s.Validate()...)
		l.report(o, all)
		sa := ConvertServiceAccount(&s)
		if sa.Name != "" && l.claim(o, sa.Key()) && len(all.Errors()) == 0 {
			l.set.ServiceAccounts = append(l.set.ServiceAccounts, sa)
		}
	case kubeKindService:
		var s KubeService
		strict := decodeStrict(obj, &s, true, rootPath())
		l.report(o, fillResource(strict, kind, s.Metadata.namespaceOrDefault(), s.Metadata.Name))
		l.kubeOrig[model.Key{Kind: kind, Namespace: s.Metadata.namespaceOrDefault(), Name: s.Metadata.Name}] = o
		l.svcs = append(l.svcs, s)
	default:
		return l.addLegacyV1(o, kind, obj)
	}
	return true
}

// finishServices builds the services from every Service and EndpointSlice
// of the load.
func (l *Loader) finishServices() {
	if len(l.svcs) == 0 && len(l.slices) == 0 {
		return
	}
	svcs, probs := BuildServices(l.svcs, l.slices)
	for _, p := range probs {
		o := l.kubeOrig[model.Key{Kind: p.Kind, Namespace: p.Namespace, Name: p.Name}]
		l.report(o, Problems{p})
	}
	l.set.Services = append(l.set.Services, svcs...)
}

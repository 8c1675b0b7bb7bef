package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/verdictlabs/verdict/internal/suggest"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
	"github.com/verdictlabs/verdict/policy/kube"
)

// addResource decodes one resource by its apiVersion and kind and adds
// what it gives to the load. legacy marks a document translated from a
// legacy or Docker input.
func (l *Loader) addResource(o origin, obj map[string]any) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case apiVersion == calicoAPIVersion && kind == kube.KindStagedKubernetesNetworkPolicy:
		l.counts[kind]++
		p, keep, probs := kube.ReadStagedKubernetesNetworkPolicy(obj)
		l.report(o, probs)
		l.addPolicy(o, p, keep, len(probs.Errors()) == 0)
	case apiVersion == calicoAPIVersion:
		if l.addCalico(o, model.Kind(kind), obj, false) {
			l.counts[kind]++
		}
	case apiVersion == kube.NetworkingAPIVersion && kind == kube.KindNetworkPolicy:
		l.counts[kind]++
		p, probs := kube.ReadNetworkPolicy(obj)
		l.report(o, probs)
		l.addPolicy(o, p, true, len(probs.Errors()) == 0)
	case apiVersion == kube.NetworkPolicyAPIVersion && kind == kube.KindClusterNetworkPolicy:
		l.counts[kind]++
		// One Calico would drop is validated but left out.
		p, keep, probs := kube.ReadClusterNetworkPolicy(obj)
		l.report(o, probs)
		l.addPolicy(o, p, keep, len(probs.Errors()) == 0)
	case apiVersion == kube.CoreAPIVersion && l.addCore(o, kind, obj):
		l.counts[kind]++
	case apiVersion == kube.DiscoveryAPIVersion && kind == kube.KindEndpointSlice:
		l.counts[kind]++
		key, probs := l.services.AddEndpointSlice(obj)
		l.report(o, probs)
		l.kubeOrig[key] = o
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
		p.Path, p.Msg = kindProblem(apiVersion, kind)
	}
	l.report(o, Problems{p})
}

// knownKinds are the kinds the loader reads, by apiVersion.
var knownKinds = map[string][]string{
	calicoAPIVersion: {
		string(model.KindTier), string(model.KindGlobalNetworkPolicy), string(model.KindStagedGlobalNetworkPolicy),
		string(model.KindNetworkPolicy), string(model.KindStagedNetworkPolicy), kube.KindStagedKubernetesNetworkPolicy,
		string(model.KindProfile), string(model.KindNetworkSet), string(model.KindGlobalNetworkSet),
		string(model.KindHostEndpoint), string(model.KindWorkloadEndpoint),
	},
	kube.NetworkingAPIVersion:    {kube.KindNetworkPolicy},
	kube.NetworkPolicyAPIVersion: {kube.KindClusterNetworkPolicy},
	kube.CoreAPIVersion: {
		kube.KindPod, kube.KindNamespace, kube.KindServiceAccount, kube.KindService,
		"policy", "profile", "workloadEndpoint", "hostEndpoint",
	},
	kube.DiscoveryAPIVersion: {kube.KindEndpointSlice},
}

// kindProblem says what is wrong with an apiVersion and kind the loader
// does not read: a kind it knows under another apiVersion is the
// apiVersion's fault; otherwise the kind is unknown, with the nearest
// known kind when one is close.
func kindProblem(apiVersion, kind string) (path, msg string) {
	var versions []string
	for _, v := range sortedKinds() {
		if slices.Contains(knownKinds[v], kind) {
			versions = append(versions, v)
		}
	}
	if len(versions) > 0 {
		return "apiVersion", fmt.Sprintf("%q is not an apiVersion of kind %s, which is %s", apiVersion, kind, strings.Join(versions, " or "))
	}
	msg = fmt.Sprintf("unknown kind %q of apiVersion %q", kind, apiVersion)
	best, bestVersion, bestDist := "", "", 3 // farther than two edits is no suggestion
	for _, v := range sortedKinds() {
		for _, k := range knownKinds[v] {
			d := suggest.Distance(strings.ToLower(kind), strings.ToLower(k))
			if v != apiVersion {
				d++ // a kind of the given apiVersion is the likelier meaning
			}
			if d < bestDist {
				best, bestVersion, bestDist = k, v, d
			}
		}
	}
	switch {
	case best == "":
	case bestVersion == apiVersion:
		msg += fmt.Sprintf("; did you mean %s?", best)
	default:
		msg += fmt.Sprintf("; did you mean %s (apiVersion %s)?", best, bestVersion)
	}
	return "kind", msg
}

// sortedKinds returns the apiVersions of knownKinds in a fixed order.
func sortedKinds() []string {
	versions := make([]string, 0, len(knownKinds))
	for v := range knownKinds {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	return versions
}

// finishResource reports a converted resource's problems, the strict
// decoder's first, and tells whether it is free of errors. A field the
// strict decoder could not read holds its zero value, so what conversion
// then says about that field (or below it) is left out: the decoder has
// already named the cause.
func (l *Loader) finishResource(o origin, strict Problems, r *report) bool {
	all := strict.Named(r.Kind, r.Namespace, r.Name)
	for _, p := range r.Problems {
		if !strict.Covers(p.Path) {
			all = append(all, p)
		}
	}
	l.report(o, all)
	return len(all.Errors()) == 0
}

// addCalico decodes a projectcalico.org/v3 resource strictly. It returns
// false for a kind Calico v3 does not have (or Verdict does not read).
func (l *Loader) addCalico(o origin, kind model.Kind, obj map[string]any, legacy bool) bool {
	switch kind {
	case model.KindTier:
		var in v3Tier
		strict := resource.DecodeStrict(obj, &in, false, resource.Root())
		t, r := l.conv.tierFromV3(&in)
		if t.Name != "" {
			// Even a Tier with problems exists as far as its policies are
			// concerned: they should not be blamed for its mistakes.
			l.tierNames[t.Name] = true
		}
		if l.finishResource(o, strict, r) && l.claim(o, model.Key{Kind: kind, Name: t.Name}) {
			l.set.Tiers = append(l.set.Tiers, t)
		}
	case model.KindGlobalNetworkPolicy, model.KindStagedGlobalNetworkPolicy:
		var in v3GlobalPolicy
		strict := resource.DecodeStrict(obj, &in, false, resource.Root())
		if kind == model.KindGlobalNetworkPolicy && in.Spec.StagedAction != "" {
			strict = append(strict, Problem{Severity: SeverityError, Path: "spec.stagedAction", Msg: `unknown field "stagedAction": only staged policies have one`})
		}
		p, inSet, r := l.conv.globalPolicyFromV3(model.Kind(kind), &in)
		l.addPolicy(o, p, inSet, l.finishResource(o, strict, r))
	case model.KindNetworkPolicy, model.KindStagedNetworkPolicy:
		var in v3NamespacedPolicy
		strict := resource.DecodeStrict(obj, &in, false, resource.Root())
		if kind == model.KindNetworkPolicy && in.Spec.StagedAction != "" {
			strict = append(strict, Problem{Severity: SeverityError, Path: "spec.stagedAction", Msg: `unknown field "stagedAction": only staged policies have one`})
		}
		p, inSet, r := l.conv.namespacedPolicyFromV3(model.Kind(kind), &in)
		l.addPolicy(o, p, inSet, l.finishResource(o, strict, r))
	case model.KindProfile:
		var in v3Profile
		strict := resource.DecodeStrict(obj, &in, false, resource.Root())
		p, r := l.conv.profileFromV3(&in, legacy)
		if l.finishResource(o, strict, r) && l.claim(o, p.Key()) {
			l.set.Profiles = append(l.set.Profiles, p)
		}
	case model.KindNetworkSet, model.KindGlobalNetworkSet:
		var in v3NetworkSet
		strict := resource.DecodeStrict(obj, &in, false, resource.Root())
		ns, r := l.conv.networkSetFromV3(kind, &in)
		if l.finishResource(o, strict, r) && l.claim(o, ns.Key()) {
			l.set.NetworkSets = append(l.set.NetworkSets, ns)
		}
	case model.KindHostEndpoint:
		var in v3HostEndpoint
		strict := resource.DecodeStrict(obj, &in, false, resource.Root())
		ep, r := l.conv.hostEndpointFromV3(&in, legacy)
		l.addEndpoint(o, ep, l.finishResource(o, strict, r))
	case model.KindWorkloadEndpoint:
		var in v3WorkloadEndpoint
		strict := resource.DecodeStrict(obj, &in, false, resource.Root())
		ep, r := l.conv.workloadEndpointFromV3(&in, legacy)
		l.addEndpoint(o, ep, l.finishResource(o, strict, r))
	default:
		l.unknownKind(o, calicoAPIVersion, string(kind))
		return false
	}
	return true
}

// addPolicy adds a converted policy: its tier is checked at Finish, and a
// staged Delete (inSet false) is validated, left out of the model and
// listed in Result.StagedDeletes.
func (l *Loader) addPolicy(o origin, p model.Policy, inSet, ok bool) {
	if p.Name == "" {
		return
	}
	if p.Tier != "" && resource.DNS1123Label(p.Tier) == "" {
		l.tierRefs = append(l.tierRefs, tierRef{origin: o, kind: string(p.Kind), namespace: p.Namespace, name: p.Name, tier: p.Tier})
	}
	if !l.claim(o, p.Key()) || !ok {
		return
	}
	switch {
	case inSet:
		l.set.Policies = append(l.set.Policies, p)
	case p.Kind.Staged():
		l.stagedDeletes = append(l.stagedDeletes, p.Key())
	}
}

func (l *Loader) addEndpoint(o origin, ep model.Endpoint, ok bool) {
	if ep.Name != "" && l.claim(o, ep.Key()) && ok {
		l.set.Endpoints = append(l.set.Endpoints, ep)
	}
}

// addCore reads the core v1 kinds: Kubernetes' workload kinds (whose
// fields Verdict does not use are ignored) and Calico's own v1 kinds. It
// returns false for a kind it does not know.
func (l *Loader) addCore(o origin, kind string, obj map[string]any) bool {
	switch kind {
	case kube.KindPod:
		ep, probs := kube.ReadPod(obj)
		l.report(o, probs)
		l.addEndpoint(o, ep, len(probs.Errors()) == 0)
		if ep.Name != "" {
			l.podNS = append(l.podNS, podNamespace{origin: o, pod: ep.Name, namespace: ep.Namespace})
		}
	case kube.KindNamespace:
		ns, probs := kube.ReadNamespace(obj)
		l.report(o, probs)
		if ns.Name != "" && l.claim(o, ns.Key()) && len(probs.Errors()) == 0 {
			l.set.Namespaces = append(l.set.Namespaces, ns)
		}
	case kube.KindServiceAccount:
		sa, probs := kube.ReadServiceAccount(obj)
		l.report(o, probs)
		if sa.Name != "" && l.claim(o, sa.Key()) && len(probs.Errors()) == 0 {
			l.set.ServiceAccounts = append(l.set.ServiceAccounts, sa)
		}
	case kube.KindService:
		key, probs := l.services.AddService(obj)
		l.report(o, probs)
		l.kubeOrig[key] = o
	default:
		return l.addLegacyV1(o, kind, obj)
	}
	return true
}

// finishServices builds the services from every Service and EndpointSlice
// of the load.
func (l *Loader) finishServices() {
	if l.services.Len() == 0 {
		return
	}
	svcs, probs := l.services.Build()
	for _, p := range probs {
		o := l.kubeOrig[model.Key{Kind: model.Kind(p.Kind), Namespace: p.Namespace, Name: p.Name}]
		l.report(o, Problems{p})
	}
	l.set.Services = append(l.set.Services, svcs...)
}

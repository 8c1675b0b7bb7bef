package workload

import (
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// world is the vocabulary of a set that selectors and rules are drawn
// from: which namespaces, applications, labels, service accounts,
// services and ranges exist. It is read from a model.Set, so the policies
// of a new cluster and those a change stream adds later come from the
// same code. Everything is sorted, so that drawing from it is
// deterministic.
type world struct {
	namespaces []string               // every namespace
	appNS      []string               // namespaces that are not system ones
	nsVocab    *labelVocab            // namespace labels
	podVocab   map[string]*labelVocab // pod labels per namespace
	allPods    *labelVocab            // pod labels across the cluster
	saVocab    *labelVocab            // service-account labels
	accounts   map[string][]string    // service-account names per namespace
	netVocab   *labelVocab            // network-set labels
	hostVocab  *labelVocab            // host-endpoint labels
	services   []model.Key
	tiers      []string
	outsideV4  []netip.Prefix // CIDRs outside the cluster, from network sets
	outsideV6  []netip.Prefix
	ipv6       bool
}

// labelVocab lists label keys and the values seen for each.
type labelVocab struct {
	keys   []string
	values map[string][]string
	seen   map[string]map[string]bool // collects values until finish
}

func newLabelVocab() *labelVocab {
	return &labelVocab{values: map[string][]string{}, seen: map[string]map[string]bool{}}
}

// controllerKeys are the labels Kubernetes controllers put on the pods
// they make, unique per rollout or per pod; policies in real clusters do
// not select on them, so generated selectors do not either.
var controllerKeys = map[string]bool{
	"pod-template-hash":                  true,
	"controller-revision-hash":           true,
	"statefulset.kubernetes.io/pod-name": true,
}

func (v *labelVocab) add(labels map[string]string) {
	for k, val := range labels {
		if controllerKeys[k] {
			continue
		}
		if v.seen[k] == nil {
			v.seen[k] = map[string]bool{}
		}
		v.seen[k][val] = true
	}
}

// finish lists the keys and values, sorted.
func (v *labelVocab) finish() *labelVocab {
	for k, vals := range v.seen {
		v.keys = append(v.keys, k)
		v.values[k] = slices.Sorted(maps.Keys(vals))
	}
	sort.Strings(v.keys)
	v.seen = nil
	return v
}

// readWorld reads the vocabulary of a set.
func readWorld(set *model.Set) *world {
	w := &world{
		nsVocab:   newLabelVocab(),
		podVocab:  map[string]*labelVocab{},
		allPods:   newLabelVocab(),
		saVocab:   newLabelVocab(),
		accounts:  map[string][]string{},
		netVocab:  newLabelVocab(),
		hostVocab: newLabelVocab(),
	}
	for _, ns := range set.Namespaces {
		w.namespaces = append(w.namespaces, ns.Name)
		if !isSystemNamespace(ns.Name) {
			w.appNS = append(w.appNS, ns.Name)
		}
		w.nsVocab.add(ns.Labels)
		w.podVocab[ns.Name] = newLabelVocab()
	}
	for _, sa := range set.ServiceAccounts {
		w.accounts[sa.Namespace] = append(w.accounts[sa.Namespace], sa.Name)
		w.saVocab.add(sa.Labels)
	}
	for _, ep := range set.Endpoints {
		for _, a := range ep.Addresses {
			w.ipv6 = w.ipv6 || a.Is6()
		}
		if ep.Kind == model.KindHostEndpoint {
			w.hostVocab.add(ep.Labels)
			continue
		}
		w.allPods.add(ep.Labels)
		if v := w.podVocab[ep.Namespace]; v != nil {
			v.add(ep.Labels)
		}
	}
	for _, ns := range set.NetworkSets {
		w.netVocab.add(ns.Labels)
		for _, p := range ns.Nets {
			if p.Overlaps(clusterV4) || p.Overlaps(clusterV6) {
				continue
			}
			if p.Addr().Is4() {
				w.outsideV4 = append(w.outsideV4, p)
			} else {
				w.outsideV6 = append(w.outsideV6, p)
				w.ipv6 = true
			}
		}
	}
	for _, svc := range set.Services {
		w.services = append(w.services, svc.Key())
	}
	for _, t := range set.Tiers {
		w.tiers = append(w.tiers, t.Name)
	}
	sort.Strings(w.namespaces)
	sort.Strings(w.appNS)
	sort.Strings(w.tiers)
	for _, names := range w.accounts {
		sort.Strings(names)
	}
	sort.Slice(w.services, func(i, j int) bool { return w.services[i].String() < w.services[j].String() })
	sortPrefixes(w.outsideV4)
	sortPrefixes(w.outsideV6)
	w.nsVocab.finish()
	w.allPods.finish()
	w.saVocab.finish()
	w.netVocab.finish()
	w.hostVocab.finish()
	for _, v := range w.podVocab {
		v.finish()
	}
	if len(w.outsideV4) == 0 {
		w.outsideV4 = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}
	}
	if len(w.outsideV6) == 0 {
		w.outsideV6 = []netip.Prefix{netip.MustParsePrefix("2001:db8:1::/48")}
	}
	return w
}

// pods returns the pod-label vocabulary of a namespace, or of the whole
// cluster for "" or a namespace without pods.
func (w *world) pods(namespace string) *labelVocab {
	if v := w.podVocab[namespace]; v != nil && len(v.keys) > 0 {
		return v
	}
	return w.allPods
}

func isSystemNamespace(name string) bool {
	return name == namespaceKubeSystem || name == namespaceMonitoring || name == namespaceIngress ||
		strings.HasPrefix(name, "kube-")
}

func sortPrefixes(ps []netip.Prefix) {
	sort.Slice(ps, func(i, j int) bool {
		if c := ps[i].Addr().Compare(ps[j].Addr()); c != 0 {
			return c < 0
		}
		return ps[i].Bits() < ps[j].Bits()
	})
}

package workload_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/selector"
)

// cmpOpts compare model values: selectors by canonical text, addresses and
// prefixes by value.
var cmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b *selector.Selector) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.String() == b.String()
	}),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
}

// loadProblems writes the set as Calico and Kubernetes resources and loads
// them back, returning the errors and warnings the loader reports: a
// valid set has none.
func loadProblems(t *testing.T, set model.Set) policy.Problems {
	t.Helper()
	var buf bytes.Buffer
	if err := policy.Encode(&buf, set, "yaml"); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	l := policy.NewLoader()
	if err := l.Add("generated.yaml", &buf); err != nil {
		t.Fatalf("Add: %v", err)
	}
	res, err := l.Finish()
	var problems policy.Problems
	if err != nil {
		ps, ok := err.(policy.Problems)
		if !ok {
			t.Fatalf("Finish: %v", err)
		}
		problems = append(problems, ps...)
	}
	if res != nil {
		problems = append(problems, res.Warnings...)
	}
	return problems
}

// consistency lists what is wrong with the references between the
// resources of a set: keys defined twice, addresses owned by two
// endpoints, profiles, tiers, namespaces and service accounts referred to
// but missing, and service addresses no endpoint owns.
func consistency(set model.Set) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	keys := map[model.Key]bool{}
	seen := func(k model.Key) {
		if keys[k] {
			bad("%s is defined twice", k)
		}
		keys[k] = true
	}
	tiers := map[string]bool{}
	for _, t := range set.Tiers {
		seen(t.Key())
		tiers[t.Name] = true
	}
	namespaces := map[string]bool{}
	for i := range set.Namespaces {
		seen(set.Namespaces[i].Key())
		namespaces[set.Namespaces[i].Name] = true
	}
	profiles := map[string]bool{}
	for i := range set.Profiles {
		seen(set.Profiles[i].Key())
		profiles[set.Profiles[i].Name] = true
	}
	for i := range set.ServiceAccounts {
		sa := &set.ServiceAccounts[i]
		seen(sa.Key())
		if !namespaces[sa.Namespace] {
			bad("%s is in a missing namespace", sa.Key())
		}
		if !profiles["ksa."+sa.Namespace+"."+sa.Name] {
			bad("%s has no profile", sa.Key())
		}
	}
	for i := range set.Namespaces {
		if !profiles["kns."+set.Namespaces[i].Name] {
			bad("%s has no profile", set.Namespaces[i].Key())
		}
	}
	for i := range set.Policies {
		p := &set.Policies[i]
		seen(p.Key())
		if !tiers[p.Tier] {
			bad("%s is in missing tier %q", p.Key(), p.Tier)
		}
		if p.Kind.Namespaced() != (p.Namespace != "") {
			bad("%s: namespace %q does not fit its kind", p.Key(), p.Namespace)
		}
		if p.Namespace != "" && !namespaces[p.Namespace] {
			bad("%s is in a missing namespace", p.Key())
		}
	}
	for i := range set.NetworkSets {
		ns := &set.NetworkSets[i]
		seen(ns.Key())
		if ns.Namespace != "" && !namespaces[ns.Namespace] {
			bad("%s is in a missing namespace", ns.Key())
		}
		if len(ns.Nets) == 0 {
			bad("%s has no nets", ns.Key())
		}
	}
	owner := map[netip.Addr]model.Key{}
	for i := range set.Endpoints {
		ep := &set.Endpoints[i]
		seen(ep.Key())
		for _, a := range ep.Addresses {
			if o, ok := owner[a]; ok {
				bad("%s and %s both own %s", o, ep.Key(), a)
			}
			owner[a] = ep.Key()
		}
		for _, prof := range ep.Profiles {
			if !profiles[prof] {
				bad("%s refers to missing profile %q", ep.Key(), prof)
			}
		}
		if ep.Kind == model.KindWorkloadEndpoint {
			if !namespaces[ep.Namespace] {
				bad("%s is in a missing namespace", ep.Key())
			}
			if !keys[model.Key{Kind: model.KindServiceAccount, Namespace: ep.Namespace, Name: ep.ServiceAccount}] {
				bad("%s runs as missing service account %q", ep.Key(), ep.ServiceAccount)
			}
			if len(ep.Addresses) == 0 {
				bad("%s has no address", ep.Key())
			}
		}
	}
	for i := range set.Services {
		svc := &set.Services[i]
		seen(svc.Key())
		for _, sl := range svc.Slices {
			for _, a := range sl.Addresses {
				if o, ok := owner[a]; !ok || o.Namespace != svc.Namespace {
					bad("%s lists %s, which no pod of its namespace owns", svc.Key(), a)
				}
			}
		}
	}
	return out
}

// checkValid fails the test when the set is not valid.
func checkValid(t *testing.T, what string, set model.Set) {
	t.Helper()
	if ps := loadProblems(t, set); len(ps) > 0 {
		for _, p := range ps[:min(len(ps), 20)] {
			t.Errorf("%s: %s", what, p)
		}
		t.Fatalf("%s: %d problems loading the generated set", what, len(ps))
	}
	if bad := consistency(set); len(bad) > 0 {
		for _, b := range bad[:min(len(bad), 20)] {
			t.Errorf("%s: %s", what, b)
		}
		t.Fatalf("%s: %d inconsistencies", what, len(bad))
	}
}

// countWorkloads counts workload and host endpoints.
func countWorkloads(set model.Set) (pods, hosts int) {
	for _, ep := range set.Endpoints {
		if ep.Kind == model.KindHostEndpoint {
			hosts++
		} else {
			pods++
		}
	}
	return pods, hosts
}

// mustApply applies a change the generator made, which must be valid.
func mustApply(t testing.TB, s model.Set, c model.Change) model.Set {
	t.Helper()
	next, err := s.Apply(c)
	if err != nil {
		t.Fatalf("Apply refused a generated change: %v", err)
	}
	return next
}

package workload

import (
	"fmt"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/policy/kube"
)

// Names Kubernetes gives: the namespace-name label, the default service
// account and the system namespaces.
const (
	labelMetadataName   = "kubernetes.io/metadata.name"
	defaultServiceAcct  = "default"
	namespaceKubeSystem = "kube-system"
	namespaceMonitoring = "monitoring"
	namespaceIngress    = "ingress-nginx"
)

// namespaceInfo is what the generator remembers of a namespace beyond its
// resource.
type namespaceInfo struct {
	name   string
	team   string // empty for system namespaces
	env    string
	system bool
	// next is the position in stack of the namespace's next deployment.
	next int
}

// addNamespaces creates the system namespaces and n application
// namespaces named "<team>-<env>", with their default service accounts
// and the profiles Calico derives from both.
func (b *builder) addNamespaces(n int) {
	b.addNamespace(&namespaceInfo{name: namespaceKubeSystem, system: true}, nil)
	b.addNamespace(&namespaceInfo{name: namespaceMonitoring, team: "platform", env: "prod", system: true},
		map[string]string{"team": "platform", "env": "prod"})
	b.addNamespace(&namespaceInfo{name: namespaceIngress, team: "platform", env: "prod", system: true},
		map[string]string{"team": "platform", "env": "prod", "tier": "gold", "app.kubernetes.io/name": "ingress-nginx"})

	used := map[string]bool{}
	for i := range n {
		team := teams[i%len(teams)]
		env := environments[0]
		if i >= len(teams) {
			env = pick(b.r, environments)
		}
		name := team + "-" + env
		for k := 2; used[name]; k++ {
			name = fmt.Sprintf("%s-%s-%d", team, env, k)
		}
		used[name] = true
		labels := map[string]string{"team": team, "env": env, "tier": pick(b.r, serviceTiers)}
		if env == "prod" && (team == "payments" || team == "checkout") {
			labels["compliance"] = "pci"
		}
		if b.r.chance(0.3) {
			labels["istio-injection"] = "enabled"
		}
		b.addNamespace(&namespaceInfo{name: name, team: team, env: env}, labels)
	}
}

// addNamespace adds the namespace, converted as the loader converts a
// Kubernetes Namespace (which adds kubernetes.io/metadata.name), its
// profile, and its default service account.
func (b *builder) addNamespace(info *namespaceInfo, labels map[string]string) {
	kns := &kube.Namespace{Metadata: kube.ObjectMeta{Name: info.name, Labels: labels}}
	mustBeValid(kns.Validate())
	ns := kube.ConvertNamespace(kns)
	b.set.Namespaces = append(b.set.Namespaces, ns)
	b.set.Profiles = append(b.set.Profiles, kube.NamespaceProfile(ns))
	b.namespaces = append(b.namespaces, info)
	b.addServiceAccount(info.name, defaultServiceAcct, nil)
}

// addServiceAccount adds a service account and its profile, once.
func (b *builder) addServiceAccount(namespace, name string, labels map[string]string) {
	key := model.Key{Kind: model.KindServiceAccount, Namespace: namespace, Name: name}
	if b.serviceAccounts[key] {
		return
	}
	b.serviceAccounts[key] = true
	ksa := &kube.ServiceAccount{Metadata: kube.ObjectMeta{Name: name, Namespace: namespace, Labels: labels}}
	mustBeValid(ksa.Validate())
	sa := kube.ConvertServiceAccount(ksa)
	b.set.ServiceAccounts = append(b.set.ServiceAccounts, sa)
	b.set.Profiles = append(b.set.Profiles, kube.ServiceAccountProfile(sa))
}

// mustBeValid panics when a conversion reports errors: the generator only
// writes valid objects, so an error is a bug in it.
func mustBeValid(ps policy.Problems) {
	if errs := ps.Errors(); len(errs) > 0 {
		panic("workload: generated an invalid object: " + errs.Error())
	}
}

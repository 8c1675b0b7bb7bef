package analysis

import "github.com/verdictlabs/verdict/model"

// enforcedKind is the kind a staged kind becomes when it is applied.
func enforcedKind(k model.Kind) model.Kind {
	switch k {
	case model.KindStagedGlobalNetworkPolicy:
		return model.KindGlobalNetworkPolicy
	case model.KindStagedNetworkPolicy:
		return model.KindNetworkPolicy
	case model.KindStagedKubernetesNetworkPolicy:
		return model.KindKubernetesNetworkPolicy
	}
	return k
}

// AsApplied returns the set as it would be once its staged policies are
// applied, as Calico Enterprise applies them: a staged policy replaces
// the enforced policy of its enforced kind, namespace and name (or is
// added), and a staged Delete (deletes, the keys of policy.Result's
// StagedDeletes) removes it. The set given is not changed.
func AsApplied(set model.Set, deletes []model.Key) model.Set {
	gone := map[model.Key]bool{}
	for _, k := range deletes {
		gone[model.Key{Kind: enforcedKind(k.Kind), Namespace: k.Namespace, Name: k.Name}] = true
	}
	var applied []model.Policy
	for _, p := range set.Policies {
		if p.Kind.Staged() && p.StagedAction != model.StagedDelete {
			p.Kind = enforcedKind(p.Kind)
			p.StagedAction = ""
			gone[p.Key()] = true
			applied = append(applied, p)
		}
	}
	out := make([]model.Policy, 0, len(set.Policies))
	for _, p := range set.Policies {
		if !p.Kind.Staged() && !gone[p.Key()] {
			out = append(out, p)
		}
	}
	set.Policies = append(out, applied...)
	return set
}

// WithUpserts returns the set with each resource of upserts added, or
// replacing the one of the same key, as "verdict impact --candidate"
// applies a candidate set. The set given is not changed.
func WithUpserts(set model.Set, upserts model.Set) model.Set {
	set.Tiers = upsert(set.Tiers, upserts.Tiers, (*model.Tier).Key)
	set.Policies = upsert(set.Policies, upserts.Policies, (*model.Policy).Key)
	set.Profiles = upsert(set.Profiles, upserts.Profiles, (*model.Profile).Key)
	set.NetworkSets = upsert(set.NetworkSets, upserts.NetworkSets, (*model.NetworkSet).Key)
	set.Namespaces = upsert(set.Namespaces, upserts.Namespaces, (*model.Namespace).Key)
	set.ServiceAccounts = upsert(set.ServiceAccounts, upserts.ServiceAccounts, (*model.ServiceAccount).Key)
	set.Endpoints = upsert(set.Endpoints, upserts.Endpoints, (*model.Endpoint).Key)
	set.Services = upsert(set.Services, upserts.Services, (*model.Service).Key)
	return set
}

func upsert[T any](base, add []T, key func(*T) model.Key) []T {
	if len(add) == 0 {
		return base
	}
	index := make(map[model.Key]int, len(base))
	out := append([]T(nil), base...)
	for i := range out {
		index[key(&out[i])] = i
	}
	for i := range add {
		k := key(&add[i])
		if j, ok := index[k]; ok {
			out[j] = add[i]
			continue
		}
		index[k] = len(out)
		out = append(out, add[i])
	}
	return out
}

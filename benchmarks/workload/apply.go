package workload

import (
	"slices"

	"github.com/verdictlabs/verdict/model"
)

// Apply returns the set a change leaves: every upsert replaces the
// resource of the same Key in place or is appended, then every delete
// removes the resource of its Key (a delete of a missing Key does
// nothing). Neither the set nor the change is modified: the result has
// slices of its own, while the resources in them are shared, since
// resources are never modified in place.
//
// This is the meaning of model.Change that evaluators must implement;
// tests use it to rebuild the current set from scratch after each batch.
func Apply(set model.Set, c model.Change) model.Set {
	deleted := make(map[model.Key]bool, len(c.Deletes))
	for _, k := range c.Deletes {
		deleted[k] = true
	}
	return model.Set{
		Tiers:           apply(set.Tiers, c.Upserts.Tiers, deleted, func(t *model.Tier) model.Key { return tierKey(t.Name) }),
		Policies:        apply(set.Policies, c.Upserts.Policies, deleted, (*model.Policy).Key),
		Profiles:        apply(set.Profiles, c.Upserts.Profiles, deleted, (*model.Profile).Key),
		NetworkSets:     apply(set.NetworkSets, c.Upserts.NetworkSets, deleted, (*model.NetworkSet).Key),
		Namespaces:      apply(set.Namespaces, c.Upserts.Namespaces, deleted, (*model.Namespace).Key),
		ServiceAccounts: apply(set.ServiceAccounts, c.Upserts.ServiceAccounts, deleted, (*model.ServiceAccount).Key),
		Endpoints:       apply(set.Endpoints, c.Upserts.Endpoints, deleted, (*model.Endpoint).Key),
		Services:        apply(set.Services, c.Upserts.Services, deleted, (*model.Service).Key),
	}
}

// fewUpserts is the most upserts of one kind applied by scanning rather
// than by indexing the existing resources.
const fewUpserts = 4

// apply upserts then deletes one kind of resource, into a new slice.
func apply[T any](old, upserts []T, deleted map[model.Key]bool, key func(*T) model.Key) []T {
	if len(old)+len(upserts) == 0 {
		return nil
	}
	if len(upserts) == 0 && len(deleted) == 0 {
		return append([]T(nil), old...)
	}
	out := make([]T, 0, len(old)+len(upserts))
	out = append(out, old...)
	if len(upserts) <= fewUpserts {
		// A scan per upsert is cheaper than indexing every key.
		for i := range upserts {
			k := key(&upserts[i])
			j := slices.IndexFunc(out, func(x T) bool { return key(&x) == k })
			if j >= 0 {
				out[j] = upserts[i]
			} else {
				out = append(out, upserts[i])
			}
		}
	} else {
		at := make(map[model.Key]int, len(out))
		for i := range out {
			at[key(&out[i])] = i
		}
		for i := range upserts {
			k := key(&upserts[i])
			if j, ok := at[k]; ok {
				out[j] = upserts[i]
				continue
			}
			at[k] = len(out)
			out = append(out, upserts[i])
		}
	}
	if len(deleted) == 0 {
		return out
	}
	kept := out[:0]
	for i := range out {
		if !deleted[key(&out[i])] {
			kept = append(kept, out[i])
		}
	}
	// Clear the tail so that dropped values are not kept alive.
	clear(out[len(kept):])
	if len(kept) == 0 {
		return nil
	}
	return kept
}

package model

import (
	"slices"
)

// Change is one atomic batch of updates: every upsert adds a resource or
// replaces the one with the same Key, then every delete removes one (a
// delete of a key the set does not hold does nothing, so a stream of
// changes may repeat one). An evaluator applies all of it or, on any
// error, none of it; Set.Apply says what it leaves.
type Change struct {
	Upserts Set
	Deletes []Key
}

// Check reports what is wrong with the change on its own: every upsert is
// checked as Set.Check checks a resource, no key is upserted twice, and
// every deleted key is well formed (a known kind, a name, a namespace
// exactly when the kind has one). Whether the policies' tiers exist
// depends on the set the change applies to: Set.Apply checks that too.
//
// It returns nil or a *CheckError.
func (c *Change) Check() error {
	var ch checker
	seen := make(map[Key]bool, c.Upserts.Len())
	for k, r := range c.Upserts.Resources() {
		ch.resource(k, r)
		if seen[k] {
			ch.add(k, "", CodeDuplicate, "is upserted twice in one change")
		}
		seen[k] = true
	}
	for _, k := range c.Deletes {
		ch.key(k)
	}
	return ch.err()
}

// Apply returns the set the change leaves: every upsert replaces the
// resource of the same Key in place or is appended, then every delete
// removes the resource of its Key. A staged Delete is kept as any other
// policy; evaluators ignore it.
//
// It refuses, returning s itself and a *CheckError, a change that fails
// Change.Check or that would leave a policy in a tier that does not exist
// (a built-in tier always exists: deleting one restores its built-in
// definition). Evaluators holding s refuse every change Apply refuses,
// with the same problems; besides, they refuse what they cannot compile
// (a selector built from a name that cannot be quoted). The work is proportional to
// the set, not to the change: the result has slices of its own, while the
// resources in them are shared with s and c, since resources are never
// modified in place.
func (s Set) Apply(c Change) (Set, error) {
	if err := c.Check(); err != nil {
		return s, err
	}
	deleted := make(map[Key]bool, len(c.Deletes))
	for _, k := range c.Deletes {
		deleted[k] = true
	}
	next := Set{
		Tiers:           apply(s.Tiers, c.Upserts.Tiers, deleted, (*Tier).Key),
		Policies:        apply(s.Policies, c.Upserts.Policies, deleted, (*Policy).Key),
		Profiles:        apply(s.Profiles, c.Upserts.Profiles, deleted, (*Profile).Key),
		NetworkSets:     apply(s.NetworkSets, c.Upserts.NetworkSets, deleted, (*NetworkSet).Key),
		Namespaces:      apply(s.Namespaces, c.Upserts.Namespaces, deleted, (*Namespace).Key),
		ServiceAccounts: apply(s.ServiceAccounts, c.Upserts.ServiceAccounts, deleted, (*ServiceAccount).Key),
		Endpoints:       apply(s.Endpoints, c.Upserts.Endpoints, deleted, (*Endpoint).Key),
		Services:        apply(s.Services, c.Upserts.Services, deleted, (*Service).Key),
	}
	var ch checker
	tiers := next.tierNames()
	if tiersDeleted(s.Tiers, deleted) {
		for i := range next.Policies {
			ch.tier(&next.Policies[i], tiers)
		}
	} else {
		for i := range c.Upserts.Policies {
			if p := &c.Upserts.Policies[i]; !deleted[p.Key()] {
				ch.tier(p, tiers)
			}
		}
	}
	if err := ch.err(); err != nil {
		return s, err
	}
	return next, nil
}

// tiersDeleted reports whether the change deletes a tier the set holds,
// so that every policy's tier must be looked at again.
func tiersDeleted(tiers []Tier, deleted map[Key]bool) bool {
	if len(deleted) == 0 {
		return false
	}
	for i := range tiers {
		if deleted[tiers[i].Key()] {
			return true
		}
	}
	return false
}

// fewUpserts is the most upserts of one kind applied by scanning rather
// than by indexing the existing resources.
const fewUpserts = 4

// apply upserts then deletes one kind of resource, into a new slice.
func apply[T any](old, upserts []T, deleted map[Key]bool, key func(*T) Key) []T {
	if len(old)+len(upserts) == 0 {
		return nil
	}
	if len(upserts) == 0 && len(deleted) == 0 {
		return slices.Clone(old)
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
		at := make(map[Key]int, len(out))
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

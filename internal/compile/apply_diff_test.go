package compile

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// change makes a random change to set: upserts of new and existing
// resources and deletes of existing ones.
func (g *gen) change(set *model.Set, serial int) model.Change {
	var c model.Change
	deleted := map[model.Key]bool{}
	del := func(k model.Key) {
		if !deleted[k] {
			deleted[k] = true
			c.Deletes = append(c.Deletes, k)
		}
	}
	names := tierNames(set.Tiers)
	for range 1 + g.r.IntN(3) {
		switch g.r.IntN(14) {
		case 0, 1:
			c.Upserts.Policies = append(c.Upserts.Policies, g.policy(g.r.IntN(10), names))
		case 2:
			if len(set.Policies) > 0 {
				del(set.Policies[g.r.IntN(len(set.Policies))].Key())
			}
		case 3, 4:
			if len(set.Endpoints) > 0 {
				ep := set.Endpoints[g.r.IntN(len(set.Endpoints))]
				ep.Labels = g.labels()
				c.Upserts.Endpoints = append(c.Upserts.Endpoints, ep)
			}
		case 5:
			if len(set.Endpoints) > 0 {
				ep := set.Endpoints[g.r.IntN(len(set.Endpoints))]
				ep.Addresses = []netip.Addr{g.addr()}
				c.Upserts.Endpoints = append(c.Upserts.Endpoints, ep)
			}
		case 6:
			c.Upserts.Endpoints = append(c.Upserts.Endpoints, g.endpoint(serial*10+g.r.IntN(10)))
		case 7:
			if len(set.Endpoints) > 0 {
				del(set.Endpoints[g.r.IntN(len(set.Endpoints))].Key())
			}
		case 8:
			c.Upserts.NetworkSets = append(c.Upserts.NetworkSets, g.networkSet(g.r.IntN(5)))
		case 9:
			if len(set.NetworkSets) > 0 {
				del(set.NetworkSets[g.r.IntN(len(set.NetworkSets))].Key())
			}
		case 10:
			ps := g.profiles()
			if len(ps) > 0 {
				c.Upserts.Profiles = append(c.Upserts.Profiles, ps[g.r.IntN(len(ps))])
			}
		case 11:
			if g.chance(10) {
				del(model.Key{Kind: model.KindProfile, Name: "never-defined"})
			}
			if len(set.Profiles) > 0 {
				del(set.Profiles[g.r.IntN(len(set.Profiles))].Key())
			}
		case 12:
			t := model.Tier{Name: fmt.Sprintf("t%d", g.r.IntN(3)), Order: g.order(), DefaultAction: model.Deny}
			if g.chance(50) {
				t.DefaultAction = model.Pass
			}
			if g.chance(30) {
				t.Name = model.TierDefault
			}
			c.Upserts.Tiers = append(c.Upserts.Tiers, t)
		case 13:
			if len(set.Tiers) > 0 && g.chance(50) {
				tr := set.Tiers[g.r.IntN(len(set.Tiers))]
				del(tr.Key())
			} else {
				c.Upserts.Services = append(c.Upserts.Services, g.services()...)
			}
		}
	}
	// One upsert per key: a change naming a key twice is rejected.
	c.Upserts.Policies = dedupe(c.Upserts.Policies, (*model.Policy).Key)
	c.Upserts.Endpoints = dedupe(c.Upserts.Endpoints, (*model.Endpoint).Key)
	c.Upserts.NetworkSets = dedupe(c.Upserts.NetworkSets, (*model.NetworkSet).Key)
	c.Upserts.Profiles = dedupe(c.Upserts.Profiles, (*model.Profile).Key)
	c.Upserts.Tiers = dedupe(c.Upserts.Tiers, (*model.Tier).Key)
	c.Upserts.Services = dedupe(c.Upserts.Services, (*model.Service).Key)
	return c
}

func dedupe[T any, P interface{ *T }](list []T, key func(P) model.Key) []T {
	seen := map[model.Key]bool{}
	var out []T
	for _, x := range list {
		if k := key(&x); !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

func TestDifferentialApply(t *testing.T) {
	runs := 200
	if testing.Short() || raceEnabled {
		runs = 40
	}
	for seed := range uint64(runs) {
		g, set, p, ok := compiledGen(seed + 1<<20)
		if !ok {
			continue
		}
		for step := range 12 {
			c := g.change(&set, step+1)
			next, refErr := set.Apply(c)
			var ref *reference.Evaluator
			if refErr == nil {
				// Staged Delete policies replace and vanish.
				next.Policies = slices.DeleteFunc(next.Policies, func(p model.Policy) bool {
					return p.Kind.Staged() && p.StagedAction == model.StagedDelete
				})
				ref, refErr = reference.New(next)
			}
			p2, err := p.Apply(c)
			if (refErr == nil) != (err == nil) {
				t.Fatalf("seed %d step %d: reference error %v, Apply error %v\nchange %+v", seed, step, refErr, err, c)
			}
			if err != nil {
				// Atomic: the old program still answers as before.
				oldRef, _ := reference.New(set)
				mustHold(t, p, "seed %d step %d: refused Apply", seed, step)
				agree(t, g, p, oldRef, &set, 5)
				continue
			}
			mustHold(t, p2, "seed %d step %d: Apply", seed, step)
			agree(t, g, p2, ref, &next, 15)
			p, set = p2, next
		}
		// After all the changes, the incremental program still matches a
		// cold compile of where it ended up.
		cold, err := Compile(set)
		if err != nil {
			t.Fatalf("seed %d: cold compile: %v", seed, err)
		}
		if a, b := p.Stats(), cold.Stats(); a.Classes != b.Classes || a.Selectors != b.Selectors || a.Entities != b.Entities || a.Policies != b.Policies {
			t.Fatalf("seed %d: incremental %+v, cold %+v", seed, a, b)
		}
	}
}

package authz

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// The shared response parts are made once per decision and endpoint, and
// each cache starts again once it holds metaCacheMax.
func TestMetaCache(t *testing.T) {
	var c metaCache
	dec := model.Decision{Allowed: true, Hit: model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "shop", Name: "api", Action: model.HitAllow}}
	m := c.decision(dec)
	if c.decision(dec) != m || m.reason != "allowed by tier default, NetworkPolicy shop/api, rule 0 (allow)" || len(m.fields) != 5 || len(m.headers) != 3 {
		t.Fatalf("decision meta %+v", m)
	}
	eop := c.decision(model.Decision{EndOfProfiles: true})
	if len(eop.fields) != 1 || eop.fields[0].key != MetaEndOfProfiles || eop.fields[0].pendingKey != "pending_end_of_profiles" || eop.headers != nil {
		t.Errorf("end of profiles: %+v", eop)
	}
	k := model.Key{Kind: model.KindWorkloadEndpoint, Namespace: "shop", Name: "api"}
	if v := c.endpoint(k); v != c.endpoint(k) || v.GetStringValue() != "shop/api" {
		t.Errorf("endpoint value %v", v)
	}
	for i := range metaCacheMax + 10 {
		dec.Hit.Index = i
		c.decision(dec)
		k.Name = string(rune('a'+i%26)) + string(rune(i))
		c.endpoint(k)
	}
	if len(c.decisions) > metaCacheMax || len(c.endpoints) > metaCacheMax {
		t.Errorf("caches hold %d decisions and %d endpoints, past %d", len(c.decisions), len(c.endpoints), metaCacheMax)
	}
}

package model

import "testing"

func TestCriterionString(t *testing.T) {
	tests := []struct {
		c    Criterion
		want string
	}{
		{Criterion{"source.selector", "app == 'worker'", "10.1.0.10 (app=vote)"}, "source.selector app == 'worker' does not match 10.1.0.10 (app=vote)"},
		{Criterion{"destination.ports", "[5432]", "8080"}, "destination.ports 8080 not in [5432]"},
		{Criterion{"source.nets", "[10.0.0.0/8]", "192.0.2.1"}, "source.nets 192.0.2.1 not in [10.0.0.0/8]"},
		{Criterion{"destination.notPorts", "[22]", "22"}, "destination.notPorts 22 in [22]"},
		{Criterion{"source.notNets", "[10.0.0.0/8]", "10.1.1.1"}, "source.notNets 10.1.1.1 in [10.0.0.0/8]"},
		{Criterion{"notProtocol", "TCP", "TCP"}, "notProtocol TCP matches TCP"},
		{Criterion{"destination.notSelector", "app == 'db'", "10.1.0.13 (app=db)"}, "destination.notSelector app == 'db' matches 10.1.0.13 (app=db)"},
		{Criterion{"ipVersion", "6", "IPv4"}, "ipVersion 6 does not match an IPv4 flow"},
		{Criterion{"protocol", "UDP", "TCP"}, "protocol UDP does not match TCP"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestWalkHits(t *testing.T) {
	end := Hit{Kind: KindNetworkPolicy, Tier: "default", Namespace: "vote", Name: "db", Index: -1, Action: HitDeny}
	w := WalkAccount{
		Tiers: []TierAccount{
			{Name: "security", PassTo: "default", Policies: []PolicyAccount{{Kind: KindGlobalNetworkPolicy, Name: "sec", Rules: []RuleAccount{
				{Index: 0, Action: Log, Matched: true},
				{Index: 1, Action: Deny, Failed: &Criterion{Field: "protocol", Want: "UDP", Got: "TCP"}},
				{Index: 2, Action: Pass, Matched: true},
			}}}},
			{Name: "default", End: &end, Policies: []PolicyAccount{{Kind: KindNetworkPolicy, Namespace: "vote", Name: "db"}}},
		},
		Profiles: []ProfileAccount{{Name: "kns.vote", Rules: []RuleAccount{{Index: 0, Action: Pass, Matched: true}}}},
	}
	hits := w.Hits()
	want := []Hit{
		{Kind: KindGlobalNetworkPolicy, Tier: "security", Name: "sec", Index: 2, Action: HitPass},
		end,
		{Kind: KindProfile, Tier: TierProfile, Name: "kns.vote", Index: 0, Action: HitDeny},
	}
	if len(hits) != len(want) {
		t.Fatalf("hits %+v", hits)
	}
	for i := range want {
		if hits[i] != want[i] {
			t.Errorf("hit %d: %+v, want %+v", i, hits[i], want[i])
		}
	}
	if f := w.Failures(); len(f) != 1 || f[0].Name != "sec" || f[0].Index != 1 || f[0].Failed.Field != "protocol" {
		t.Errorf("failures %+v", f)
	}
}

package compile

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// selectorText compares selectors by their canonical form.
// and addresses and prefixes as values.
var selectorText = cmp.Options{
	cmp.Comparer(func(a, b *selector.Selector) bool { return str(a) == str(b) }),
	cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{}),
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func sel(s string) *selector.Selector { return selector.MustParse(s) }

// str prints a selector, "<none>" for nil.
func str(s *selector.Selector) string {
	if s == nil {
		return "<none>"
	}
	return s.String()
}

func pod(name, ns, ip string, labels map[string]string) model.Endpoint {
	return model.Endpoint{
		Kind: model.KindWorkloadEndpoint, Name: name, Namespace: ns, Labels: labels,
		Addresses: []netip.Addr{addr(ip)}, Profiles: []string{"kns." + ns}, Orchestrator: "k8s",
	}
}

// smallSet is a namespace with three pods and a policy letting web reach
// db on 5432.
func smallSet() model.Set {
	return model.Set{
		Profiles: []model.Profile{nsProfile("prod", "x")},
		Policies: []model.Policy{{
			Kind: model.KindNetworkPolicy, Name: "db", Namespace: "prod", Tier: model.TierDefault, Order: order(10),
			Selector: sel(`app == "db"`), Types: []model.Direction{model.Ingress},
			Ingress: []model.Rule{{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP),
				Source:      model.EntityRule{Selector: sel(`app == "web"`)},
				Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}}}},
		}},
		Endpoints: []model.Endpoint{
			pod("web-1", "prod", "10.0.0.1", map[string]string{"app": "web"}),
			pod("web-2", "prod", "10.0.0.2", map[string]string{"app": "web"}),
			pod("db-1", "prod", "10.0.0.3", map[string]string{"app": "db"}),
		},
	}
}

var toDB = model.Flow{Src: addr("10.0.0.1"), Dst: addr("10.0.0.3"), Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: 5432}

func mustCompile(t *testing.T, s model.Set) *Program {
	t.Helper()
	p, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestApplyAtomic: a change with one bad part changes nothing, and its
// error names the resource.
func TestApplyAtomic(t *testing.T) {
	p := mustCompile(t, smallSet())
	before, beforeSet := p.Explain(toDB), p.Set()
	relabel := pod("web-1", "prod", "10.0.0.1", map[string]string{"app": "intruder"})
	bad := model.Change{Upserts: model.Set{
		Endpoints: []model.Endpoint{relabel},
		Policies:  []model.Policy{{Kind: model.KindGlobalNetworkPolicy, Name: "lost", Tier: "nope"}},
	}}
	next, err := p.Apply(bad)
	if err == nil || next != nil {
		t.Fatalf("Apply = %v, %v; want an error and no program", next, err)
	}
	if !strings.Contains(err.Error(), "GlobalNetworkPolicy lost") || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("error %q does not name the policy and its tier", err)
	}
	if diff := cmp.Diff(before, p.Explain(toDB)); diff != "" {
		t.Errorf("a failed change altered the answers:\n%s", diff)
	}
	if diff := cmp.Diff(beforeSet, p.Set(), selectorText); diff != "" {
		t.Errorf("a failed change altered the set:\n%s", diff)
	}
	// The good part alone goes through, and denies web-1.
	next, err = p.Apply(model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{relabel}}})
	if err != nil {
		t.Fatal(err)
	}
	if next.Evaluate(toDB).Allowed() || !p.Evaluate(toDB).Allowed() {
		t.Error("the relabel should deny the new program's flow and leave the old one's allowed")
	}
}

func TestApplyErrors(t *testing.T) {
	p := mustCompile(t, model.Set{
		Tiers:    []model.Tier{{Name: "security", Order: order(5)}},
		Policies: []model.Policy{{Kind: model.KindGlobalNetworkPolicy, Name: "guard", Tier: "security"}},
	})
	tests := []struct {
		name   string
		change model.Change
		want   []string
	}{
		{"policy in a missing tier", model.Change{Upserts: model.Set{Policies: []model.Policy{{Kind: model.KindNetworkPolicy, Namespace: "a", Name: "p", Tier: "ghost"}}}},
			[]string{"NetworkPolicy a/p", `"ghost"`}},
		{"tier deleted under its policy", model.Change{Deletes: []model.Key{{Kind: model.KindTier, Name: "security"}}},
			[]string{"GlobalNetworkPolicy guard", `"security"`}},
		{"two upserts of one key", model.Change{Upserts: model.Set{Profiles: []model.Profile{{Name: "x"}, {Name: "x"}}}},
			[]string{"Profile x: is upserted twice"}},
		{"unknown kind", model.Change{Deletes: []model.Key{{Kind: "Gadget", Name: "g"}}},
			[]string{"Gadget g", "unknown kind"}},
		{"unwritable namespace", model.Change{Upserts: model.Set{Policies: []model.Policy{{Kind: model.KindNetworkPolicy, Namespace: `a"b'c`, Name: "q"}}}},
			[]string{"NetworkPolicy", "quote"}},
	}
	for _, tt := range tests {
		_, err := p.Apply(tt.change)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
	// Deleting what does not exist does nothing; deleting a built-in
	// tier restores it.
	next, err := p.Apply(model.Change{Deletes: []model.Key{
		{Kind: model.KindGlobalNetworkPolicy, Name: "never"},
		{Kind: model.KindTier, Name: model.TierDefault},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := next.tiers.get(model.TierDefault); !ok {
		t.Error("deleting the default tier removed it")
	}
}

// TestApplySharesUnchanged: relabelling one endpoint leaves every other
// entity, every selector and every other class as the very same records.
func TestApplySharesUnchanged(t *testing.T) {
	p := mustCompile(t, smallSet())
	web2, _ := p.entityIDs.get(model.Key{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "web-2"})
	db, _ := p.entityIDs.get(model.Key{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "db-1"})
	next, err := p.Apply(model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{
		pod("web-1", "prod", "10.0.0.1", map[string]string{"app": "web-canary"}),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint32{web2, db} {
		if p.entities.get(id) != next.entities.get(id) {
			t.Errorf("entity %d was copied", id)
		}
	}
	// db's class is untouched; web-2's lost web-1, so only its count
	// changed: what it matches and resolves to is shared.
	dbClass := p.entities.get(db).class
	if p.classes.get(dbClass) != next.classes.get(dbClass) {
		t.Error("the class of an untouched entity was copied")
	}
	webClass := p.entities.get(web2).class
	was, is := p.classes.get(webClass), next.classes.get(webClass)
	if was.refs != 2 || is.refs != 1 || was.res != is.res || &was.matched[0] != &is.matched[0] || &was.labels[0] != &is.labels[0] {
		t.Error("web-2's class was rebuilt instead of shared")
	}
	for i := 0; i < p.sels.len(); i++ {
		if p.sels.get(uint32(i)) != next.sels.get(uint32(i)) {
			t.Errorf("selector %d was copied by a relabel", i)
		}
	}
	if next.Stats().Classes != p.Stats().Classes+1 {
		t.Errorf("classes %d then %d: the relabelled endpoint should get a class of its own", p.Stats().Classes, next.Stats().Classes)
	}
	if len(p.addrs.exact.shards) > 0 && &p.addrs.exact.shards[0] != &next.addrs.exact.shards[0] {
		t.Error("a relabel that moves no address copied the address index")
	}
}

// TestClassesShared: endpoints with the same effective labels share one
// class and one resolved list.
func TestClassesShared(t *testing.T) {
	p := mustCompile(t, smallSet())
	class := func(name string) *class {
		id, _ := p.entityIDs.get(model.Key{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: name})
		return p.classes.get(p.entities.get(id).class)
	}
	if class("web-1") != class("web-2") {
		t.Error("web-1 and web-2 have the same labels but different classes")
	}
	if class("web-1") == class("db-1") {
		t.Error("web-1 and db-1 share a class")
	}
	if r := class("db-1").res[dirIngress]; r == nil || len(r.tiers) != 1 || len(r.tiers[0].policies) != 1 {
		t.Errorf("db-1 ingress resolved to %+v, want the default tier with one policy", r)
	}
	if class("web-1").res[dirIngress] != nil {
		t.Error("no policy applies to web, yet it has a resolved list")
	}
	if s := p.Stats(); s.Classes != 2 || s.Entities != 3 || s.Policies != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestNamedPorts resolves named ports against the entity owning the
// address on that side, with the protocol rules of SPEC 5.
func TestNamedPorts(t *testing.T) {
	db := pod("db-1", "prod", "10.0.0.3", map[string]string{"app": "db"})
	db.Ports = []model.EndpointPort{{Name: "sql", Protocol: model.ProtoTCP, Port: 5432}, {Name: "dns", Protocol: model.ProtoUDP, Port: 53},
		{Name: "metrics", Protocol: model.ProtoTCP, Port: 9100, ProtocolByNumber: true}}
	other := pod("db-2", "prod", "10.0.0.4", map[string]string{"app": "db"})
	other.Ports = []model.EndpointPort{{Name: "sql", Protocol: model.ProtoTCP, Port: 6543}}
	rule := func(proto model.Protocol, ports []model.Port, notPorts []model.Port, dstSel string) model.Rule {
		r := model.Rule{Action: model.Allow, Protocol: proto, Destination: model.EntityRule{Ports: ports, NotPorts: notPorts}}
		if dstSel != "" {
			r.Destination.Selector = sel(dstSel)
		}
		return r
	}
	named := func(n string) []model.Port { return []model.Port{{Name: n}} }
	tcp, udp := model.ProtocolNamed(model.ProtoTCP), model.ProtocolNamed(model.ProtoUDP)
	tests := []struct {
		name  string
		rule  model.Rule
		flow  model.Flow
		allow bool
	}{
		{"name resolves on the destination", rule(tcp, named("sql"), nil, ""), flowTo("10.0.0.3", model.ProtoTCP, 5432), true},
		{"another endpoint's number for the name", rule(tcp, named("sql"), nil, ""), flowTo("10.0.0.3", model.ProtoTCP, 6543), false},
		{"that endpoint's own number", rule(tcp, named("sql"), nil, ""), flowTo("10.0.0.4", model.ProtoTCP, 6543), true},
		{"protocol of the declared port", rule(model.Protocol{}, named("dns"), nil, ""), flowTo("10.0.0.3", model.ProtoUDP, 53), true},
		{"flow protocol differs from declared", rule(model.Protocol{}, named("dns"), nil, ""), flowTo("10.0.0.3", model.ProtoTCP, 53), false},
		{"rule protocol UDP wants a udp port", rule(udp, named("sql"), nil, ""), flowTo("10.0.0.3", model.ProtoUDP, 5432), false},
		{"owner must match the side's selector", rule(tcp, named("sql"), nil, `app == "web"`), flowTo("10.0.0.3", model.ProtoTCP, 5432), false},
		{"notPorts by name", rule(tcp, nil, named("sql"), ""), flowTo("10.0.0.3", model.ProtoTCP, 5432), false},
		{"notPorts by name, other port", rule(tcp, nil, named("sql"), ""), flowTo("10.0.0.3", model.ProtoTCP, 80), true},
		{"an address nobody owns declares nothing", rule(tcp, named("sql"), nil, ""), flowTo("10.9.9.9", model.ProtoTCP, 5432), false},
		{"protocol by number under a rule protocol", rule(tcp, named("metrics"), nil, ""), flowTo("10.0.0.3", model.ProtoTCP, 9100), true},
		{"protocol by number without a rule protocol", rule(model.Protocol{}, named("metrics"), nil, ""), flowTo("10.0.0.3", model.ProtoTCP, 9100), false},
	}
	for _, tt := range tests {
		set := model.Set{Endpoints: []model.Endpoint{db, other}, Policies: []model.Policy{{
			Kind: model.KindGlobalNetworkPolicy, Name: "egress", Tier: model.TierDefault, Types: []model.Direction{model.Egress},
			Egress: []model.Rule{tt.rule}, Selector: sel(`app == "web"`),
		}}}
		set.Endpoints = append(set.Endpoints, pod("web-1", "prod", "10.0.0.1", map[string]string{"app": "web"}))
		p := mustCompile(t, set)
		got := p.Evaluate(tt.flow).Egress
		if !got.Enforced || got.Decision.Allowed != tt.allow {
			t.Errorf("%s: egress %+v, want allowed %v", tt.name, got, tt.allow)
		}
	}
}

func flowTo(dst string, proto uint8, port uint16) model.Flow {
	return model.Flow{Src: addr("10.0.0.1"), Dst: addr(dst), Protocol: proto, SrcPort: 40000, DstPort: port}
}

// TestStagedDelete: a staged Delete takes part in nothing and, in a set,
// removes nothing; as an upsert it replaces (so removes) the policy of its
// key.
func TestStagedDelete(t *testing.T) {
	staged := model.Policy{Kind: model.KindStagedGlobalNetworkPolicy, Name: "s", Tier: model.TierDefault,
		Selector: sel(`app == "db"`), Types: []model.Direction{model.Ingress}, StagedAction: model.StagedSet}
	del := staged
	del.StagedAction = model.StagedDelete
	set := smallSet()
	set.Policies = append(set.Policies, staged, del)
	p := mustCompile(t, set)
	if _, ok := p.policies.get(staged.Key()); !ok {
		t.Fatal("a staged Delete after a staged policy of the same key removed it")
	}
	if p.Evaluate(toDB).Ingress.Pending.Hit.Name != "db" {
		t.Errorf("pending verdict %+v", p.Evaluate(toDB).Ingress.Pending)
	}
	next, err := p.Apply(model.Change{Upserts: model.Set{Policies: []model.Policy{del}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := next.policies.get(staged.Key()); ok {
		t.Error("upserting a staged Delete left the staged policy in place")
	}
}

// TestClassesKeepReadKeysOnly: a class keeps only the labels of keys some
// selector reads, so pods differing in pod-template-hash or a
// StatefulSet's pod name share one; a selector that starts reading such a
// key splits them within Apply, and one that stops merges them back.
func TestClassesKeepReadKeysOnly(t *testing.T) {
	set := smallSet()
	for i := range set.Endpoints {
		set.Endpoints[i].Labels["pod-template-hash"] = fmt.Sprintf("h%d", i)
		set.Endpoints[i].Labels["statefulset.kubernetes.io/pod-name"] = set.Endpoints[i].Name
	}
	p := mustCompile(t, set)
	mustHold(t, p, "compile")
	if got := p.Stats().Classes; got != 2 {
		t.Fatalf("%d classes, want 2 (web and db)", got)
	}
	byHash := model.Policy{
		Kind: model.KindNetworkPolicy, Name: "by-hash", Namespace: "prod", Tier: model.TierDefault, Order: order(5),
		Selector: sel(`pod-template-hash == "h0"`), Types: []model.Direction{model.Ingress},
		Ingress: []model.Rule{{Action: model.Deny}},
	}
	split, err := p.Apply(model.Change{Upserts: model.Set{Policies: []model.Policy{byHash}}})
	if err != nil {
		t.Fatal(err)
	}
	mustHold(t, split, "a selector reading pod-template-hash")
	if got := split.Stats().Classes; got != 3 {
		t.Errorf("%d classes after a selector reads pod-template-hash, want 3", got)
	}
	toWeb1 := model.Flow{Src: addr("10.0.0.3"), Dst: addr("10.0.0.1"), Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: 80}
	toWeb2 := toWeb1
	toWeb2.Dst = addr("10.0.0.2")
	if v := split.Evaluate(toWeb1); v.Ingress.Decision.Allowed || v.Ingress.Decision.Hit.Name != "by-hash" {
		t.Errorf("web-1 (h0): %+v, want denied by by-hash", v.Ingress)
	}
	if v := split.Evaluate(toWeb2); v.Ingress.Decision.Hit.Name == "by-hash" {
		t.Errorf("web-2 (h1): %+v, must not meet by-hash", v.Ingress)
	}
	merged, err := split.Apply(model.Change{Deletes: []model.Key{byHash.Key()}})
	if err != nil {
		t.Fatal(err)
	}
	mustHold(t, merged, "the last selector reading pod-template-hash gone")
	if got := merged.Stats().Classes; got != 2 {
		t.Errorf("%d classes after the last selector reading pod-template-hash went, want 2", got)
	}
	// An endpoint given inline with another hash finds the shared class.
	web := set.Endpoints[0]
	web.Labels = map[string]string{"app": "web", "pod-template-hash": "new"}
	if c := merged.inlineEntity(&web, web.Addresses[0]).cls; c != merged.classes.get(merged.entities.get(0).class) {
		t.Error("an inline endpoint differing in an unread label got a class of its own")
	}
}

package analysis

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// smallClusters are the generated clusters the soundness tests run on.
func smallClusters(t *testing.T, seeds ...uint64) []model.Set {
	t.Helper()
	var out []model.Set
	for _, seed := range seeds {
		p := workload.DefaultClusterParams(30 + 15*int(seed))
		p.Seed = seed
		p.Flows = 0
		out = append(out, workload.NewCluster(p).Set)
	}
	return out
}

// Every member pair of two classes gets the verdict of the classes' first
// members, decision and deciding hit alike, on every default port.
func TestClassesAreSound(t *testing.T) {
	for ci, set := range smallClusters(t, 1, 2) {
		eng, err := eval.New(set)
		if err != nil {
			t.Fatal(err)
		}
		eps := endpointsByKey(set)
		classes := Classes(set)
		if len(classes) >= len(eps) {
			t.Errorf("cluster %d: %d classes for %d endpoints: nothing merged", ci, len(classes), len(eps))
		}
		ports := resolveOther(DefaultPorts(set), set)
		for _, src := range classes {
			for _, dst := range classes {
				for _, port := range ports {
					for f := range 2 {
						if !src.Addrs[f].IsValid() || !dst.Addrs[f].IsValid() {
							continue
						}
						flow := func(s, d netip.Addr) model.Flow {
							return model.Flow{Src: s, Dst: d, Protocol: port.Protocol, SrcPort: matrixSourcePort, DstPort: port.Number}
						}
						want := stripEndpoints(eng.Evaluate(flow(src.Addrs[f], dst.Addrs[f])))
						for _, sm := range src.Members {
							for _, dm := range dst.Members {
								sa, da := firstAddrs(eps[sm])[f], firstAddrs(eps[dm])[f]
								got := stripEndpoints(eng.Evaluate(flow(sa, da)))
								if got != want {
									t.Fatalf("cluster %d: %s -> %s %s: %+v, but the classes' first members get %+v", ci, sm, dm, port, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// Every cell of the matrix says what the flows between every member pair
// of its groups say: allow or deny when they all agree, else partial.
func TestMatrixCellsEqualEvaluate(t *testing.T) {
	for ci, set := range smallClusters(t, 1) {
		eng, err := eval.New(set)
		if err != nil {
			t.Fatal(err)
		}
		eps := endpointsByKey(set)
		for _, opts := range []MatrixOptions{{}, {GroupBy: []string{"app"}}, {Staged: true}} {
			m, err := NewMatrix(set, opts)
			if err != nil {
				t.Fatal(err)
			}
			classes := Classes(set)
			members := func(g ClassGroup) []*model.Endpoint {
				var out []*model.Endpoint
				for _, c := range g.Classes {
					for _, k := range classes[c].Members {
						out = append(out, eps[k])
					}
				}
				return out
			}
			checked := 0
			for _, cell := range m.Cells {
				src, dst, port := m.Sources[cell.Source], m.Destinations[cell.Destination], m.Ports[cell.Port]
				if src.NetworkSet != nil || dst.NetworkSet != nil {
					continue
				}
				var eg, in, both Access
				for _, s := range members(src) {
					for _, d := range members(dst) {
						for f := range 2 {
							sa, da := firstAddrs(s)[f], firstAddrs(d)[f]
							if !sa.IsValid() || !da.IsValid() || (port.family() != 0 && port.family() != 4+2*f) {
								continue
							}
							v := eng.Evaluate(model.Flow{Src: sa, Dst: da, Protocol: port.Protocol, SrcPort: matrixSourcePort, DstPort: port.Number})
							e, i := v.Egress.Allowed(), v.Ingress.Allowed()
							if opts.Staged {
								e, i = v.Egress.PendingAllowed(), v.Ingress.PendingAllowed()
							}
							eg, in, both = eg.merge(e), in.merge(i), both.merge(e && i)
						}
					}
				}
				if got, want := fmt.Sprint(cell.Egress, cell.Ingress, cell.Verdict), fmt.Sprint(eg, in, both); got != want {
					t.Fatalf("cluster %d %+v: %s -> %s %s: cell says %s, member pairs %s", ci, opts, src.Name, dst.Name, port, got, want)
				}
				checked++
			}
			if checked == 0 {
				t.Errorf("cluster %d %+v: no endpoint cell checked", ci, opts)
			}
		}
	}
}

func endpointsByKey(set model.Set) map[model.Key]*model.Endpoint {
	out := map[model.Key]*model.Endpoint{}
	for i := range set.Endpoints {
		out[set.Endpoints[i].Key()] = &set.Endpoints[i]
	}
	return out
}

// stripEndpoints leaves out which endpoint was judged, the one thing
// members of a class differ in.
func stripEndpoints(v model.Verdict) model.Verdict {
	v.Egress.Endpoint, v.Ingress.Endpoint = model.Key{}, model.Key{}
	return v
}

// A port declared by number does not resolve under a rule without a
// protocol, one declared by name does: the two endpoints are told apart.
func TestClassesTellPortProtocolByNumberApart(t *testing.T) {
	pod := func(name, app, addr string, byNumber bool) model.Endpoint {
		return model.Endpoint{
			Kind: model.KindWorkloadEndpoint, Name: name, Namespace: "ns",
			Labels:    map[string]string{"app": app},
			Addresses: []netip.Addr{netip.MustParseAddr(addr)},
			Ports:     []model.EndpointPort{{Name: "sql", Protocol: model.ProtoTCP, Port: 5432, ProtocolByNumber: byNumber}},
		}
	}
	set := model.Set{
		Namespaces: []model.Namespace{{Name: "ns"}},
		Endpoints:  []model.Endpoint{pod("by-name", "db", "10.0.0.1", false), pod("by-number", "db", "10.0.0.2", true), pod("client", "client", "10.0.0.3", false)},
		Policies: []model.Policy{{
			Kind: model.KindNetworkPolicy, Name: "db", Namespace: "ns", Tier: "default",
			Selector: selector.MustParse("all()"),
			Types:    []model.Direction{model.Ingress},
			Ingress:  []model.Rule{{Action: model.Allow, Destination: model.EntityRule{Ports: []model.Port{{Name: "sql"}}}}},
		}},
	}
	eng, err := eval.New(set)
	if err != nil {
		t.Fatal(err)
	}
	flow := func(dst string) bool {
		return eng.Evaluate(model.Flow{Src: netip.MustParseAddr("10.0.0.3"), Dst: netip.MustParseAddr(dst), Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: 5432}).Ingress.Allowed()
	}
	if flow("10.0.0.1") == flow("10.0.0.2") {
		t.Fatal("the engine treats both alike; the case tests nothing")
	}
	if got := len(Classes(set)); got != 3 {
		t.Errorf("%d classes, want 3: the port declared by number must not share the named one's class", got)
	}
}

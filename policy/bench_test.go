package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// benchResources generates n resources of a cluster: per namespace one
// Namespace, pods, NetworkPolicies and NetworkSets, plus GlobalNetworkPolicies,
// in the proportions 1 : 50 : 30 : 10 namespaced, 9 global per 100.
// Selectors come from a small vocabulary, as in real clusters.
func benchResources(n int) []map[string]any {
	apps := []string{"web", "api", "db", "cache", "worker", "batch", "auth", "search"}
	var out []map[string]any
	meta := func(name, ns string, labels map[string]any) map[string]any {
		m := map[string]any{"name": name}
		if ns != "" {
			m["namespace"] = ns
		}
		if labels != nil {
			m["labels"] = labels
		}
		return m
	}
	for i := 0; len(out) < n; i++ {
		ns := fmt.Sprintf("ns-%d", i)
		out = append(out, map[string]any{"apiVersion": "v1", "kind": "Namespace",
			"metadata": meta(ns, "", map[string]any{"team": apps[i%len(apps)]})})
		for j := 0; j < 50 && len(out) < n; j++ {
			app := apps[j%len(apps)]
			out = append(out, map[string]any{"apiVersion": "v1", "kind": "Pod",
				"metadata": meta(fmt.Sprintf("%s-%d", app, j), ns, map[string]any{"app": app, "version": fmt.Sprint("v", j%3)}),
				"spec":     map[string]any{"serviceAccountName": app, "containers": []any{map[string]any{"name": "c", "ports": []any{map[string]any{"name": "http", "containerPort": 8080}}}}},
				"status":   map[string]any{"podIP": fmt.Sprintf("10.%d.%d.%d", i/256%256, i%256, j+1)},
			})
		}
		for j := 0; j < 30 && len(out) < n; j++ {
			app, peer := apps[j%len(apps)], apps[(j+1)%len(apps)]
			out = append(out, map[string]any{"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy",
				"metadata": meta(fmt.Sprintf("allow-%d", j), ns, nil),
				"spec": map[string]any{
					"order":    float64(j),
					"selector": fmt.Sprintf("app == '%s'", app),
					"ingress": []any{
						map[string]any{"action": "Allow", "protocol": "TCP",
							"source":      map[string]any{"selector": fmt.Sprintf("app == '%s'", peer)},
							"destination": map[string]any{"ports": []any{8080, "9000:9100", "http"}}},
						map[string]any{"action": "Deny", "source": map[string]any{"nets": []any{"192.168.0.0/16"}}},
					},
					"egress": []any{map[string]any{"action": "Allow"}},
				},
			})
		}
		for j := 0; j < 10 && len(out) < n; j++ {
			out = append(out, map[string]any{"apiVersion": "projectcalico.org/v3", "kind": "NetworkSet",
				"metadata": meta(fmt.Sprintf("set-%d", j), ns, map[string]any{"kind": "partner"}),
				"spec":     map[string]any{"nets": []any{fmt.Sprintf("172.%d.%d.0/24", 16+j, i%256)}},
			})
		}
		for j := 0; j < 9 && len(out) < n; j++ {
			out = append(out, map[string]any{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",
				"metadata": meta(fmt.Sprintf("g-%d-%d", i, j), "", nil),
				"spec": map[string]any{
					"selector":          fmt.Sprintf("app == '%s'", apps[j%len(apps)]),
					"namespaceSelector": fmt.Sprintf("team == '%s'", apps[(i+j)%len(apps)]),
					"types":             []any{"Ingress", "Egress"},
					"ingress":           []any{map[string]any{"action": "Pass", "protocol": "UDP", "destination": map[string]any{"ports": []any{53}}}},
				},
			})
		}
	}
	return out
}

// benchInput writes resources as a YAML stream or as JSON objects one
// after another.
func benchInput(b *testing.B, resources []map[string]any, format string) []byte {
	var buf bytes.Buffer
	for i, r := range resources {
		j, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		if format == "yaml" {
			y, err := yaml.JSONToYAML(j)
			if err != nil {
				b.Fatal(err)
			}
			if i > 0 {
				buf.WriteString("---\n")
			}
			buf.Write(y)
			continue
		}
		buf.Write(j)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func benchLoad(b *testing.B, format string) {
	const n = 100_000
	data := benchInput(b, benchResources(n), format)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	var heap uint64
	for i := 0; i < b.N; i++ {
		l := NewLoader()
		if err := l.Add("bench", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		res, err := l.Finish()
		if err != nil {
			b.Fatal(err)
		}
		if got := len(res.Set.Policies) + len(res.Set.Endpoints) + len(res.Set.Namespaces) + len(res.Set.NetworkSets); got != n {
			b.Fatalf("loaded %d resources, want %d", got, n)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapAlloc)
		runtime.KeepAlive(res)
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
}

// BenchmarkLoad100k loads 100,000 generated resources given as JSON
// objects one after another (kubectl get -o json style), reporting the
// live heap holding the result as heap-MB.
func BenchmarkLoad100k(b *testing.B) { benchLoad(b, "json") }

// BenchmarkLoad100kYAML loads the same resources as a YAML stream of
// 100,000 documents.
func BenchmarkLoad100kYAML(b *testing.B) { benchLoad(b, "yaml") }

// dockerInspect writes n containers as `docker inspect` does, in profile
// mode: every container on one of 50 Calico networks, whose `docker
// network inspect` output follows the containers and lists them too.
func dockerInspect(n int) []byte {
	const networks = 50
	var containers, nets []any
	members := make([]map[string]any, networks)
	for j := range members {
		members[j] = map[string]any{}
	}
	for i := range n {
		id := fmt.Sprintf("%064x", i)
		name := fmt.Sprintf("c-%d", i)
		net := fmt.Sprintf("net-%d", i%networks)
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		containers = append(containers, map[string]any{
			"Id": id, "Name": "/" + name,
			"Config": map[string]any{"Labels": map[string]any{"org.projectcalico.label.app": fmt.Sprint("app-", i%20)}},
			"NetworkSettings": map[string]any{"Networks": map[string]any{
				net: map[string]any{"NetworkID": net, "IPAddress": ip, "GlobalIPv6Address": ""},
			}},
		})
		members[i%networks][id] = map[string]any{"Name": name, "IPv4Address": ip + "/8"}
	}
	for j := range networks {
		name := fmt.Sprintf("net-%d", j)
		nets = append(nets, map[string]any{"Name": name, "Id": name, "Driver": "calico", "Containers": members[j]})
	}
	out, err := json.Marshal(append(containers, nets...))
	if err != nil {
		panic(err)
	}
	return out
}

// BenchmarkLoadDocker loads `docker inspect` and `docker network inspect`
// output of growing size; the time per container must stay flat, as the
// work is linear in the containers.
func BenchmarkLoadDocker(b *testing.B) {
	for _, n := range []int{5000, 10000, 20000, 40000} {
		data := dockerInspect(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				l := NewLoader()
				if err := l.Add("docker.json", bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
				res, err := l.Finish()
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Set.Endpoints) != n {
					b.Fatalf("loaded %d endpoints, want %d", len(res.Set.Endpoints), n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/container")
		})
	}
}

// BenchmarkLoadList loads one List of 20,000 items (Pods, with a
// Namespace), as kubectl get -o json writes it and as -o yaml does,
// reporting per byte of input the bytes allocated (alloc-B/B) and the
// most heap in use, sampled every millisecond (peak-heap-B/B).
func BenchmarkLoadList(b *testing.B) {
	const n = 20_000
	jsonText := kubectlJSONList(b, n)
	for _, in := range []struct {
		format string
		text   []byte
	}{{"json", jsonText}, {"yaml", []byte(bigList(n, ""))}} {
		b.Run(in.format, func(b *testing.B) {
			b.SetBytes(int64(len(in.text)))
			b.ReportAllocs()
			runtime.GC()
			stop, peak := sampleHeap()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				l := NewLoader()
				if err := l.Add("list."+in.format, bytes.NewReader(in.text)); err != nil {
					b.Fatal(err)
				}
				res, err := l.Finish()
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Set.Endpoints) != n {
					b.Fatalf("loaded %d endpoints, want %d", len(res.Set.Endpoints), n)
				}
			}
			runtime.ReadMemStats(&after)
			stop()
			size := float64(len(in.text))
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/size, "alloc-B/B")
			b.ReportMetric(float64(*peak)/size, "peak-heap-B/B")
		})
	}
}

// sampleHeap samples the bytes of heap objects (live or not yet swept)
// every millisecond until stop is called, keeping the most seen.
func sampleHeap() (stop func(), peak *uint64) {
	peak = new(uint64)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			*peak = max(*peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }, peak
}

package authz_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/verdictlabs/verdict/authz"
	"github.com/verdictlabs/verdict/authz/loadgen"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/reload"
)

var reloadChecks = flag.Int("reload-checks", 8_000, "checks the reload-under-load test sends (the issue's figure is 200,000)")

// Two versions of one policy: v1 lets the front end GET under /api, v2
// under /api/v2 only and POST too; the requests below get different
// answers from the two.
const policyV1 = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-http, namespace: shop}
spec:
  selector: app == 'api'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {serviceAccounts: {names: [frontend]}}
    http: {methods: [GET], paths: [{prefix: /api}]}
`

const policyV2 = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-http, namespace: shop}
spec:
  selector: app == 'api'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source: {serviceAccounts: {names: [frontend]}}
    http: {methods: [GET, POST], paths: [{prefix: /api/v2}]}
`

// Issue 25: while a bounded load runs over 32 concurrent streams, the
// policy file flips between two versions every 100 ms; every answer is
// one of the two versions' answers for its request, and no request fails.
// The load is bounded in count (-reload-checks, 8,000 by default; -short
// sends a tenth) and in time (25 s, for a race-checked run on a busy
// machine): a run the clock stops has failed nothing, and must still have
// seen both versions.
func TestReloadUnderLoad(t *testing.T) {
	checks := *reloadChecks
	if testing.Short() {
		checks /= 10
	}
	dir := t.TempDir()
	shop, err := os.ReadFile("testdata/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The shop's workloads without its policies: the versions below are
	// the only policy.
	var cluster []byte
	for _, doc := range strings.Split(string(shop), "\n---\n") {
		if !strings.Contains(doc, "kind: NetworkPolicy") && !strings.Contains(doc, "kind: StagedNetworkPolicy") {
			cluster = append(cluster, doc+"\n---\n"...)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), cluster, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "policy.yaml")
	write := func(text string) {
		// Written aside and renamed, as configuration tools do, so the
		// loader never reads half a file.
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	// Each version's answers, from a server on that version alone.
	reqs := []*authv3.CheckRequest{
		httpCheck(web, api, "GET", "/api/items"),
		httpCheck(web, api, "GET", "/api"),
		httpCheck(web, api, "GET", "/api/v2/items"),
		httpCheck(web, api, "POST", "/api/v2/items"),
		httpCheck(web, api, "POST", "/api/items"),
		httpCheck(intruder, api, "GET", "/api/v2"),
	}
	want := make([][2]string, len(reqs))
	for v, text := range []string{policyV1, policyV2} {
		write(text)
		files, _, err := reload.Load([]string{dir}, reload.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := serve(t, authz.NewServer(files, authz.Options{}))
		for i, r := range reqs {
			want[i][v] = answer(check(t, c, r))
		}
	}
	differ := 0
	for i := range reqs {
		if want[i][0] != want[i][1] {
			differ++
		}
	}
	if differ < 3 {
		t.Fatalf("the two versions differ on only %d requests: %v", differ, want)
	}

	write(policyV1)
	var reloads, refused atomic.Int64
	files, _, err := reload.Load([]string{dir}, reload.Options{OnReload: func(_ *policy.Result, err error) {
		if err != nil {
			refused.Add(1)
			return
		}
		reloads.Add(1)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go files.Watch(ctx, 10*time.Millisecond)
	flipped := make(chan int)
	go func() {
		n := 0
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				flipped <- n
				return
			case <-tick.C:
				n++
				write([]string{policyV1, policyV2}[n%2])
			}
		}
	}()

	c := serve(t, authz.NewServer(files, authz.Options{}))
	index := map[*authv3.CheckRequest]int{}
	for i, r := range reqs {
		index[r] = i
	}
	var seen [2]atomic.Int64 // answers only one version gives, by version
	res, err := loadgen.Run(ctx, c, reqs, loadgen.Options{
		Count: checks, Duration: 25 * time.Second, Streams: 32,
		Check: func(req *authv3.CheckRequest, resp *authv3.CheckResponse) error {
			i := index[req]
			got := answer(resp)
			switch {
			case got == want[i][0] && got == want[i][1]:
			case got == want[i][0]:
				seen[0].Add(1)
			case got == want[i][1]:
				seen[1].Add(1)
			default:
				return fmt.Errorf("request %d answered %q; version 1 says %q, version 2 %q", i, got, want[i][0], want[i][1])
			}
			return nil
		},
	})
	cancel()
	flips := <-flipped
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d checks in %v over 32 streams (%.0f/s, p50 %v, p99 %v) while the file flipped %d times: %d reloads, %d refused; answers only version 1 gives: %d, only version 2: %d",
		res.Checks, res.Elapsed.Round(time.Millisecond), res.PerSecond(), res.P50, res.P99, flips, reloads.Load(), refused.Load(), seen[0].Load(), seen[1].Load())
	if res.Failed > 0 || res.Checks != checks && res.Elapsed < 25*time.Second || res.Checks == 0 {
		t.Fatalf("%d of %d checks answered, %d failed; first failure: %v", res.Checks, checks, res.Failed, res.FirstError)
	}
	if refused.Load() > 0 {
		t.Errorf("%d reloads refused; every version written was good", refused.Load())
	}
	if flips >= 4 && (seen[0].Load() == 0 || seen[1].Load() == 0 || reloads.Load() < 2) {
		t.Errorf("over %d flips the load saw version 1 %d times and version 2 %d times, with %d reloads: the reloads did not reach the server", flips, seen[0].Load(), seen[1].Load(), reloads.Load())
	}
}

// answer is what a response says: the verdict and the deciding policy and
// rule.
func answer(resp *authv3.CheckResponse) string {
	return meta(resp, authz.MetaVerdict) + " " + meta(resp, authz.MetaPolicy) + " " + meta(resp, authz.MetaRule)
}

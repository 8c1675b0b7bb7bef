package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/verdictlabs/verdict/beam/pipeline"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// generatedRecords is how many records the generated cluster logs: the
// issue asks for at least 200,000.
const generatedRecords = 200_000

var stagedKind = map[model.Kind]model.Kind{
	model.KindNetworkPolicy:       model.KindStagedNetworkPolicy,
	model.KindGlobalNetworkPolicy: model.KindStagedGlobalNetworkPolicy,
}

// flipped returns the policy with its first rule's Allow and Deny
// swapped, so that its staged or candidate form changes verdicts.
func flipped(p model.Policy) model.Policy {
	p.Ingress = append([]model.Rule(nil), p.Ingress...)
	p.Egress = append([]model.Rule(nil), p.Egress...)
	for _, rules := range [][]model.Rule{p.Ingress, p.Egress} {
		if len(rules) > 0 {
			switch rules[0].Action {
			case model.Allow:
				rules[0].Action = model.Deny
			case model.Deny:
				rules[0].Action = model.Allow
			}
		}
	}
	return p
}

// generated writes a generated cluster's resources with staged changes,
// a candidate set, and its flows as records in several files: Verdict
// JSON lines plain and gzipped, CSV gzipped, with times, counts, logged
// actions and peers that name nothing.
func generated(t *testing.T) (files, candidate, flows []string, ns string) {
	t.Helper()
	dir := t.TempDir()
	p := workload.DefaultClusterParams(2_000)
	p.Seed = 26
	p.Flows = generatedRecords
	c := workload.NewCluster(p)
	set := c.Set
	cand := model.Set{Tiers: set.Tiers}
	taken := map[model.Key]bool{}
	for _, pol := range c.Set.Policies {
		taken[pol.Key()] = true
	}
	for i, pol := range c.Set.Policies {
		staged, ok := stagedKind[pol.Kind]
		if !ok || taken[model.Key{Kind: staged, Namespace: pol.Namespace, Name: pol.Name}] {
			continue
		}
		taken[model.Key{Kind: staged, Namespace: pol.Namespace, Name: pol.Name}] = true
		switch {
		case i%7 == 0:
			s := flipped(pol)
			s.Kind, s.StagedAction = staged, model.StagedSet
			set.Policies = append(set.Policies, s)
		case i%5 == 0:
			cand.Policies = append(cand.Policies, flipped(pol))
		}
	}
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var b bytes.Buffer
	if err := policy.Encode(&b, set, "yaml"); err != nil {
		t.Fatal(err)
	}
	files = []string{write("cluster.yaml", b.Bytes())}
	b.Reset()
	if err := policy.Encode(&b, cand, "yaml"); err != nil {
		t.Fatal(err)
	}
	candidate = []string{write("candidate.yaml", b.Bytes())}

	for i := range set.Endpoints {
		if ep := &set.Endpoints[i]; ep.Kind == model.KindWorkloadEndpoint && ns == "" && len(ep.Addresses) > 0 {
			ns = ep.Namespace
		}
	}
	r := rand.New(rand.NewPCG(26, 200))
	parts := [3]bytes.Buffer{}
	parts[2].WriteString("src,dst,proto,sport,dport,icmp_type,icmp_code,count,time,action\n")
	for i, f := range c.Flows {
		src, dst := f.Src.String(), f.Dst.String()
		if i%997 == 0 {
			src = ns + "/no-such-pod"
		}
		action := []string{"allow", "deny", ""}[r.IntN(3)]
		count, at := 1+r.IntN(20), 1764583200+r.IntN(86400)
		icmpType, icmpCode := "", ""
		if f.ICMP != nil {
			icmpType, icmpCode = fmt.Sprint(f.ICMP.Type), fmt.Sprint(f.ICMP.Code)
		}
		switch part := i % 3; part {
		case 2:
			fmt.Fprintf(&parts[2], "%s,%s,%d,%d,%d,%s,%s,%d,%d,%s\n", src, dst, f.Protocol, f.SrcPort, f.DstPort, icmpType, icmpCode, count, at, action)
		default:
			fmt.Fprintf(&parts[part], `{"src":%q,"dst":%q,"proto":%d,"sport":%d,"dport":%d`, src, dst, f.Protocol, f.SrcPort, f.DstPort)
			if f.ICMP != nil {
				fmt.Fprintf(&parts[part], `,"icmp_type":%s,"icmp_code":%s`, icmpType, icmpCode)
			}
			fmt.Fprintf(&parts[part], `,"count":%d,"time":%d,"action":%q}`+"\n", count, at, action)
		}
	}
	gz := func(data []byte) []byte {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(data)
		w.Close()
		return z.Bytes()
	}
	flows = []string{
		write("flows-a.jsonl", parts[0].Bytes()),
		write("flows-b.jsonl.gz", gz(parts[1].Bytes())),
		write("flows-c.csv.gz", gz(parts[2].Bytes())),
	}
	return files, candidate, flows, ns
}

// TestGenerated: a generated cluster's 200,000 records give the
// single-process commands' outputs in all three modes, and the same
// recommendation.
func TestGenerated(t *testing.T) {
	files, candidate, flows, ns := generated(t)
	t.Run("pending", func(t *testing.T) {
		rep := checkImpact(t, impactCase{files: files, flows: flows})
		if rep.Summary.Records < generatedRecords || rep.Summary.NewlyDenied+rep.Summary.NewlyAllowed == 0 || rep.Summary.Unresolved == 0 {
			t.Errorf("the staged changes change nothing, or nothing is unresolved: %+v", rep.Summary)
		}
	})
	t.Run("as-applied", func(t *testing.T) {
		rep := checkImpact(t, impactCase{files: files, flows: flows, asApplied: true})
		if rep.Summary.NewlyDenied+rep.Summary.NewlyAllowed == 0 {
			t.Errorf("applying the staged changes changes nothing: %+v", rep.Summary)
		}
	})
	t.Run("candidate", func(t *testing.T) {
		rep := checkImpact(t, impactCase{files: files, flows: flows, candidate: candidate})
		if rep.Summary.NewlyDenied+rep.Summary.NewlyAllowed == 0 {
			t.Errorf("the candidate changes nothing: %+v", rep.Summary)
		}
	})
	t.Run("recommend", func(t *testing.T) {
		checkRecommend(t, files, flows, pipeline.RecommendConfig{Namespace: ns})
	})
}

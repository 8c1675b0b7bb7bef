package main

import (
	"fmt"
	"strings"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// resolvePeer resolves --src or --dst as eval.ResolvePeer does, and then
// as docker does: a Docker container by a unique prefix of its ID. When
// nothing is found, the error names the endpoints whose names are near.
func resolvePeer(set *model.Set, ref string) (eval.Peer, error) {
	p, err := eval.ResolvePeer(set, ref)
	if err == nil {
		return p, nil
	}
	var byID []*model.Endpoint
	if ref != "" && !strings.Contains(ref, "/") {
		for i := range set.Endpoints {
			if id := set.Endpoints[i].ContainerID; id != "" && strings.HasPrefix(id, ref) {
				byID = append(byID, &set.Endpoints[i])
			}
		}
	}
	switch len(byID) {
	case 0:
	case 1:
		p, err := eval.ResolvePeer(set, qualified(byID[0].Namespace, byID[0].Name))
		if err == nil {
			p.Ref = ref
		}
		return p, err
	default:
		names := make([]string, len(byID))
		for i, e := range byID {
			names[i] = qualified(e.Namespace, e.Name)
		}
		return eval.Peer{}, fmt.Errorf("container ID prefix %q is ambiguous: it begins the IDs of %s", ref, strings.Join(names, ", "))
	}
	if near := nearEndpoints(set, ref); len(near) > 0 {
		return eval.Peer{}, fmt.Errorf("%v; did you mean %s?", err, strings.Join(near, " or "))
	}
	return eval.Peer{}, err
}

// nearEndpoints lists up to three endpoints named nearest ref, within
// two edits, as --src and --dst name them; for a bare name, a pod's name
// without its namespace counts too. With none that near, it lists those
// whose name begins with ref and a dash: the pods of a workload named
// without their generated suffix (vote/worker for vote/worker-6c4d).
func nearEndpoints(set *model.Set, ref string) []string {
	out := nearByEdits(set, ref)
	if len(out) > 0 || ref == "" {
		return out
	}
	for i := range set.Endpoints {
		e := &set.Endpoints[i]
		name := qualified(e.Namespace, e.Name)
		if strings.HasPrefix(name, ref+"-") || (!strings.Contains(ref, "/") && strings.HasPrefix(e.Name, ref+"-")) {
			out = append(out, name)
			if len(out) == 3 {
				break
			}
		}
	}
	return out
}

// nearByEdits lists up to three endpoints named nearest ref, within two
// edits.
func nearByEdits(set *model.Set, ref string) []string {
	var out []string
	best := 3
	for i := range set.Endpoints {
		e := &set.Endpoints[i]
		name := qualified(e.Namespace, e.Name)
		d := editDistance(ref, name)
		if !strings.Contains(ref, "/") && e.Namespace != "" {
			d = min(d, editDistance(ref, e.Name))
		}
		switch {
		case d < best:
			best, out = d, []string{name}
		case d == best && len(out) < 3:
			out = append(out, name)
		}
	}
	return out
}

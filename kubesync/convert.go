package kubesync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// unitKey names what one fragment of the model comes from: one object, or
// for services the Service and its EndpointSlices together, since Calico
// builds a service's members from all of them.
type unitKey = ObjectKey

// A kind Verdict follows, as the decoder reads it.
type kindInfo struct {
	group, kind, apiVersion string
	// take picks out of a one-object load what the object itself gives:
	// the loader also adds the built-in tiers, and a namespace for a pod
	// whose Namespace it was not given.
	take func(name string, s *model.Set) model.Set
}

func takePolicies(_ string, s *model.Set) model.Set { return model.Set{Policies: s.Policies} }
func takeEndpoints(_ string, s *model.Set) model.Set {
	return model.Set{Endpoints: s.Endpoints}
}
func takeNetworkSets(_ string, s *model.Set) model.Set {
	return model.Set{NetworkSets: s.NetworkSets}
}

var (
	kindNamespace = kindInfo{kind: "Namespace", apiVersion: "v1", take: func(_ string, s *model.Set) model.Set {
		return model.Set{Namespaces: s.Namespaces, Profiles: s.Profiles}
	}}
	kindServiceAccount = kindInfo{kind: "ServiceAccount", apiVersion: "v1", take: func(_ string, s *model.Set) model.Set {
		return model.Set{ServiceAccounts: s.ServiceAccounts, Profiles: s.Profiles}
	}}
	kindPod     = kindInfo{kind: "Pod", apiVersion: "v1", take: takeEndpoints}
	kindService = kindInfo{kind: "Service", apiVersion: "v1", take: func(_ string, s *model.Set) model.Set {
		return model.Set{Services: s.Services}
	}}
	kindEndpointSlice     = kindInfo{group: "discovery.k8s.io", kind: "EndpointSlice", apiVersion: "discovery.k8s.io/v1"}
	kindKubeNetPol        = kindInfo{group: "networking.k8s.io", kind: "NetworkPolicy", apiVersion: "networking.k8s.io/v1", take: takePolicies}
	kindClusterNetPol     = kindInfo{group: "policy.networking.k8s.io", kind: "ClusterNetworkPolicy", apiVersion: "policy.networking.k8s.io/v1alpha2", take: takePolicies}
	calicoKindsByResource = map[string]kindInfo{
		"tiers": {kind: "Tier", take: func(name string, s *model.Set) model.Set {
			var out model.Set
			for _, t := range s.Tiers {
				if t.Name == name {
					out.Tiers = append(out.Tiers, t)
				}
			}
			return out
		}},
		"globalnetworkpolicies":           {kind: "GlobalNetworkPolicy", take: takePolicies},
		"networkpolicies":                 {kind: "NetworkPolicy", take: takePolicies},
		"stagedglobalnetworkpolicies":     {kind: "StagedGlobalNetworkPolicy", take: takePolicies},
		"stagednetworkpolicies":           {kind: "StagedNetworkPolicy", take: takePolicies},
		"stagedkubernetesnetworkpolicies": {kind: "StagedKubernetesNetworkPolicy", take: takePolicies},
		"globalnetworksets":               {kind: "GlobalNetworkSet", take: takeNetworkSets},
		"networksets":                     {kind: "NetworkSet", take: takeNetworkSets},
		"hostendpoints":                   {kind: "HostEndpoint", take: takeEndpoints},
		"profiles": {kind: "Profile", take: func(_ string, s *model.Set) model.Set {
			return model.Set{Profiles: s.Profiles}
		}},
	}
)

// Calico's API groups, in the order they are preferred.
const (
	CalicoV3Group  = "projectcalico.org"
	CalicoCRDGroup = "crd.projectcalico.org"
	calicoV3       = "projectcalico.org/v3"
)

// calicoPolicyKinds are the Calico kinds that name a tier.
var calicoPolicyKinds = map[string]bool{
	"GlobalNetworkPolicy": true, "NetworkPolicy": true,
	"StagedGlobalNetworkPolicy": true, "StagedNetworkPolicy": true,
}

// builtinTier tells the tiers every model has.
func builtinTier(name string) bool {
	for _, t := range model.BuiltinTiers() {
		if t.Name == name {
			return true
		}
	}
	return false
}

// decodeUnit runs one unit's documents through policy's decoder and keeps
// what the unit gives. It fails with the decoder's problems.
func decodeUnit(k kindInfo, name string, docs [][]byte) (model.Set, error) {
	l := policy.NewLoader()
	for _, d := range docs {
		if err := l.Add("", bytes.NewReader(d)); err != nil {
			return model.Set{}, err
		}
	}
	if calicoPolicyKinds[k.kind] && len(docs) == 1 {
		// A policy's tier is a separate object, checked by the engine when
		// the policy is applied; the decoder only needs to know it exists.
		if tier := specTier(docs[0]); tier != "" && !builtinTier(tier) {
			doc, _ := json.Marshal(map[string]any{"apiVersion": calicoV3, "kind": "Tier", "metadata": map[string]any{"name": tier}})
			if err := l.Add("", bytes.NewReader(doc)); err != nil {
				return model.Set{}, err
			}
		}
	}
	res, err := l.Finish()
	if err != nil {
		return model.Set{}, err
	}
	return k.take(name, &res.Set), nil
}

// specTier reads spec.tier from a Calico policy document.
func specTier(doc []byte) string {
	var v struct {
		Spec struct {
			Tier string `json:"tier"`
		} `json:"spec"`
	}
	if json.Unmarshal(doc, &v) != nil {
		return ""
	}
	return v.Spec.Tier
}

// typedDoc encodes a typed object with its apiVersion and kind, which
// objects from a typed client or informer do not carry.
func typedDoc(k kindInfo, obj any) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(b, []byte(`{"kind"`)) || bytes.HasPrefix(b, []byte(`{"apiVersion"`)) {
		return b, nil
	}
	head := fmt.Sprintf(`{"apiVersion":%q,"kind":%q`, k.apiVersion, k.kind)
	if string(b) == "{}" {
		return []byte(head + "}"), nil
	}
	return append([]byte(head+","), b[1:]...), nil
}

// calicoDoc encodes a Calico object from the dynamic client as the
// projectcalico.org/v3 document the decoder reads: the Kubernetes
// datastore's CRDs hold the v3 spec under another group.
func calicoDoc(content map[string]any) ([]byte, error) {
	c := make(map[string]any, len(content))
	for k, v := range content {
		c[k] = v
	}
	if av, _ := c["apiVersion"].(string); strings.HasPrefix(av, CalicoCRDGroup+"/") {
		c["apiVersion"] = calicoV3
	}
	delete(c, "status")
	return json.Marshal(c)
}

// missing returns the keys of old that are not in now.
func missing(old, now []model.Key) []model.Key {
	var out []model.Key
	for _, k := range old {
		if !slices.Contains(now, k) {
			out = append(out, k)
		}
	}
	return out
}

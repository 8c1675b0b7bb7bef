package policy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/kube"
)

// Encode writes the model as canonical Calico v3 resources, in format
// "yaml" (a stream of documents separated by ---) or "json" (one List).
// Loading the output gives the same model back.
//
// Policies keep their kind, except converted Kubernetes policies, which
// have no v3 kind of their own and are written as the Calico policies
// they became (see v3PolicyKind). Pods, Docker containers and workload
// endpoints are written as WorkloadEndpoints, host endpoints as
// HostEndpoints. Namespaces, ServiceAccounts, Services and their
// EndpointSlices are Kubernetes objects, which Calico reads from the
// cluster, and are written as such. What the loader supplies itself is
// not written: the built-in tiers, and the kns. and ksa. profiles of the
// namespaces and service accounts.
//
// Two resources that would be written under one name (a Kubernetes
// NetworkPolicy and a Calico NetworkPolicy of the same namespace and name)
// make an error, before anything is written.
func Encode(w io.Writer, set model.Set, format string) error {
	if format != "yaml" && format != "json" {
		return fmt.Errorf("policy: unknown output format %q (want yaml or json)", format)
	}
	docs, err := v3Documents(set)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if format == "json" {
		list := struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Items      []any  `json:"items"`
		}{APIVersion: kube.CoreAPIVersion, Kind: "List", Items: docs}
		if list.Items == nil {
			list.Items = []any{}
		}
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return err
		}
		return bw.Flush()
	}
	for i, d := range docs {
		j, err := json.Marshal(d)
		if err != nil {
			return err
		}
		y, err := yaml.JSONToYAML(j)
		if err != nil {
			return err
		}
		if i > 0 {
			if _, err := bw.WriteString("---\n"); err != nil {
				return err
			}
		}
		if _, err := bw.Write(y); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// v3Documents lists the resources to write, in the order a reader wants
// them: tiers, namespaces and service accounts, profiles, policies,
// network sets, endpoints, services.
func v3Documents(set model.Set) ([]any, error) {
	var docs []any
	written := map[model.Key]string{}
	add := func(key model.Key, from string, doc any) error {
		if prev, dup := written[key]; dup {
			return fmt.Errorf("policy: %s and %s would both be written as %s", prev, from, key)
		}
		written[key] = from
		docs = append(docs, doc)
		return nil
	}

	builtin := map[string]model.Tier{}
	for _, t := range model.BuiltinTiers() {
		builtin[t.Name] = t
	}
	for _, t := range set.Tiers {
		if b, ok := builtin[t.Name]; ok && sameTier(b, t) {
			continue
		}
		if err := add(model.Key{Kind: model.KindTier, Name: t.Name}, "Tier "+t.Name, v3FromTier(t)); err != nil {
			return nil, err
		}
	}

	generated := map[string]bool{}
	for _, ns := range set.Namespaces {
		generated[kube.NamespaceProfile(ns).Name] = true
		if err := add(ns.Key(), ns.Key().String(), kube.NamespaceObject(ns)); err != nil {
			return nil, err
		}
	}
	for _, sa := range set.ServiceAccounts {
		generated[kube.ServiceAccountProfile(sa).Name] = true
		if err := add(sa.Key(), sa.Key().String(), kube.ServiceAccountObject(sa)); err != nil {
			return nil, err
		}
	}
	for i := range set.Profiles {
		p := &set.Profiles[i]
		if generated[p.Name] {
			continue
		}
		if err := add(p.Key(), p.Key().String(), v3FromProfile(p)); err != nil {
			return nil, err
		}
	}
	for i := range set.Policies {
		p := &set.Policies[i]
		key := model.Key{Kind: v3PolicyKind(p.Kind), Namespace: p.Namespace, Name: p.Name}
		if err := add(key, p.Key().String(), v3FromPolicy(p)); err != nil {
			return nil, err
		}
	}
	for i := range set.NetworkSets {
		n := &set.NetworkSets[i]
		if err := add(n.Key(), n.Key().String(), v3FromNetworkSet(n)); err != nil {
			return nil, err
		}
	}
	for i := range set.Endpoints {
		e := &set.Endpoints[i]
		if err := add(e.Key(), e.Key().String(), v3FromEndpoint(e)); err != nil {
			return nil, err
		}
	}
	for i := range set.Services {
		s := &set.Services[i]
		objs := kube.ServiceObjects(s)
		if err := add(s.Key(), s.Key().String(), objs[0]); err != nil {
			return nil, err
		}
		docs = append(docs, objs[1:]...)
	}
	return docs, nil
}

func sameTier(a, b model.Tier) bool {
	return a.DefaultAction == b.DefaultAction && (a.Order == nil) == (b.Order == nil) && (a.Order == nil || *a.Order == *b.Order)
}

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
	docs, conflicts := v3Documents(set)
	if len(conflicts) > 0 {
		return conflicts[0]
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
		enc.SetEscapeHTML(false) // selectors keep their && for people to read
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
func v3Documents(set model.Set) ([]any, []*ConflictError) {
	var docs []any
	var conflicts []*ConflictError
	written := map[model.Key]model.Key{}
	add := func(key, from model.Key, doc any) {
		if prev, dup := written[key]; dup {
			conflicts = append(conflicts, &ConflictError{First: prev, Second: from, As: key})
			return
		}
		written[key] = from
		docs = append(docs, doc)
	}

	builtin := map[string]model.Tier{}
	for _, t := range model.BuiltinTiers() {
		builtin[t.Name] = t
	}
	for _, t := range set.Tiers {
		if b, ok := builtin[t.Name]; ok && sameTier(b, t) {
			continue
		}
		add(model.Key{Kind: model.KindTier, Name: t.Name}, model.Key{Kind: model.KindTier, Name: t.Name}, v3FromTier(t))
	}

	generated := map[string]bool{}
	for _, ns := range set.Namespaces {
		generated[kube.NamespaceProfile(ns).Name] = true
		add(ns.Key(), ns.Key(), kube.NamespaceObject(ns))
	}
	for _, sa := range set.ServiceAccounts {
		generated[kube.ServiceAccountProfile(sa).Name] = true
		add(sa.Key(), sa.Key(), kube.ServiceAccountObject(sa))
	}
	for i := range set.Profiles {
		p := &set.Profiles[i]
		if generated[p.Name] {
			continue
		}
		add(p.Key(), p.Key(), v3FromProfile(p))
	}
	for i := range set.Policies {
		p := &set.Policies[i]
		key := model.Key{Kind: v3PolicyKind(p.Kind), Namespace: p.Namespace, Name: p.Name}
		add(key, p.Key(), v3FromPolicy(p))
	}
	for i := range set.NetworkSets {
		n := &set.NetworkSets[i]
		add(n.Key(), n.Key(), v3FromNetworkSet(n))
	}
	for i := range set.Endpoints {
		e := &set.Endpoints[i]
		add(e.Key(), e.Key(), v3FromEndpoint(e))
	}
	for i := range set.Services {
		s := &set.Services[i]
		objs := kube.ServiceObjects(s)
		add(s.Key(), s.Key(), objs[0])
		docs = append(docs, objs[1:]...)
	}
	return docs, conflicts
}

// ConflictError says that two resources of a model would be written under
// one v3 kind, namespace and name, so Encode cannot write them both: a
// Kubernetes NetworkPolicy and a Calico NetworkPolicy of the same
// namespace and name.
type ConflictError struct {
	First, Second model.Key // the resources, in the order written
	As            model.Key // what both would be written as
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("policy: %s and %s would both be written as %s", e.First, e.Second, e.As)
}

// CheckEncode returns every conflict that would make Encode fail, so that
// a validation can report them all before anything is converted.
func CheckEncode(set model.Set) []*ConflictError {
	_, conflicts := v3Documents(set)
	return conflicts
}

func sameTier(a, b model.Tier) bool {
	return a.DefaultAction == b.DefaultAction && (a.Order == nil) == (b.Order == nil) && (a.Order == nil || *a.Order == *b.Order)
}

package legacy

import (
	"slices"
	"strings"
)

// The calicoctl resources of Calico 2.x, apiVersion v1. Their names and
// fields are those of libcalico-go's v1 API; what changed in v3 is the
// spelling (lower-case actions, protocols and types), tags, and the
// deprecated single net of an entity rule.

// v1Kinds maps each v1 kind to its translation.
var v1Kinds = map[string]func(doc map[string]any, path string, is *issueList) map[string]any{
	"policy":           v1Policy,
	"profile":          v1Profile,
	"workloadEndpoint": v1WorkloadEndpoint,
	"hostEndpoint":     v1HostEndpoint,
}

// v1ListKinds maps each v1 list kind to the kind of its items.
var v1ListKinds = map[string]string{
	"policyList":           "policy",
	"profileList":          "profile",
	"workloadEndpointList": "workloadEndpoint",
	"hostEndpointList":     "hostEndpoint",
}

var v1KindNames = []string{"policy", "profile", "workloadEndpoint", "hostEndpoint",
	"policyList", "profileList", "workloadEndpointList", "hostEndpointList"}

// TranslateV1 translates one calicoctl resource of Calico 2.x (apiVersion:
// v1) into Calico v3 documents:
//
//   - policy becomes a GlobalNetworkPolicy of the same name (v1 policies
//     had no namespace and no tier);
//   - profile becomes a Profile, its labels and tags (as T: "") becoming
//     labelsToApply;
//   - workloadEndpoint becomes a WorkloadEndpoint named from node,
//     orchestrator, workload and endpoint name joined by "-" (each "-"
//     inside them doubled), as Calico's v3 names of workload endpoints
//     are, since the v1 name alone (eth0) repeats across workloads;
//   - hostEndpoint becomes a HostEndpoint of the same name;
//   - policyList, profileList, workloadEndpointList and hostEndpointList
//     become one document per item.
//
// Actions, protocols and policy types must be spelt in lower case, as the
// v1 API required. A resource with issues is left out of the result.
func TranslateV1(doc map[string]any) ([]map[string]any, []Issue) {
	var is issueList
	return translateV1(doc, "", "", &is), is.list
}

// translateV1 translates a resource or a list at path; itemKind is the kind
// of the enclosing list's items, or "" at the top.
func translateV1(doc map[string]any, path, itemKind string, is *issueList) []map[string]any {
	before := is.count()
	apiVersion, ok := doc["apiVersion"]
	switch {
	case !ok && itemKind == "":
		is.addf(child(path, "apiVersion"), "is required: v1")
	case ok && apiVersion != "v1":
		is.addf(child(path, "apiVersion"), "must be v1, not %v", apiVersion)
	}
	kind, _ := getString(doc["kind"], child(path, "kind"), is)
	switch {
	case kind == "" && itemKind != "":
		kind = itemKind
	case kind == "":
		is.addf(child(path, "kind"), "is required: one of %s", strings.Join(v1KindNames, ", "))
		return nil
	case itemKind != "" && kind != itemKind:
		is.addf(child(path, "kind"), "an item of a %sList must be a %s, not %s", itemKind, itemKind, kind)
		return nil
	}
	if elem, ok := v1ListKinds[kind]; ok && itemKind == "" {
		return v1List(doc, path, elem, is)
	}
	translate, ok := v1Kinds[kind]
	if !ok {
		is.addf(child(path, "kind"), "unknown apiVersion v1 kind %q%s", kind, didYouMean(kind, v1KindNames))
		return nil
	}
	checkKeys(doc, path, []string{"apiVersion", "kind", "metadata", "spec"}, is)
	out := translate(doc, path, is)
	if is.count() > before || out == nil {
		return nil
	}
	return []map[string]any{out}
}

func v1List(doc map[string]any, path, elem string, is *issueList) []map[string]any {
	checkKeys(doc, path, []string{"apiVersion", "kind", "metadata", "items"}, is)
	// A list's metadata (a resource version at most) has nothing to keep.
	getMap(doc["metadata"], child(path, "metadata"), is)
	items, _ := getList(doc["items"], child(path, "items"), is)
	var out []map[string]any
	for i, item := range items {
		at := index(child(path, "items"), i)
		m, ok := getMap(item, at, is)
		if !ok {
			continue
		}
		out = append(out, translateV1(m, at, elem, is)...)
	}
	return out
}

// checkKeys reports every key of m that is not in known.
func checkKeys(m map[string]any, path string, known []string, is *issueList) {
	for _, k := range sortedKeys(m) {
		if !slices.Contains(known, k) {
			is.addf(key(path, k), "unknown field %q%s", k, didYouMean(k, known))
		}
	}
}

// v1Sections reads the metadata and spec maps of a resource, checking
// their keys.
func v1Sections(doc map[string]any, path string, metaKeys, specKeys []string, is *issueList) (meta, spec map[string]any) {
	meta, _ = getMap(doc["metadata"], child(path, "metadata"), is)
	checkKeys(meta, child(path, "metadata"), metaKeys, is)
	spec, _ = getMap(doc["spec"], child(path, "spec"), is)
	checkKeys(spec, child(path, "spec"), specKeys, is)
	return meta, spec
}

// requiredName reads metadata.name, which every v1 resource must have.
func requiredName(meta map[string]any, path string, is *issueList) string {
	at := child(child(path, "metadata"), "name")
	name, ok := getString(meta["name"], at, is)
	if ok && name == "" {
		is.addf(at, "is required")
	}
	return name
}

func v1Policy(doc map[string]any, path string, is *issueList) map[string]any {
	meta, spec := v1Sections(doc, path, []string{"name", "annotations"},
		[]string{"order", "selector", "ingress", "egress", "doNotTrack", "preDNAT", "types"}, is)
	specPath := child(path, "spec")
	metadata := map[string]any{"name": requiredName(meta, path, is)}
	if ann, _ := getStringMap(meta["annotations"], child(child(path, "metadata"), "annotations"), is); len(ann) > 0 {
		metadata["annotations"] = stringMapV3(ann)
	}

	out := map[string]any{}
	if v, ok := spec["order"]; ok && v != nil {
		switch n := v.(type) {
		case float64:
			out["order"] = n
		default:
			if i, ok := intValue(v); ok {
				out["order"] = float64(i)
			} else {
				is.addf(child(specPath, "order"), "must be a number, not %s", typeName(v))
			}
		}
	}
	if sel, _ := getString(spec["selector"], child(specPath, "selector"), is); sel != "" {
		if msg := checkSelector(sel); msg != "" {
			is.addf(child(specPath, "selector"), "%s", msg)
		}
		out["selector"] = sel
	}
	if types := v1Types(spec["types"], child(specPath, "types"), is); types != nil {
		out["types"] = types
	}
	for _, dir := range []string{"ingress", "egress"} {
		if rules := v3Rules(decodeRuleList(spec[dir], child(specPath, dir), is, v1Rule)); rules != nil {
			out[dir] = rules
		}
	}
	doNotTrack, _ := getBool(spec["doNotTrack"], child(specPath, "doNotTrack"), is)
	preDNAT, _ := getBool(spec["preDNAT"], child(specPath, "preDNAT"), is)
	if doNotTrack {
		out["doNotTrack"] = true
	}
	if preDNAT {
		out["preDNAT"] = true
	}
	if doNotTrack || preDNAT {
		// v1 untracked and pre-DNAT policies applied to forwarded traffic
		// as well; v3 says so explicitly and requires it.
		out["applyOnForward"] = true
	}
	return v3Document("GlobalNetworkPolicy", metadata, out)
}

// v1Types reads the lower-case policy types of v1.
func v1Types(v any, path string, is *issueList) []any {
	types, ok := getStrings(v, path, is)
	if !ok || len(types) == 0 {
		return nil
	}
	out := make([]any, 0, len(types))
	for i, t := range types {
		switch t {
		case "ingress":
			out = append(out, "Ingress")
		case "egress":
			out = append(out, "Egress")
		case "Ingress", "Egress", "INGRESS", "EGRESS":
			is.addf(index(path, i), "%q: apiVersion v1 spells policy types in lower case (%q)", t, strings.ToLower(t))
		default:
			is.addf(index(path, i), "unknown policy type %q: want ingress or egress", clip(t))
		}
	}
	return out
}

func v1Profile(doc map[string]any, path string, is *issueList) map[string]any {
	meta, spec := v1Sections(doc, path, []string{"name", "tags", "labels"}, []string{"ingress", "egress"}, is)
	metaPath, specPath := child(path, "metadata"), child(path, "spec")
	name := requiredName(meta, path, is)

	labels, _ := getStringMap(meta["labels"], child(metaPath, "labels"), is)
	tags, _ := getStrings(meta["tags"], child(metaPath, "tags"), is)
	apply := map[string]any{}
	for i, t := range tags {
		if msg := checkTag(t); msg != "" {
			is.addf(index(child(metaPath, "tags"), i), "%s", msg)
		}
		apply[t] = ""
	}
	// An explicit label wins over the tag of the same name, as in Felix.
	for k, v := range labels {
		apply[k] = v
	}

	out := map[string]any{}
	if len(apply) > 0 {
		out["labelsToApply"] = apply
	}
	for _, dir := range []string{"ingress", "egress"} {
		if rules := v3Rules(decodeRuleList(spec[dir], child(specPath, dir), is, v1Rule)); rules != nil {
			out[dir] = rules
		}
	}
	return v3Document("Profile", map[string]any{"name": name}, out)
}

var (
	v1RuleKeys   = []string{"action", "ipVersion", "protocol", "notProtocol", "icmp", "notICMP", "source", "destination"}
	v1ICMPKeys   = []string{"type", "code"}
	v1EntityKeys = []string{"tag", "notTag", "net", "notNet", "nets", "notNets", "selector", "notSelector", "ports", "notPorts"}
)

// v1RuleFields maps the scalar fields of a v1 rule to the keys of the rules
// JSON.
var v1RuleFields = map[string]string{
	"action": "action", "ipVersion": "ip_version", "protocol": "protocol", "notProtocol": "!protocol",
}

// v1EntityFields maps the fields of a v1 entity rule to the suffixes of the
// rules JSON keys.
var v1EntityFields = map[string]string{
	"tag": "tag", "notTag": "!tag", "net": "net", "notNet": "!net", "nets": "nets", "notNets": "!nets",
	"selector": "selector", "notSelector": "!selector", "ports": "ports", "notPorts": "!ports",
}

// v1Rule reads a v1 rule by rewriting it with the keys of the rules JSON,
// which name the same fields, and decoding that; paths in messages stay
// those of the v1 document.
func v1Rule(m map[string]any, path string, is *issueList) Rule {
	flat := map[string]any{}
	paths := map[string]string{}
	put := func(jsonKey, at string, v any) {
		flat[jsonKey] = v
		paths[jsonKey] = at
	}
	checkKeys(m, path, v1RuleKeys, is)
	for k, jk := range v1RuleFields {
		if v, ok := m[k]; ok {
			put(jk, child(path, k), v)
		}
	}
	for _, icmp := range []struct{ key, not string }{{"icmp", ""}, {"notICMP", "!"}} {
		at := child(path, icmp.key)
		f, _ := getMap(m[icmp.key], at, is)
		checkKeys(f, at, v1ICMPKeys, is)
		for _, k := range v1ICMPKeys {
			if v, ok := f[k]; ok {
				put(icmp.not+"icmp_"+k, child(at, k), v)
			}
		}
	}
	for _, side := range []struct{ key, prefix string }{{"source", "src_"}, {"destination", "dst_"}} {
		at := child(path, side.key)
		e, _ := getMap(m[side.key], at, is)
		checkKeys(e, at, v1EntityKeys, is)
		for k, suffix := range v1EntityFields {
			if v, ok := e[k]; ok {
				name, not := strings.CutPrefix(suffix, "!")
				jk := side.prefix + name
				if not {
					jk = "!" + jk
				}
				put(jk, child(at, k), v)
			}
		}
	}
	return decodeRule(flat, func(k string) string {
		if p, ok := paths[k]; ok {
			return p
		}
		// Only fields that were present are checked, so this is not
		// reached; a path is still better than none.
		return child(path, k)
	}, is)
}

// stringMapV3 turns a string map into the generic form of a decoded
// document.
func stringMapV3(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

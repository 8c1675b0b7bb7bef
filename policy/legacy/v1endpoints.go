package legacy

import (
	"strings"
)

// The endpoints of the v1 API. Verdict needs their labels, addresses,
// profiles and named ports; the other fields are carried over to the v3
// fields of the same meaning.

func v1WorkloadEndpoint(doc map[string]any, path string, is *issueList) map[string]any {
	meta, spec := v1Sections(doc, path,
		[]string{"name", "workload", "orchestrator", "node", "activeInstanceID", "labels"},
		[]string{"ipNetworks", "ipNATs", "ipv4Gateway", "ipv6Gateway", "profiles", "interfaceName", "mac", "ports"}, is)
	metaPath, specPath := child(path, "metadata"), child(path, "spec")

	out := map[string]any{}
	ids := make([]string, 0, 4)
	// In v1 an endpoint was known by node, orchestrator, workload and its
	// own name together; v3 names it by joining them, as Calico's v3 names
	// of workload endpoints do, so that eth0 of two pods stays two names.
	for _, f := range []struct{ v1, v3 string }{
		{"node", "node"}, {"orchestrator", "orchestrator"}, {"workload", "workload"}, {"name", "endpoint"},
	} {
		s, _ := getString(meta[f.v1], child(metaPath, f.v1), is)
		if s == "" {
			continue
		}
		out[f.v3] = s
		ids = append(ids, strings.ReplaceAll(s, "-", "--"))
	}
	// The active instance ID only told the CNI plugin which container owned
	// the endpoint; no policy can see it.
	getString(meta["activeInstanceID"], child(metaPath, "activeInstanceID"), is)
	if out["endpoint"] == nil {
		is.addf(child(metaPath, "name"), "is required")
	}

	copyStrings(spec, out, specPath, is, "ipNetworks", true)
	copyStrings(spec, out, specPath, is, "profiles", false)
	for _, k := range []string{"ipv4Gateway", "ipv6Gateway", "interfaceName", "mac"} {
		if s, _ := getString(spec[k], child(specPath, k), is); s != "" {
			out[k] = s
		}
	}
	copyMaps(spec, out, specPath, is, "ipNATs", v1IPNATKeys, v1IPNAT)
	copyMaps(spec, out, specPath, is, "ports", v1EndpointPortKeys, v1EndpointPort)
	metadata := map[string]any{"name": strings.Join(ids, "-")}
	if labels, _ := getStringMap(meta["labels"], child(metaPath, "labels"), is); len(labels) > 0 {
		metadata["labels"] = stringMapV3(labels)
	}
	return v3Document("WorkloadEndpoint", metadata, out)
}

func v1HostEndpoint(doc map[string]any, path string, is *issueList) map[string]any {
	meta, spec := v1Sections(doc, path, []string{"name", "node", "labels"},
		[]string{"interfaceName", "expectedIPs", "profiles", "ports"}, is)
	metaPath, specPath := child(path, "metadata"), child(path, "spec")

	metadata := map[string]any{"name": requiredName(meta, path, is)}
	if labels, _ := getStringMap(meta["labels"], child(metaPath, "labels"), is); len(labels) > 0 {
		metadata["labels"] = stringMapV3(labels)
	}
	out := map[string]any{}
	if node, _ := getString(meta["node"], child(metaPath, "node"), is); node != "" {
		out["node"] = node
	}
	if s, _ := getString(spec["interfaceName"], child(specPath, "interfaceName"), is); s != "" {
		out["interfaceName"] = s
	}
	copyStrings(spec, out, specPath, is, "expectedIPs", true)
	copyStrings(spec, out, specPath, is, "profiles", false)
	copyMaps(spec, out, specPath, is, "ports", v1EndpointPortKeys, v1EndpointPort)
	return v3Document("HostEndpoint", metadata, out)
}

// copyStrings copies a list of strings from a v1 spec to the v3 one, checking
// addresses when the list holds them.
func copyStrings(from, to map[string]any, path string, is *issueList, k string, addresses bool) {
	list, ok := getStrings(from[k], child(path, k), is)
	if !ok || len(list) == 0 {
		return
	}
	out := make([]any, len(list))
	for i, s := range list {
		if addresses {
			if msg := checkNet(s); msg != "" {
				is.addf(index(child(path, k), i), "%s", msg)
			}
		}
		out[i] = s
	}
	to[k] = out
}

// copyMaps copies a list of maps from a v1 spec to the v3 one, checking
// each item's keys against keys and translating it with read.
func copyMaps(from, to map[string]any, path string, is *issueList, k string, keys []string, read func(m map[string]any, at string, is *issueList) map[string]any) {
	list, ok := getList(from[k], child(path, k), is)
	if !ok || len(list) == 0 {
		return
	}
	out := make([]any, 0, len(list))
	for i, e := range list {
		at := index(child(path, k), i)
		m, ok := getMap(e, at, is)
		if !ok {
			continue
		}
		checkKeys(m, at, keys, is)
		out = append(out, read(m, at, is))
	}
	to[k] = out
}

var v1IPNATKeys = []string{"internalIP", "externalIP"}

// v1IPNAT reads a 1:1 NAT of an endpoint: {internalIP, externalIP}.
func v1IPNAT(m map[string]any, at string, is *issueList) map[string]any {
	nat := map[string]any{}
	for _, k := range v1IPNATKeys {
		s, _ := getString(m[k], child(at, k), is)
		if s == "" {
			is.addf(child(at, k), "is required")
		} else if msg := checkNet(s); msg != "" {
			is.addf(child(at, k), "%s", msg)
		}
		nat[k] = s
	}
	return nat
}

var v1EndpointPortKeys = []string{"name", "protocol", "port"}

// v1EndpointPort reads a named port of an endpoint: {name, protocol,
// port}, the protocol in v1's lower case.
func v1EndpointPort(m map[string]any, at string, is *issueList) map[string]any {
	port := map[string]any{}
	if name, _ := getString(m["name"], child(at, "name"), is); name != "" {
		port["name"] = name
	} else {
		is.addf(child(at, "name"), "is required")
	}
	if v, ok := m["protocol"]; ok && v != nil {
		if p := decodeProtocol(v, child(at, "protocol"), is); p != "" {
			if msg := checkProtocol(p); msg != "" {
				is.addf(child(at, "protocol"), "%s", msg)
			} else {
				port["protocol"] = v3Protocol(p)
			}
		}
	}
	if n, ok := getInt(m["port"], child(at, "port"), is); ok {
		if n < 1 || n > 65535 {
			is.addf(child(at, "port"), "port %d is out of range 1 to 65535", n)
		}
		port["port"] = float64(n)
	}
	return port
}

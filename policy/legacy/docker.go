package legacy

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// Docker's own JSON, read as Calico's Docker network plugin (libnetwork)
// read the containers it networked. The files are Docker's, not Calico's,
// so fields Verdict does not use are ignored rather than reported.

// dockerLabelPrefix marks the container labels that Calico copies onto the
// endpoint in container-label mode.
const dockerLabelPrefix = "org.projectcalico.label."

// IsDockerContainer reports whether doc is an element of `docker inspect`
// output: no apiVersion or kind, an Id, and Config or NetworkSettings.
func IsDockerContainer(doc map[string]any) bool {
	if hasKey(doc, "apiVersion") || hasKey(doc, "kind") {
		return false
	}
	_, id := doc["Id"].(string)
	_, settings := doc["NetworkSettings"].(map[string]any)
	_, config := doc["Config"].(map[string]any)
	return id && (settings || config)
}

// IsDockerNetwork reports whether doc is an element of `docker network
// inspect` output: no apiVersion or kind, a Name and a Driver, and none of
// a container's Config or NetworkSettings (a container has a Driver too,
// its storage driver).
func IsDockerNetwork(doc map[string]any) bool {
	for _, k := range []string{"apiVersion", "kind", "Config", "NetworkSettings"} {
		if hasKey(doc, k) {
			return false
		}
	}
	_, name := doc["Name"].(string)
	return name && hasKey(doc, "Driver") &&
		(hasKey(doc, "Id") || hasKey(doc, "IPAM") || hasKey(doc, "Scope") || hasKey(doc, "Containers"))
}

func hasKey(doc map[string]any, k string) bool {
	_, ok := doc[k]
	return ok
}

// DockerMode is the mode of Calico's Docker network plugin: whether
// networks are profiles (Calico's default) or container labels are
// endpoint labels (the plugin started with
// --use-docker-networking-container-labels).
type DockerMode string

// The two modes of Calico's Docker plugin.
const (
	// DockerProfiles is Calico's default: each Calico network is a
	// profile of the network's name, and a container's endpoint uses the
	// profile of its network.
	DockerProfiles DockerMode = "profiles"
	// DockerLabels is container-label mode: no profiles exist, and the
	// org.projectcalico.label. labels of a container are its endpoint's
	// labels, so only policies decide.
	DockerLabels DockerMode = "labels"
)

// Describe says the mode in words, with the plugin flag that selects it.
func (m DockerMode) Describe() string {
	if m == DockerLabels {
		return "container labels (--use-docker-networking-container-labels): no profiles, only policies decide"
	}
	return "networks as profiles (Calico's default; --use-docker-networking-container-labels for container labels)"
}

// dockerOwnNetworks are the networks Docker itself creates on every host,
// with its own drivers (bridge, host, null): never Calico networks.
var dockerOwnNetworks = map[string]bool{"bridge": true, "host": true, "none": true}

// TranslateDocker translates Docker's description of containers (elements
// of `docker inspect`) and networks (elements of `docker network inspect`)
// into Calico v3 documents, in the given mode of Calico's Docker plugin.
// The mode is always the caller's choice: whether network documents are
// given changes only which networks are known to be Calico's.
//
// Which networks are Calico's: with network documents, those whose Driver
// is calico (a container's network is matched by name or network id);
// without any, every network a container lists but Docker's own bridge,
// host and none. A container on no Calico network is not a Calico
// endpoint: it gets none, and a warning issue names it and its networks.
//
// Labels whose key starts with org.projectcalico.label. become endpoint
// labels without the prefix, in both modes; other labels are Docker's and
// are ignored. In profile mode each Calico network becomes a Profile of
// the network's name carrying the tag of that name and the default rules
// (ingress allowed from has(<name>), egress allowed), as NewProfile gives,
// and a container's endpoint on it uses that profile; in label mode no
// profile is made. Containers that a Calico network lists but `docker
// inspect` did not describe still get an endpoint, named and addressed
// from the network's own list (without labels, which only `docker
// inspect` shows).
//
// Each container gets one WorkloadEndpoint per Calico network: named as
// the container (without Docker's leading /), or <container>.<network>
// when it is on several Calico networks (which Calico never supported, so
// the endpoints need telling apart); no namespace; spec.workload the
// container name, containerID, ipNetworks the addresses on that network
// (as /32 and /128), orchestrator libnetwork, and in profile mode the
// network's profile.
//
// Every document and issue says which input it came from (DockerInput),
// so the caller can name the file and document; issue paths are inside
// that input. A container or network with (non-warning) issues is left out
// of the result. The work is linear in the containers and the networks'
// members.
func TranslateDocker(containers, networks []map[string]any, mode DockerMode) ([]DockerDocument, []DockerIssue) {
	var is dockerIssues
	profileMode := mode != DockerLabels
	k := dockerCalicoNetworks(networks, &is)

	var workloads []*dockerWorkload
	seenIDs, seenNames := map[string]bool{}, map[string]bool{}
	for i, c := range containers {
		var cis issueList
		from := DockerInput{Index: i}
		w, notCalico := dockerContainer(c, from, profileMode, k, &cis)
		is.take(from, &cis)
		if notCalico != "" {
			is = append(is, DockerIssue{From: from, Warning: true, Issue: Issue{Msg: notCalico}})
		}
		if w == nil {
			continue
		}
		w.from = from
		workloads = append(workloads, w)
		seenNames[w.name] = true
		if w.id != "" {
			seenIDs[w.id] = true
		}
	}
	workloads = append(workloads, dockerListedContainers(k.calico, seenIDs, seenNames, &is)...)

	var out []DockerDocument
	if profileMode {
		for _, n := range k.calico {
			out = append(out, DockerDocument{Doc: NewProfile(n.name).V3(), From: n.from})
		}
		for _, n := range k.assumed {
			out = append(out, DockerDocument{Doc: NewProfile(n.name).V3(), From: n.from})
		}
	}
	for _, w := range workloads {
		for _, doc := range w.endpoints(profileMode) {
			out = append(out, DockerDocument{Doc: doc, From: w.from})
		}
	}
	return out, is
}

// DockerInput names one of the documents given to TranslateDocker:
// element Index of the containers, or of the networks when Network is
// set.
type DockerInput struct {
	Network bool
	Index   int
}

// String names the input as containers[i] or networks[j].
func (in DockerInput) String() string {
	if in.Network {
		return index("networks", in.Index)
	}
	return index("containers", in.Index)
}

// DockerDocument is a v3 document TranslateDocker made, and the input it
// came from: the container a workload endpoint is for (or the network
// whose list of containers alone described it), the network a profile is
// for.
type DockerDocument struct {
	Doc  map[string]any
	From DockerInput
}

// DockerIssue is an issue of one Docker input; its Path is inside that
// input. A Warning does not keep the input out of the result: it says
// what the translation left out, such as a container on no Calico
// network.
type DockerIssue struct {
	From    DockerInput
	Warning bool
	Issue
}

// Absolute returns the issue with its path starting at the input, such
// as containers[1].NetworkSettings.Networks.n.IPAddress.
func (d DockerIssue) Absolute() Issue {
	switch {
	case d.Path == "":
		return Issue{Path: d.From.String(), Msg: d.Msg}
	case d.Path[0] == '[':
		return Issue{Path: d.From.String() + d.Path, Msg: d.Msg}
	}
	return Issue{Path: d.From.String() + "." + d.Path, Msg: d.Msg}
}

// String formats the issue as "containers[i].path: message".
func (d DockerIssue) String() string { return d.Absolute().String() }

// dockerIssues collects the issues of every input, in the order found.
type dockerIssues []DockerIssue

// take moves the issues of one input from is.
func (d *dockerIssues) take(from DockerInput, is *issueList) {
	for _, i := range is.list {
		*d = append(*d, DockerIssue{From: from, Issue: i})
	}
	is.list = nil
}

// dockerNetwork is a Calico network of `docker network inspect`, or one
// a container lists and no network document describes.
type dockerNetwork struct {
	name, id   string
	from       DockerInput
	containers map[string]any // Docker's Containers: container id to endpoint
}

// dockerNetworks is what is known of the networks: the Calico ones of the
// network documents, the others (name and id to driver), and in the mode
// without network documents the networks assumed Calico's as containers
// list them.
type dockerNetworks struct {
	given   bool
	calico  []dockerNetwork
	other   map[string]string
	assumed []dockerNetwork
}

func dockerCalicoNetworks(networks []map[string]any, all *dockerIssues) *dockerNetworks {
	k := &dockerNetworks{given: len(networks) > 0, other: map[string]string{}}
	byName := map[string]string{}
	for i, n := range networks {
		from := DockerInput{Network: true, Index: i}
		var is issueList
		if driver, _ := n["Driver"].(string); driver != "calico" {
			for _, f := range []string{"Name", "Id"} {
				if v, _ := n[f].(string); v != "" {
					k.other[v] = driver
				}
			}
			continue
		}
		name, _ := getString(n["Name"], "Name", &is)
		if name == "" {
			is.addf("Name", "is required: the network's name names its profile")
		} else if msg := checkTag(name); msg != "" {
			is.addf("Name", "a Calico network's name is its profile's tag: %s", msg)
		} else if first, dup := byName[name]; dup {
			is.addf("Name", "a Calico network named %s already came at %s", name, first)
		}
		id, _ := getString(n["Id"], "Id", &is)
		members, _ := getMap(n["Containers"], "Containers", &is)
		if is.count() > 0 {
			all.take(from, &is)
			continue
		}
		byName[name] = from.String()
		k.calico = append(k.calico, dockerNetwork{name: name, id: id, from: from, containers: members})
	}
	return k
}

// match finds the Calico network a container's network entry refers to,
// by name or by network id. When it is not Calico's, it returns "" and
// why not. A network assumed Calico's must have a name that can be its
// profile's tag, in profile mode; bad says why not.
func (k *dockerNetworks) match(name, id string, from DockerInput, profileMode bool) (network, why, bad string) {
	for _, n := range k.calico {
		if n.name == name || (id != "" && n.id == id) {
			return n.name, "", ""
		}
	}
	for _, v := range []string{name, id} {
		if driver, ok := k.other[v]; ok && v != "" {
			return "", fmt.Sprintf("%s (driver %s)", name, driver), ""
		}
	}
	if k.given {
		return "", fmt.Sprintf("%s (not in the docker network inspect output given)", name), ""
	}
	if dockerOwnNetworks[name] {
		return "", fmt.Sprintf("%s (Docker's own)", name), ""
	}
	for _, n := range k.assumed {
		if n.name == name {
			return name, "", ""
		}
	}
	if msg := checkTag(name); msg != "" && profileMode {
		return "", "", "a Calico network's name is its profile's tag: " + msg
	}
	k.assumed = append(k.assumed, dockerNetwork{name: name, id: id, from: from})
	return name, "", ""
}

// dockerWorkload is a container and the Calico networks it is attached to.
type dockerWorkload struct {
	name, id    string
	from        DockerInput
	labels      map[string]any
	attachments []dockerAttachment
}

type dockerAttachment struct {
	network string
	nets    []any // the container's addresses on the network, as /32 and /128
}

// dockerContainer reads one container. When it is on no Calico network,
// it returns no workload and a message saying so.
func dockerContainer(c map[string]any, from DockerInput, profileMode bool, k *dockerNetworks, is *issueList) (*dockerWorkload, string) {
	const path = ""
	before := is.count()
	name, _ := getString(c["Name"], child(path, "Name"), is)
	name = strings.TrimPrefix(name, "/")
	if name == "" {
		is.addf(child(path, "Name"), "is required: the endpoint is named after the container")
	}
	id, _ := getString(c["Id"], child(path, "Id"), is)
	w := &dockerWorkload{name: name, id: id}

	config, _ := getMap(c["Config"], child(path, "Config"), is)
	labelsPath := child(child(path, "Config"), "Labels")
	labels, _ := getStringMap(config["Labels"], labelsPath, is)
	for _, k := range sortedKeys(labels) {
		bare, ok := strings.CutPrefix(k, dockerLabelPrefix)
		if !ok {
			continue
		}
		if bare == "" {
			is.addf(key(labelsPath, k), "the label has nothing after the prefix %s", dockerLabelPrefix)
			continue
		}
		if w.labels == nil {
			w.labels = map[string]any{}
		}
		w.labels[bare] = labels[k]
	}

	settings, _ := getMap(c["NetworkSettings"], child(path, "NetworkSettings"), is)
	netsPath := child(child(path, "NetworkSettings"), "Networks")
	attached, _ := getMap(settings["Networks"], netsPath, is)
	var others []string
	for _, netName := range sortedKeys(attached) {
		at := key(netsPath, netName)
		ep, ok := getMap(attached[netName], at, is)
		if !ok {
			continue
		}
		networkID, _ := ep["NetworkID"].(string)
		network, why, bad := k.match(netName, networkID, from, profileMode)
		if bad != "" {
			is.addf(at, "%s", bad)
			continue
		}
		if network == "" {
			others = append(others, why)
			continue
		}
		var addrs []any
		for _, field := range []string{"IPAddress", "GlobalIPv6Address"} {
			s, _ := getString(ep[field], child(at, field), is)
			if s == "" {
				continue
			}
			if host, msg := hostNet(s); msg != "" {
				is.addf(child(at, field), "%s", msg)
			} else {
				addrs = append(addrs, host)
			}
		}
		w.attachments = append(w.attachments, dockerAttachment{network: network, nets: addrs})
	}
	if is.count() > before {
		return nil, ""
	}
	if len(w.attachments) == 0 {
		if len(others) == 0 {
			return nil, fmt.Sprintf("container %s is on no network: not a Calico endpoint", orQuote(name))
		}
		return nil, fmt.Sprintf("container %s is on no Calico network, only %s: not a Calico endpoint", orQuote(name), strings.Join(others, ", "))
	}
	return w, ""
}

// orQuote names a container, or says it has no name.
func orQuote(name string) string {
	if name == "" {
		return "(no name)"
	}
	return name
}

// hostNet turns an address (or an address with its network's prefix, as
// `docker network inspect` writes it) into the single-address CIDR of a
// workload endpoint's ipNetworks.
func hostNet(s string) (string, string) {
	addr, err := model.ParseAddr(s)
	if err != nil && !strings.Contains(s, "%") {
		p, perr := model.ParsePrefix(s)
		if perr != nil {
			return "", fmt.Sprintf("%q is not an IP address", clip(s))
		}
		addr, err = model.ParseAddr(p.Addr().String())
	}
	if err != nil {
		return "", err.Error()
	}
	return netip.PrefixFrom(addr, addr.BitLen()).String(), ""
}

// dockerListedContainers builds the workloads that only the Calico
// networks' Containers lists describe, in network order and then by
// container name.
func dockerListedContainers(nets []dockerNetwork, seenIDs, seenNames map[string]bool, all *dockerIssues) []*dockerWorkload {
	var out []*dockerWorkload
	byID := map[string]*dockerWorkload{}
	for _, n := range nets {
		var is issueList
		for _, id := range sortedByName(n.containers) {
			if seenIDs[id] {
				continue
			}
			at := key("Containers", id)
			before := is.count()
			ep, _ := getMap(n.containers[id], at, &is)
			name, _ := getString(ep["Name"], child(at, "Name"), &is)
			name = strings.TrimPrefix(name, "/")
			if seenNames[name] {
				continue
			}
			if name == "" {
				is.addf(child(at, "Name"), "is required: the endpoint is named after the container")
			}
			var addrs []any
			for _, field := range []string{"IPv4Address", "IPv6Address"} {
				s, _ := getString(ep[field], child(at, field), &is)
				if s == "" {
					continue
				}
				if host, msg := hostNet(s); msg != "" {
					is.addf(child(at, field), "%s", msg)
				} else {
					addrs = append(addrs, host)
				}
			}
			if is.count() > before {
				continue
			}
			w := byID[id]
			if w == nil {
				w = &dockerWorkload{name: name, id: id, from: n.from}
				byID[id] = w
				out = append(out, w)
			}
			w.attachments = append(w.attachments, dockerAttachment{network: n.name, nets: addrs})
		}
		all.take(n.from, &is)
	}
	return out
}

// sortedByName orders a network's Containers entries by container name,
// then id, so that output does not depend on Docker's ids.
func sortedByName(members map[string]any) []string {
	ids := sortedKeys(members)
	nameOf := func(id string) string {
		m, _ := members[id].(map[string]any)
		s, _ := m["Name"].(string)
		return s
	}
	sort.SliceStable(ids, func(i, j int) bool { return nameOf(ids[i]) < nameOf(ids[j]) })
	return ids
}

// endpoints returns one WorkloadEndpoint per Calico network of the
// workload.
func (w *dockerWorkload) endpoints(profileMode bool) []map[string]any {
	out := make([]map[string]any, 0, len(w.attachments))
	for _, a := range w.attachments {
		name := w.name
		if len(w.attachments) > 1 {
			name += "." + a.network
		}
		metadata := map[string]any{"name": name}
		if len(w.labels) > 0 {
			metadata["labels"] = copyMap(w.labels)
		}
		spec := map[string]any{"orchestrator": "libnetwork", "workload": w.name}
		if w.id != "" {
			spec["containerID"] = w.id
		}
		if len(a.nets) > 0 {
			spec["ipNetworks"] = append([]any(nil), a.nets...)
		}
		if profileMode {
			spec["profiles"] = []any{a.network}
		}
		out = append(out, v3Document("WorkloadEndpoint", metadata, spec))
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

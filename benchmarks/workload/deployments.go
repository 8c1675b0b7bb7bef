package workload

import (
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/kube"
)

// deployment is a set of identical pods, as a Kubernetes Deployment or
// StatefulSet makes them.
type deployment struct {
	name      string
	namespace string
	app       string
	role      role
	ports     []model.EndpointPort
	template  map[string]string // the pod template's labels
	stateful  bool              // a StatefulSet: pods named by ordinal
	account   string
	dual      bool
	pods      []int // indexes into the set's endpoints
}

// edge is one line of the communication graph: client pods open
// connections to server pods on port.
type edge struct {
	client, server *deployment
	port           model.EndpointPort
}

// addSystemDeployments adds the cluster DNS, Prometheus and the ingress
// controller, as far as the endpoint budget allows.
func (b *builder) addSystemDeployments() {
	b.addDeployment(b.namespaceInfo(namespaceKubeSystem), "coredns", role{name: "dns", tier: "system"},
		[]model.EndpointPort{portDNS, portDNSTCP, {Name: "metrics", Protocol: model.ProtoTCP, Port: 9153}},
		map[string]string{"k8s-app": "kube-dns"}, 2)
	b.addDeployment(b.namespaceInfo(namespaceMonitoring), "prometheus", role{name: "monitoring", tier: "system"},
		[]model.EndpointPort{portPromWeb},
		map[string]string{"app": "prometheus", "app.kubernetes.io/name": "prometheus"}, 1)
	b.addDeployment(b.namespaceInfo(namespaceIngress), "ingress-nginx-controller", role{name: "ingress", tier: "edge"},
		[]model.EndpointPort{portIngress, portHTTPS, {Name: "metrics", Protocol: model.ProtoTCP, Port: 10254}},
		map[string]string{"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}, 2)
}

// addApplications adds deployments round-robin over the application
// namespaces, each namespace growing along stack, until every endpoint of
// the budget exists.
func (b *builder) addApplications() {
	var apps []*namespaceInfo
	for _, ns := range b.namespaces {
		if !ns.system {
			apps = append(apps, ns)
		}
	}
	for i := 0; b.budget > 0; i++ {
		ns := apps[i%len(apps)]
		rl := stack[ns.next%len(stack)]
		ns.next++
		app, ports := b.appName(ns.name, rl)
		labels := map[string]string{
			"app":     app,
			"tier":    rl.tier,
			"version": pick(b.r, versions),
			"team":    ns.team,
		}
		if b.r.chance(0.5) {
			labels["app.kubernetes.io/name"] = app
		}
		if rl.name == roleDatabase.name && (ns.team == "payments" || ns.team == "checkout") {
			labels["pci"] = "true"
		}
		replicas := b.r.between(1, b.p.MaxReplicas)
		if rl.name == roleDatabase.name {
			replicas = b.r.between(1, min(2, b.p.MaxReplicas))
		}
		b.addDeployment(ns, app, rl, ports, labels, replicas)
	}
}

// appName picks an application of the role not yet in the namespace, or
// numbers a second copy, with the ports that application serves.
func (b *builder) appName(namespace string, rl role) (string, []model.EndpointPort) {
	start := b.r.IntN(len(rl.apps))
	for i := range rl.apps {
		j := (start + i) % len(rl.apps)
		if !b.apps[namespace+"/"+rl.apps[j]] {
			return rl.apps[j], rl.ports[j]
		}
	}
	for k := 2; ; k++ {
		name := fmt.Sprintf("%s-%d", rl.apps[start], k)
		if !b.apps[namespace+"/"+name] {
			return name, rl.ports[start]
		}
	}
}

// addDeployment adds a deployment of up to replicas pods (fewer when the
// budget runs out), its service account and its service.
func (b *builder) addDeployment(ns *namespaceInfo, app string, rl role, ports []model.EndpointPort, labels map[string]string, replicas int) {
	replicas = min(replicas, b.budget)
	if replicas <= 0 {
		return
	}
	b.budget -= replicas
	b.apps[ns.name+"/"+app] = true
	hash := b.r.token(10)
	// Databases run as StatefulSets, whose pods carry the controller's
	// revision and their own name instead of a template hash.
	template := map[string]string{"pod-template-hash": hash}
	stateful := rl.name == roleDatabase.name
	if stateful {
		template = map[string]string{"controller-revision-hash": app + "-" + hash}
	}
	for k, v := range labels {
		template[k] = v
	}
	d := &deployment{
		name:      app,
		namespace: ns.name,
		app:       app,
		role:      rl,
		ports:     ports,
		template:  template,
		stateful:  stateful,
		account:   app,
		dual:      b.r.chance(b.p.DualStack),
	}
	if b.r.chance(0.15) {
		d.account = defaultServiceAcct
	}
	if d.account != defaultServiceAcct {
		saLabels := map[string]string{"role": rl.name}
		if ns.team != "" {
			saLabels["team"] = ns.team
		}
		if rl.name == roleDatabase.name || rl.name == "monitoring" {
			saLabels["privileged"] = "true"
		}
		b.addServiceAccount(ns.name, d.account, saLabels)
	}
	for range replicas {
		d.pods = append(d.pods, b.addPod(d, hash))
	}
	b.deployments = append(b.deployments, d)
	if len(ports) > 0 && rl.name != roleWorker.name {
		b.addService(d)
	}
}

// addPod adds one pod of the deployment and returns its index.
func (b *builder) addPod(d *deployment, hash string) int {
	labels := make(map[string]string, len(d.template)+1)
	for k, v := range d.template {
		labels[k] = v
	}
	if b.r.chance(0.1) {
		labels["canary"] = "true"
		labels["version"] = pick(b.r, versions)
	}
	name := d.name + "-" + hash + "-" + b.r.token(5)
	for b.podNames[d.namespace+"/"+name] {
		name = d.name + "-" + hash + "-" + b.r.token(5)
	}
	if d.stateful {
		name = fmt.Sprintf("%s-%d", d.name, len(d.pods))
		labels["statefulset.kubernetes.io/pod-name"] = name
		b.podNames[d.namespace+"/"+name] = true
	}
	b.podNames[d.namespace+"/"+name] = true
	addrs := []netip.Addr{b.podsV4.take()}
	if d.dual {
		addrs = append(addrs, b.podsV6.take())
	}
	b.set.Endpoints = append(b.set.Endpoints, podEndpoint(name, d.namespace, labels, d.ports, d.account, pick(b.r, b.nodes), addrs))
	return len(b.set.Endpoints) - 1
}

// addService adds the deployment's service, with one endpoint slice per
// address family as Kubernetes writes them.
func (b *builder) addService(d *deployment) {
	svc := model.Service{Name: d.name, Namespace: d.namespace}
	for _, family := range []func(netip.Addr) bool{netip.Addr.Is4, netip.Addr.Is6} {
		var addrs []netip.Addr
		for _, i := range d.pods {
			for _, a := range b.set.Endpoints[i].Addresses {
				if family(a) {
					addrs = append(addrs, a)
				}
			}
		}
		if len(addrs) > 0 {
			svc.Slices = append(svc.Slices, model.ServiceSlice{Addresses: addrs, Ports: append([]model.EndpointPort(nil), d.ports...)})
		}
	}
	b.set.Services = append(b.set.Services, svc)
}

// addEdges draws the communication graph: frontends call APIs, APIs call
// data stores and other APIs (sometimes in other namespaces), workers
// consume queues and databases, everyone resolves names with the cluster
// DNS, Prometheus scrapes every metrics port and the ingress controller
// forwards to frontends.
func (b *builder) addEdges() {
	byNS := map[string][]*deployment{}
	var dns, prometheus, ingress *deployment
	var apis []*deployment
	for _, d := range b.deployments {
		byNS[d.namespace] = append(byNS[d.namespace], d)
		switch d.name {
		case "coredns":
			dns = d
		case "prometheus":
			prometheus = d
		case "ingress-nginx-controller":
			ingress = d
		}
		if d.role.name == roleAPI.name {
			apis = append(apis, d)
		}
	}
	serving := func(d *deployment) []model.EndpointPort {
		var out []model.EndpointPort
		for _, p := range d.ports {
			if p.Name != "metrics" {
				out = append(out, p)
			}
		}
		return out
	}
	connect := func(client, server *deployment) {
		if ports := serving(server); len(ports) > 0 && client != server {
			b.edges = append(b.edges, edge{client: client, server: server, port: pick(b.r, ports)})
		}
	}
	for _, d := range b.deployments {
		local := byNS[d.namespace]
		for _, s := range local {
			switch {
			case d.role.name == roleFrontend.name && s.role.name == roleAPI.name,
				d.role.name == roleAPI.name && (s.role.name == roleDatabase.name || s.role.name == roleCache.name || s.role.name == roleQueue.name),
				d.role.name == roleWorker.name && (s.role.name == roleQueue.name || s.role.name == roleDatabase.name):
				connect(d, s)
			}
		}
		if d.role.name == roleAPI.name && len(apis) > 1 && b.r.chance(0.4) {
			connect(d, pick(b.r, apis))
		}
		if dns != nil && d != dns {
			b.edges = append(b.edges, edge{client: d, server: dns, port: portDNS}, edge{client: d, server: dns, port: portDNSTCP})
		}
		if prometheus != nil {
			for _, p := range d.ports {
				if p.Name == "metrics" {
					b.edges = append(b.edges, edge{client: prometheus, server: d, port: p})
				}
			}
		}
		if ingress != nil && d.role.name == roleFrontend.name {
			b.edges = append(b.edges, edge{client: ingress, server: d, port: portHTTP})
		}
	}
}

// podEndpoint returns the workload endpoint the loader makes of a running
// pod with these labels, named container ports, service account, node and
// addresses.
func podEndpoint(name, namespace string, labels map[string]string, ports []model.EndpointPort, account, node string, addrs []netip.Addr) model.Endpoint {
	pod := &kube.Pod{
		Metadata: kube.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Spec:     kube.PodSpec{ServiceAccountName: account, NodeName: node},
		Status:   kube.PodStatus{Phase: "Running"},
	}
	container := kube.Container{Name: "main"}
	for _, p := range ports {
		container.Ports = append(container.Ports, kube.ContainerPort{
			Name: p.Name, ContainerPort: int32(p.Port), Protocol: model.ProtocolName(p.Protocol),
		})
	}
	pod.Spec.Containers = []kube.Container{container}
	for _, a := range addrs {
		pod.Status.PodIPs = append(pod.Status.PodIPs, kube.PodIP{IP: a.String()})
	}
	ep, problems := kube.ConvertPod(pod)
	mustBeValid(problems)
	return ep
}

package kube_test

import (
	"encoding/json"
	"fmt"

	"github.com/verdictlabs/verdict/policy/kube"
)

func ExampleConvertNetworkPolicy() {
	manifest := `{
	  "apiVersion": "networking.k8s.io/v1",
	  "kind": "NetworkPolicy",
	  "metadata": {"name": "db-access", "namespace": "prod"},
	  "spec": {
	    "podSelector": {"matchLabels": {"app": "db"}},
	    "ingress": [{
	      "from": [
	        {"podSelector": {"matchLabels": {"app": "web"}}},
	        {"ipBlock": {"cidr": "192.0.2.0/24"}}
	      ],
	      "ports": [{"port": 5432}, {"protocol": "UDP", "port": 53}]
	    }]
	  }
	}`
	var np kube.NetworkPolicy
	if err := json.Unmarshal([]byte(manifest), &np); err != nil {
		panic(err)
	}
	pol, problems := kube.ConvertNetworkPolicy(&np)
	if len(problems) > 0 {
		panic(problems)
	}
	fmt.Println(pol.Kind, pol.Namespace+"/"+pol.Name, "tier", pol.Tier, "order", *pol.Order, pol.Types)
	fmt.Println("selects", pol.Selector)
	// One rule per protocol (TCP before UDP) times one per peer.
	for i, r := range pol.Ingress {
		from := fmt.Sprint(r.Source.Nets)
		if r.Source.Selector != nil {
			from = r.Source.Selector.String()
		}
		fmt.Printf("%d: %s %s port %d from %s\n", i, r.Action, r.Protocol, r.Destination.Ports[0].Min, from)
	}
	// Output:
	// KubernetesNetworkPolicy prod/db-access tier default order 1000 [Ingress]
	// selects (projectcalico.org/orchestrator == "k8s" && app == "db")
	// 0: Allow TCP port 5432 from (projectcalico.org/orchestrator == "k8s" && app == "web")
	// 1: Allow TCP port 5432 from [192.0.2.0/24]
	// 2: Allow UDP port 53 from (projectcalico.org/orchestrator == "k8s" && app == "web")
	// 3: Allow UDP port 53 from [192.0.2.0/24]
}

func ExampleConvertClusterNetworkPolicy() {
	manifest := `{
	  "apiVersion": "policy.networking.k8s.io/v1alpha2",
	  "kind": "ClusterNetworkPolicy",
	  "metadata": {"name": "deny-external"},
	  "spec": {
	    "tier": "Admin",
	    "priority": 10,
	    "subject": {"namespaces": {"matchLabels": {"env": "prod"}}},
	    "egress": [{"name": "no-internet", "action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}]
	  }
	}`
	var c kube.ClusterNetworkPolicy
	if err := json.Unmarshal([]byte(manifest), &c); err != nil {
		panic(err)
	}
	pol, ok, _ := kube.ConvertClusterNetworkPolicy(&c)
	fmt.Println(ok, pol.Kind, pol.Name, "tier", pol.Tier, "order", *pol.Order, pol.Types)
	fmt.Println("namespaces", pol.NamespaceSelector, "pods", pol.Selector)
	r := pol.Egress[0]
	fmt.Println(r.Action, "to", r.Destination.Nets, "rule", r.Annotations["name"])
	// Output:
	// true KubernetesClusterNetworkPolicy deny-external tier kube-admin order 10 [Egress]
	// namespaces env == "prod" pods projectcalico.org/orchestrator == "k8s"
	// Deny to [0.0.0.0/0] rule no-internet
}

func ExampleConvertPod() {
	manifest := `{
	  "apiVersion": "v1",
	  "kind": "Pod",
	  "metadata": {"name": "web-1", "namespace": "prod", "labels": {"app": "web"}},
	  "spec": {"containers": [{"name": "web", "ports": [{"name": "http", "containerPort": 8080}]}]},
	  "status": {"podIP": "10.0.1.5", "podIPs": [{"ip": "10.0.1.5"}]}
	}`
	var p kube.Pod
	if err := json.Unmarshal([]byte(manifest), &p); err != nil {
		panic(err)
	}
	ep, _ := kube.ConvertPod(&p)
	fmt.Println(ep.Key(), ep.Addresses, ep.Profiles, ep.ServiceAccount)
	fmt.Printf("%+v\n", ep.Ports)
	// Output:
	// WorkloadEndpoint prod/web-1 [10.0.1.5] [kns.prod ksa.prod.default] default
	// [{Name:http Protocol:6 Port:8080 ProtocolByNumber:false}]
}

package policy_test

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

func ExampleDecode() {
	set, err := policy.Decode(strings.NewReader(`
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: database
spec:
  selector: role == 'database'
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: role == 'frontend'
    destination:
      ports: [3306]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p := set.Policies[0]
	fmt.Println(p.Name, p.Tier, p.Types, p.Selector)
	fmt.Println(p.Ingress[0].Action, p.Ingress[0].Protocol, p.Ingress[0].Destination.Ports)
	fmt.Println(len(set.Tiers), "tiers")
	// Output:
	// database default [Ingress] role == "database"
	// Allow TCP [{3306 3306 }]
	// 3 tiers
}

func ExampleDecode_problems() {
	_, err := policy.Decode(strings.NewReader(`
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: db
  namespace: prod
spec:
  tier: platform
  ingress:
  - action: Allow
    protocol: ICMP
    destination:
      ports: [5432]
`))
	var probs policy.Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			fmt.Println(p)
		}
	}
	// Output:
	// line 13, column 15: document 1: NetworkPolicy prod/db: spec.ingress[0].destination.ports[0]: protocol ICMP has no ports: ports need protocol TCP, UDP or SCTP
	// line 8, column 9: document 1: NetworkPolicy prod/db: spec.tier: NetworkPolicy prod/db is in tier "platform", which does not exist: no Tier "platform" is in the load (the built-in tiers are default, kube-admin and kube-baseline)
}

func ExampleLoader() {
	l := policy.NewLoader()
	inputs := map[string]string{
		"tiers.yaml": "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: platform}\nspec: {order: 100}\n",
		"db.yaml":    "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: db, namespace: vote}\nspec: {tier: platform, ingress: [{action: allow}]}\n",
	}
	for _, name := range []string{"db.yaml", "tiers.yaml"} {
		if err := l.Add(name, strings.NewReader(inputs[name])); err != nil {
			fmt.Println(err) // unreadable, or not YAML or JSON
			return
		}
	}
	res, err := l.Finish()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range res.Warnings {
		fmt.Println(w)
	}
	fmt.Println(res.Counts)
	// Output:
	// db.yaml:4:43: document 1: NetworkPolicy vote/db: spec.ingress[0].action: warning: action "allow" is spelled "Allow" in Calico v3
	// map[NetworkPolicy:1 Tier:1]
}

func ExampleDecodeRule() {
	r, err := policy.DecodeRule([]byte(`{"action":"Deny","protocol":"UDP","destination":{"ports":["5000:5010"]}}`))
	fmt.Println(r.Action, r.Protocol, r.Destination.Ports, err)

	_, err = policy.DecodeRule([]byte(`{"action":"Allow","icmp":{"code":1}}`))
	fmt.Println(err)
	// Output:
	// Deny UDP [{5000 5010 }] <nil>
	// 2 problems:
	// icmp.code: needs a type: an ICMP code cannot be matched without its type
	// icmp: needs protocol ICMP or ICMPv6
}

func ExampleDecodePolicyRule() {
	rule := []byte(`{"action":"Allow","source":{"services":{"name":"web"}}}`)

	// In a GlobalNetworkPolicy a service needs a namespace.
	_, err := policy.DecodePolicyRule(rule, "", model.Ingress)
	fmt.Println(err)

	// In a NetworkPolicy it loads, with a warning the loader reports:
	// Calico looks the service up with no namespace, so the rule never
	// matches.
	r, err := policy.DecodePolicyRule(rule, "prod", model.Ingress)
	fmt.Println(r.Source.Services.Name, r.Source.Services.Namespace == "", err)

	// Services stand on the remote side: a destination in egress only.
	_, err = policy.DecodePolicyRule(rule, "prod", model.Egress)
	fmt.Println(err)
	// Output:
	// source.services.namespace: is required outside a namespaced policy
	// web true <nil>
	// source.services: is not allowed in an egress rule's source: an egress rule names services as its destination
}

func ExampleEncode() {
	set, err := policy.Decode(strings.NewReader(`
- apiVersion: v1
  kind: policy
  metadata: {name: frontend}
  spec:
    selector: role == 'frontend'
    egress:
    - action: allow
      protocol: tcp
      destination: {selector: role == 'database', ports: [3306]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := policy.Encode(os.Stdout, set, "yaml"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// apiVersion: projectcalico.org/v3
	// kind: GlobalNetworkPolicy
	// metadata:
	//   name: frontend
	// spec:
	//   egress:
	//   - action: Allow
	//     destination:
	//       ports:
	//       - 3306
	//       selector: role == "database"
	//     protocol: TCP
	//   selector: role == "frontend"
	//   tier: default
	//   types:
	//   - Egress
}

func ExampleLoadFiles() {
	set, err := policy.LoadFiles("testdata/seeds/000-docker-labels-v3.yaml", "testdata/seeds/APP-rules.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range set.Policies {
		fmt.Println(p.Key())
	}
	for _, p := range set.Profiles {
		fmt.Println(p.Key())
	}
	// Output:
	// GlobalNetworkPolicy database
	// GlobalNetworkPolicy frontend
	// Profile APP
}

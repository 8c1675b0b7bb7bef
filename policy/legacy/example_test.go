package legacy_test

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/verdictlabs/verdict/policy/legacy"
)

// The databases profile of seed 002: the default rules of a Docker network,
// then a rule letting the applications network reach MySQL.
func ExampleParseRule() {
	p := legacy.NewProfile("databases")
	r, err := legacy.ParseRule("allow tcp from tag applications to ports 3306")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.AddRule(true, 0, r); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(p.Show())
	// Output:
	// Inbound rules:
	//    1 allow from tag databases
	//    2 allow tcp from tag applications to ports 3306
	// Outbound rules:
	//    1 allow
}

// Errors say where the rule text went wrong and what was expected.
func ExampleParseRule_error() {
	_, err := legacy.ParseRule("allow icmp type 8 from ports 80")
	fmt.Println(err)
	// Output:
	// rule text: ports are allowed only on tcp and udp rules at offset 23
}

// Seed 003: removing the default rule of WEB, inserting two rules.
func ExampleProfile_AddRule() {
	web := legacy.NewProfile("WEB")
	if err := web.RemoveRuleAt(true, 1); err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{"allow icmp type 8", "allow tcp to ports 80,443"} {
		r, err := legacy.ParseRule(text)
		if err != nil {
			fmt.Println(err)
			return
		}
		// --at=1: each rule goes first.
		if err := web.AddRule(true, 1, r); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Print(web.Show())
	// Output:
	// Inbound rules:
	//    1 allow tcp to ports 80,443
	//    2 allow icmp type 8
	// Outbound rules:
	//    1 allow
}

// Seed 003: `calicoctl profile APP rule update < APP-rules.json`.
func ExampleProfile_UpdateRules() {
	data, err := os.ReadFile("testdata/seed003-APP-rules.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	app := legacy.NewProfile("APP")
	if err := app.UpdateRules(data); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(app.Show())
	// Output:
	// Inbound rules:
	//    1 allow tcp from tag APP_7890 to ports 7890
	//    2 allow icmp type 8
	// Outbound rules:
	//    1 allow
}

// A Calico 2.x policy becomes a v3 GlobalNetworkPolicy with v3's spelling.
func ExampleTranslateV1() {
	var doc map[string]any
	err := yaml.Unmarshal([]byte(`
apiVersion: v1
kind: policy
metadata:
  name: frontend
spec:
  order: 0
  selector: role == 'frontend'
  egress:
  - action: allow
    protocol: tcp
    destination:
      selector: role == 'database'
      ports:
      -  3306
`), &doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	docs, issues := legacy.TranslateV1(doc)
	for _, i := range issues {
		fmt.Println(i)
	}
	for _, d := range docs {
		out, _ := yaml.Marshal(d)
		fmt.Print(string(out))
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
	//       selector: role == 'database'
	//     protocol: TCP
	//   order: 0
	//   selector: role == 'frontend'
}

// Tags become labels on the profile and has() selectors in rules.
func ExampleTranslateV1_profile() {
	var doc map[string]any
	err := yaml.Unmarshal([]byte(`
apiVersion: v1
kind: profile
metadata:
  name: databases
  tags: [databases]
spec:
  ingress:
  - action: allow
    source:
      tag: databases
`), &doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	docs, _ := legacy.TranslateV1(doc)
	out, _ := yaml.Marshal(docs[0])
	fmt.Print(string(out))
	// Output:
	// apiVersion: projectcalico.org/v3
	// kind: Profile
	// metadata:
	//   name: databases
	// spec:
	//   ingress:
	//   - action: Allow
	//     source:
	//       selector: has(databases)
	//   labelsToApply:
	//     databases: ""
}

// Issues carry the path of the field in the legacy document.
func ExampleTranslateProfileRules() {
	var doc map[string]any
	err := yaml.Unmarshal([]byte(`{"id": "APP", "inbound_rules": [{"action": "allow", "protocol": "TCP", "dst_port": [7890]}]}`), &doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, issues := legacy.TranslateProfileRules(doc)
	for _, i := range issues {
		fmt.Println(i)
	}
	// Output:
	// inbound_rules[0].dst_port: unknown field "dst_port"; did you mean "dst_ports"?
	// inbound_rules[0].protocol: "TCP": the legacy formats spell protocols in lower case ("tcp")
}

// In container-label mode only the labels Calico's plugin reads become
// endpoint labels.
func ExampleTranslateDocker() {
	var containers []map[string]any
	err := yaml.Unmarshal([]byte(`[{
		"Id": "4c1b5d3a", "Name": "/database-B",
		"Config": {"Labels": {"org.projectcalico.label.role": "database", "org.projectcalico.label.backup": "true", "maintainer": "ops"}},
		"NetworkSettings": {"Networks": {"net1": {"IPAddress": "192.168.229.67", "GlobalIPv6Address": ""}}}
	}]`), &containers)
	if err != nil {
		fmt.Println(err)
		return
	}
	docs, _ := legacy.TranslateDocker(containers, nil, legacy.DockerLabels)
	for _, d := range docs {
		fmt.Println("from", d.From)
	}
	var v3 []map[string]any
	for _, d := range docs {
		v3 = append(v3, d.Doc)
	}
	out, _ := yaml.Marshal(v3)
	fmt.Print(string(out))
	// Output:
	// from containers[0]
	// - apiVersion: projectcalico.org/v3
	//   kind: WorkloadEndpoint
	//   metadata:
	//     labels:
	//       backup: "true"
	//       role: database
	//     name: database-B
	//   spec:
	//     containerID: 4c1b5d3a
	//     ipNetworks:
	//     - 192.168.229.67/32
	//     orchestrator: libnetwork
	//     workload: database-B
}

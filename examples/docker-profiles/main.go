// Command docker-profiles walks through the tutorial "Accessing Calico
// policy with Calico as a network plugin" (seed 002): each Calico Docker
// network is a profile carrying its own tag, whose default rules let the
// network's containers talk to each other; the databases profile is then
// opened to the applications network on TCP 3306 with calicoctl's rule
// text.
package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"

	"github.com/verdictlabs/verdict/examples/internal/walkthrough"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/policy/legacy"
)

//go:embed *.json
var files embed.FS

// flows are the connections checked before and after the rule is added.
var flows = []walkthrough.Flow{
	{From: "mysql-2", To: "mysql-1", Protocol: model.ProtoTCP, Port: 3306},
	{From: "app-1", To: "mysql-1", Protocol: model.ProtoTCP, Port: 3306},
	{From: "app-1", To: "mysql-1", Protocol: model.ProtoTCP, Port: 22},
	{From: "mysql-1", To: "app-1", Protocol: model.ProtoTCP, Port: 8080},
	{From: "172.17.0.2", To: "mysql-1", Protocol: model.ProtoTCP, Port: 3306},
}

func run(w io.Writer) error {
	// The loader's Docker mode is Calico's default, networks as profiles:
	// every calico network of `docker network inspect` becomes a profile
	// of its name, and legacy-1, on Docker's bridge only, is no Calico
	// endpoint (the loader warns).
	set, err := walkthrough.Load(w, files, "networks.json", "containers.json")
	if err != nil {
		return err
	}
	databases := legacy.NewProfile("databases")
	fmt.Fprintln(w, "$ calicoctl profile databases rule show")
	fmt.Fprint(w, databases.Show())
	fmt.Fprintln(w)
	if err := walkthrough.Decide(w, set, flows...); err != nil {
		return err
	}

	const text = "allow tcp from tag applications to ports 3306"
	fmt.Fprintln(w)
	fmt.Fprintln(w, "$ calicoctl profile databases rule add inbound "+text)
	rule, err := legacy.ParseRule(text)
	if err != nil {
		return err
	}
	if err := databases.AddRule(true, 0, rule); err != nil {
		return err
	}
	fmt.Fprintln(w, "$ calicoctl profile databases rule show")
	fmt.Fprint(w, databases.Show())
	if err := replaceProfile(&set, databases); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return walkthrough.Decide(w, set, flows...)
}

// replaceProfile swaps the profile the Docker network created for the
// edited one, converted like any other input.
func replaceProfile(set *model.Set, p *legacy.Profile) error {
	doc, err := json.Marshal(p.V3())
	if err != nil {
		return err
	}
	edited, err := policy.Decode(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	if len(edited.Profiles) != 1 {
		return fmt.Errorf("profile %s converted to %d profiles", p.Name, len(edited.Profiles))
	}
	for i := range set.Profiles {
		if set.Profiles[i].Name == p.Name {
			set.Profiles[i] = edited.Profiles[0]
			return nil
		}
	}
	return fmt.Errorf("no profile %s to replace", p.Name)
}

func main() { walkthrough.Main("docker-profiles", run) }

// Command docker-labels walks through the tutorial "Security using Docker
// Labels and Calico Policy" (seeds 000 and 001): frontend and database
// containers labelled through Docker, the database and frontend global
// policies, then database-B with backup=true and a backupnetwork policy.
//
// The containers come from `docker inspect` output; only labels prefixed
// org.projectcalico.label. become endpoint labels, and no profiles exist, so
// a flow no policy allows is denied.
package main

import (
	"embed"
	"fmt"
	"io"

	"github.com/verdictlabs/verdict/examples/internal/walkthrough"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/policy/legacy"
)

//go:embed *.json *.yaml
var files embed.FS

const (
	tcp = model.ProtoTCP
	udp = model.ProtoUDP
)

func run(w io.Writer) error {
	fmt.Fprintln(w, "1. Frontend and database containers with the database and frontend policies")
	set, err := walkthrough.LoadWith(w, labelMode, files, "containers.json", "policy.yaml")
	if err != nil {
		return err
	}
	if err := walkthrough.Decide(w, set,
		walkthrough.Flow{From: "frontend-A", To: "database-A", Protocol: tcp, Port: 3306},
		walkthrough.Flow{From: "frontend-A", To: "database-A", Protocol: tcp, Port: 22},
		walkthrough.Flow{From: "database-A", To: "frontend-A", Protocol: tcp, Port: 80},
		walkthrough.Flow{From: "frontend-A", To: "8.8.8.8", Protocol: udp, Port: 53},
	); err != nil {
		return err
	}

	// The tutorial's earlier version wrote the same policies in Calico 2.x
	// form; they must load to the same model.
	v1, err := walkthrough.LoadWith(nil, labelMode, files, "containers.json", "policy-v1.yaml")
	if err != nil {
		return err
	}
	same, err := walkthrough.SamePolicies(set, v1)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "The apiVersion v1 form of the policies loads to the same policies: %v\n", same)

	fmt.Fprintln(w)
	fmt.Fprintln(w, "2. database-B also carries backup=true; backupnetwork allows everything between backup endpoints")
	set, err = walkthrough.LoadWith(nil, labelMode, files, "containers.json", "backup-containers.json", "policy.yaml", "backupnetwork.yaml")
	if err != nil {
		return err
	}
	return walkthrough.Decide(w, set,
		walkthrough.Flow{From: "frontend-A", To: "database-B", Protocol: tcp, Port: 3306},
		walkthrough.Flow{From: "database-A", To: "database-B", Protocol: tcp, Port: 3306},
		walkthrough.Flow{From: "database-B", To: "backup-server", Protocol: tcp, Port: 873},
		walkthrough.Flow{From: "backup-server", To: "database-B", Protocol: tcp, Port: 22},
		walkthrough.Flow{From: "database-A", To: "backup-server", Protocol: tcp, Port: 873},
	)
}

// labelMode is the Docker plugin's mode in this tutorial: it runs with
// --use-docker-networking-container-labels, so container labels are
// endpoint labels and no profiles exist.
var labelMode = []policy.Option{policy.DockerMode(legacy.DockerLabels)}

func main() { walkthrough.Main("docker-labels", run) }

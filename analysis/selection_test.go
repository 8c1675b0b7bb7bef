package analysis

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
)

// TestPolicySelection holds PolicySelection to QueryPolicy: for every
// policy of a generated cluster and of a set with namespace and service
// account selectors, host-hook policies and a staged Delete, the same
// tier, selector and endpoints per direction.
func TestPolicySelection(t *testing.T) {
	generated := workload.NewCluster(workload.LargeClusterParams(300)).Set
	handmade := load(t, `
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev, labels: {env: dev}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: prod, labels: {role: api}}
---
apiVersion: v1
kind: Pod
metadata: {name: api-0, namespace: prod, labels: {app: api}}
spec: {serviceAccountName: api}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: prod, labels: {app: web, projectcalico.org/namespace: dev}}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: dev, labels: {app: web}}
status: {podIP: 10.0.0.3}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: prod-web}
spec:
  namespaceSelector: env == "prod"
  selector: app == "web"
  ingress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: api-sa}
spec:
  serviceAccountSelector: role == "api"
  types: [Egress]
  egress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: untracked}
spec:
  doNotTrack: true
  applyOnForward: true
  selector: all()
  ingress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: all-dev, namespace: dev}
spec:
  types: [Ingress, Egress]
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: gone, namespace: dev}
spec:
  stagedAction: Delete
`).Set
	for _, set := range []model.Set{generated, handmade} {
		for i := range set.Policies {
			p := &set.Policies[i]
			arg := p.Name
			if p.Namespace != "" {
				arg = p.Namespace + "/" + p.Name
			}
			want, wantErr := QueryPolicy(set, arg, string(p.Kind))
			got, err := PolicySelection(&set, p)
			var nf *NotFoundError
			if wantErr != nil || err != nil {
				if !errors.As(wantErr, &nf) || !errors.As(err, &nf) {
					t.Errorf("%s: QueryPolicy: %v; PolicySelection: %v", p.Key(), wantErr, err)
				}
				continue
			}
			want.Rules = nil
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-QueryPolicy +PolicySelection):\n%s", p.Key(), diff)
			}
		}
	}
}

package kube

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

func TestConvertPod(t *testing.T) {
	tests := []struct {
		name     string
		pod      string
		want     model.Endpoint
		problems []kubeWant
	}{{
		name: "everything: podIPs win over podIP, named and host ports, reserved labels dropped",
		pod: `{"apiVersion": "v1", "kind": "Pod",
			"metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web", "pcns.team": "x", "pcsa.role": "y"}},
			"spec": {"serviceAccountName": "frontend", "nodeName": "node-1",
				"containers": [
					{"name": "main", "ports": [
						{"name": "http", "containerPort": 80},
						{"containerPort": 81},
						{"containerPort": 82, "hostPort": 8082},
						{"name": "dns", "containerPort": 53, "protocol": "UDP"}]},
					{"name": "side", "ports": [{"name": "sig", "containerPort": 7, "protocol": "SCTP"}]}],
				"initContainers": [{"name": "init", "ports": [{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}]}]},
			"status": {"phase": "Running", "podIP": "10.0.0.9", "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]}}`,
		want: model.Endpoint{
			Kind:      model.KindWorkloadEndpoint,
			Name:      "web",
			Namespace: "prod",
			Labels:    map[string]string{"app": "web"},
			Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1")},
			Ports: []model.EndpointPort{
				{Name: "http", Protocol: model.ProtoTCP, Port: 80},
				{Protocol: model.ProtoTCP, Port: 82},
				{Name: "dns", Protocol: model.ProtoUDP, Port: 53},
				{Name: "sig", Protocol: model.ProtoSCTP, Port: 7},
				{Name: "metrics", Protocol: model.ProtoTCP, Port: 9090},
			},
			Profiles:       []string{"kns.prod", "ksa.prod.frontend"},
			ServiceAccount: "frontend",
			Orchestrator:   "k8s",
			Node:           "node-1",
			Interface:      "calic36cb0217f8",
		},
		problems: []kubeWant{
			{resource.SeverityWarning, "metadata.labels", `"pcns.team" is dropped`},
			{resource.SeverityWarning, "metadata.labels", `"pcsa.role" is dropped`},
		},
	}, {
		name: "defaults: namespace, service account; podIP alone",
		pod:  `{"metadata": {"name": "api"}, "spec": {}, "status": {"podIP": "10.0.0.2"}}`,
		want: model.Endpoint{
			Kind:           model.KindWorkloadEndpoint,
			Name:           "api",
			Namespace:      "default",
			Addresses:      []netip.Addr{netip.MustParseAddr("10.0.0.2")},
			Profiles:       []string{"kns.default", "ksa.default.default"},
			ServiceAccount: "default",
			Orchestrator:   "k8s",
			Interface:      "calibd0ecddfcf2",
		},
	}, {
		name: "deprecated serviceAccount field; no address yet",
		pod:  `{"metadata": {"name": "api", "namespace": "default"}, "spec": {"serviceAccount": "old"}}`,
		want: model.Endpoint{
			Kind:           model.KindWorkloadEndpoint,
			Name:           "api",
			Namespace:      "default",
			Profiles:       []string{"kns.default", "ksa.default.old"},
			ServiceAccount: "old",
			Orchestrator:   "k8s",
			Interface:      "calibd0ecddfcf2",
		},
	}, {
		name: "a finished pod owns no addresses",
		pod:  `{"metadata": {"name": "api"}, "spec": {}, "status": {"phase": "Succeeded", "podIP": "10.0.0.2"}}`,
		want: model.Endpoint{
			Kind:           model.KindWorkloadEndpoint,
			Name:           "api",
			Namespace:      "default",
			Profiles:       []string{"kns.default", "ksa.default.default"},
			ServiceAccount: "default",
			Orchestrator:   "k8s",
			Interface:      "calibd0ecddfcf2",
		},
	}, {
		name: "a host-networked pod owns none either",
		pod:  `{"metadata": {"name": "api"}, "spec": {"hostNetwork": true}, "status": {"podIP": "192.168.1.10"}}`,
		want: model.Endpoint{
			Kind:           model.KindWorkloadEndpoint,
			Name:           "api",
			Namespace:      "default",
			Profiles:       []string{"kns.default", "ksa.default.default"},
			ServiceAccount: "default",
			Orchestrator:   "k8s",
			Interface:      "calibd0ecddfcf2",
		},
		problems: []kubeWant{{resource.SeverityWarning, "spec.hostNetwork", "not a Calico workload"}},
	}, {
		name: "bad input",
		pod: `{"metadata": {"name": "api", "labels": {"ok": "not ok"}}, "spec": {"serviceAccountName": "Bad_SA",
				"containers": [{"ports": [
					{"name": "HTTP", "containerPort": 80},
					{"name": "a", "containerPort": 0},
					{"name": "b", "containerPort": 1, "hostPort": 70000},
					{"name": "c", "containerPort": 1, "protocol": "ICMP"},
					{"name": "d", "containerPort": 2}]}]},
				"status": {"podIPs": [{"ip": "10.0.0.1"}, {"ip": "10.0.0"}]}}`,
		want: model.Endpoint{
			Kind:           model.KindWorkloadEndpoint,
			Name:           "api",
			Namespace:      "default",
			Labels:         map[string]string{"ok": "not ok"},
			Addresses:      []netip.Addr{netip.MustParseAddr("10.0.0.1")},
			Ports:          []model.EndpointPort{{Name: "d", Protocol: model.ProtoTCP, Port: 2}},
			Profiles:       []string{"kns.default", "ksa.default.Bad_SA"},
			ServiceAccount: "Bad_SA",
			Orchestrator:   "k8s",
			Interface:      "calibd0ecddfcf2",
		},
		problems: []kubeWant{
			{resource.SeverityError, "metadata.labels", `value "not ok" of key "ok"`},
			{resource.SeverityError, "spec.serviceAccountName", "RFC 1123 subdomain"},
			{resource.SeverityError, "spec.containers[0].ports[0].name", "lower-case"},
			{resource.SeverityError, "spec.containers[0].ports[1].containerPort", "0 is not a port number"},
			{resource.SeverityError, "spec.containers[0].ports[2].hostPort", "70000 is not a port number"},
			{resource.SeverityError, "spec.containers[0].ports[3].protocol", `"ICMP" is not supported`},
			{resource.SeverityError, "status.podIPs[1].ip", `"10.0.0" is not an IP address`},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Pod
			kubeDecodeLoose(t, tc.pod, &p)
			got, problems := ConvertPod(&p)
			kubeCheckProblems(t, problems, tc.problems)
			if diff := cmp.Diff(tc.want, got, kubeCmp); diff != "" {
				t.Errorf("endpoint differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvertPodBadPodIP(t *testing.T) {
	var p Pod
	kubeDecodeLoose(t, `{"metadata": {"name": "api", "namespace": "prod"}, "status": {"podIP": "fe80::1%eth0"}}`, &p)
	got, problems := ConvertPod(&p)
	kubeCheckProblems(t, problems, []kubeWant{{resource.SeverityError, "status.podIP", "is not an IP address"}})
	if len(got.Addresses) != 0 {
		t.Errorf("addresses %v, want none", got.Addresses)
	}
	for _, pr := range problems {
		if pr.Kind != "Pod" || pr.Namespace != "prod" || pr.Name != "api" {
			t.Errorf("problem %q does not name the pod", pr.String())
		}
	}
}

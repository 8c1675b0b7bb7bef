package kube

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

func kubeAddrs(ips ...string) []netip.Addr {
	out := make([]netip.Addr, len(ips))
	for i, ip := range ips {
		out[i] = netip.MustParseAddr(ip)
	}
	return out
}

func TestBuildServices(t *testing.T) {
	svcs := []string{
		`{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "prod"},
		  "spec": {"type": "ClusterIP", "ports": [{"name": "pg", "port": 5432, "targetPort": "pg"}, {"name": "m", "port": 9187, "targetPort": 9187}]}}`,
		`{"metadata": {"name": "idle", "namespace": "prod"}, "spec": {"ports": [{"port": 80}]}}`,
	}
	slices := []string{
		`{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
		  "metadata": {"name": "db-1", "namespace": "prod", "labels": {"kubernetes.io/service-name": "db"}},
		  "addressType": "IPv4",
		  "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2", "10.0.0.3"]}],
		  "ports": [{"name": "pg", "protocol": "TCP", "port": 5432}, {"name": "m", "port": 9187}, {"name": "none"}]}`,
		`{"metadata": {"name": "db-2", "namespace": "prod", "labels": {"kubernetes.io/service-name": "db"}},
		  "addressType": "IPv6", "endpoints": [{"addresses": ["fd00::1"]}], "ports": [{"protocol": "UDP", "port": 53}]}`,
		`{"metadata": {"name": "dns-1", "labels": {"kubernetes.io/service-name": "dns"}},
		  "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.9.9"]}], "ports": [{"protocol": "SCTP", "port": 9}]}`,
		`{"metadata": {"name": "orphan", "namespace": "prod"}, "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.7"]}]}`,
		`{"metadata": {"name": "ext-1", "namespace": "prod", "labels": {"kubernetes.io/service-name": "ext"}},
		  "addressType": "FQDN", "endpoints": [{"addresses": ["db.example.com"]}]}`,
	}
	var ks []Service
	for _, s := range svcs {
		var v Service
		kubeDecodeLoose(t, s, &v)
		ks = append(ks, v)
	}
	var kes []EndpointSlice
	for _, s := range slices {
		var v EndpointSlice
		kubeDecodeLoose(t, s, &v)
		kes = append(kes, v)
	}
	got, problems := BuildServices(ks, kes)
	kubeCheckProblems(t, problems, []kubeWant{
		{resource.SeverityWarning, "metadata.labels", "no kubernetes.io/service-name label"},
		{resource.SeverityWarning, "addressType", "FQDN endpoint slices"},
	})
	if problems[0].Kind != "EndpointSlice" || problems[0].Name != "orphan" || problems[0].Namespace != "prod" {
		t.Errorf("problem %q does not name the slice", problems[0].String())
	}
	want := []model.Service{{
		Name: "db", Namespace: "prod",
		Slices: []model.ServiceSlice{{
			Addresses: kubeAddrs("10.0.0.1", "10.0.0.2", "10.0.0.3"),
			Ports:     []model.EndpointPort{{Name: "pg", Protocol: model.ProtoTCP, Port: 5432}, {Name: "m", Protocol: model.ProtoTCP, Port: 9187}},
		}, {
			Addresses: kubeAddrs("fd00::1"),
			Ports:     []model.EndpointPort{{Protocol: model.ProtoUDP, Port: 53}},
		}},
	}, {
		Name: "idle", Namespace: "prod",
	}, {
		// No Service object: Calico builds the members from the slice alone.
		Name: "dns", Namespace: "default",
		Slices: []model.ServiceSlice{{
			Addresses: kubeAddrs("10.0.9.9"),
			Ports:     []model.EndpointPort{{Protocol: model.ProtoSCTP, Port: 9}},
		}},
	}}
	if diff := cmp.Diff(want, got, kubeCmp); diff != "" {
		t.Errorf("services differ (-want +got):\n%s", diff)
	}
}

func TestBuildServicesValidation(t *testing.T) {
	var svc1, svc2, svc3 Service
	kubeDecodeLoose(t, `{"metadata": {"name": "1db"}, "spec": {"ports": [
		{"port": 0, "protocol": "ICMP", "targetPort": "Pg"}, {"name": "b_c", "port": 1, "nodePort": 70000, "targetPort": 0}]}}`, &svc1)
	kubeDecodeLoose(t, `{"metadata": {"name": "db"}, "spec": {"ports": [{"port": 80}]}}`, &svc2)
	kubeDecodeLoose(t, `{"metadata": {"name": "db", "namespace": "default"}}`, &svc3)
	var slice EndpointSlice
	kubeDecodeLoose(t, `{"metadata": {"name": "db-1", "labels": {"kubernetes.io/service-name": "db"}}, "addressType": "IPv4",
		"endpoints": [{"addresses": ["fd00::1", "10.0.0.1", "x"]}],
		"ports": [{"name": "Bad", "port": 80}, {"protocol": "ICMP", "port": 1}, {"port": 0}, {"port": 8080}]}`, &slice)
	var badType, noType EndpointSlice
	kubeDecodeLoose(t, `{"metadata": {"name": "db-2", "labels": {"kubernetes.io/service-name": "db"}}, "addressType": "IPv5"}`, &badType)
	kubeDecodeLoose(t, `{"metadata": {"name": "db-3", "labels": {"kubernetes.io/service-name": "db"}}}`, &noType)

	got, problems := BuildServices([]Service{svc1, svc2, svc3}, []EndpointSlice{slice, badType, noType})
	kubeCheckProblems(t, problems, []kubeWant{
		{resource.SeverityError, "metadata.name", "RFC 1035 label"},
		{resource.SeverityError, "spec.ports[0].name", "is required when a service has more than one port"},
		{resource.SeverityError, "spec.ports[0].protocol", `"ICMP" is not supported`},
		{resource.SeverityError, "spec.ports[0].port", "0 is not a port number"},
		{resource.SeverityError, "spec.ports[0].targetPort", `named port "Pg"`},
		{resource.SeverityError, "spec.ports[1].name", "RFC 1123 label"},
		{resource.SeverityError, "spec.ports[1].nodePort", "70000 is not a port number"},
		{resource.SeverityError, "spec.ports[1].targetPort", "0 is not a port number"},
		{resource.SeverityError, "metadata.name", "service Service default/db is given more than once"},
		{resource.SeverityError, "endpoints[0].addresses[0]", `"fd00::1" is not an IPv4 address`},
		{resource.SeverityError, "endpoints[0].addresses[2]", `"x" is not an IP address`},
		{resource.SeverityError, "ports[0].name", "RFC 1123 label"},
		{resource.SeverityError, "ports[1].protocol", `"ICMP" is not supported`},
		{resource.SeverityError, "ports[2].port", "0 is not a port number"},
		{resource.SeverityError, "addressType", `"IPv5" is not an address type`},
		{resource.SeverityError, "addressType", "is required"},
	})
	want := []model.Service{
		{Name: "1db", Namespace: "default"},
		{Name: "db", Namespace: "default", Slices: []model.ServiceSlice{{
			Addresses: kubeAddrs("10.0.0.1"),
			Ports:     []model.EndpointPort{{Protocol: model.ProtoTCP, Port: 8080}},
		}}},
	}
	if diff := cmp.Diff(want, got, kubeCmp); diff != "" {
		t.Errorf("services differ (-want +got):\n%s", diff)
	}
}

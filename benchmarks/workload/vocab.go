package workload

import "github.com/verdictlabs/verdict/model"

// The fixed vocabulary of generated clusters. Selectors and rules are
// drawn from the same words, so that they match something often enough to
// matter and miss often enough to test the misses.

var (
	teams        = []string{"payments", "search", "identity", "checkout", "data", "growth"}
	environments = []string{"prod", "staging", "dev"}
	// serviceTiers is the namespace "tier" label: the support level of the
	// namespace, not a Calico tier.
	serviceTiers = []string{"gold", "silver", "bronze"}
	versions     = []string{"v1", "v1.4.2", "v2", "v2.0.0-rc1", "v3"}
	zones        = []string{"zone-a", "zone-b", "zone-c"}
)

// Named container ports, as the workloads of a real cluster declare them.
var (
	portHTTP     = model.EndpointPort{Name: "http", Protocol: model.ProtoTCP, Port: 8080}
	portGRPC     = model.EndpointPort{Name: "grpc", Protocol: model.ProtoTCP, Port: 9090}
	portMetrics  = model.EndpointPort{Name: "metrics", Protocol: model.ProtoTCP, Port: 9102}
	portPostgres = model.EndpointPort{Name: "postgres", Protocol: model.ProtoTCP, Port: 5432}
	portMySQL    = model.EndpointPort{Name: "mysql", Protocol: model.ProtoTCP, Port: 3306}
	portRedis    = model.EndpointPort{Name: "redis", Protocol: model.ProtoTCP, Port: 6379}
	portMemcache = model.EndpointPort{Name: "memcache", Protocol: model.ProtoTCP, Port: 11211}
	portMemUDP   = model.EndpointPort{Name: "memcache-udp", Protocol: model.ProtoUDP, Port: 11211}
	portKafka    = model.EndpointPort{Name: "kafka", Protocol: model.ProtoTCP, Port: 9092}
	portAMQP     = model.EndpointPort{Name: "amqp", Protocol: model.ProtoTCP, Port: 5672}
	portDNS      = model.EndpointPort{Name: "dns", Protocol: model.ProtoUDP, Port: 53}
	portDNSTCP   = model.EndpointPort{Name: "dns-tcp", Protocol: model.ProtoTCP, Port: 53}
	portPromWeb  = model.EndpointPort{Name: "web", Protocol: model.ProtoTCP, Port: 9090}
	portIngress  = model.EndpointPort{Name: "http", Protocol: model.ProtoTCP, Port: 80}
	portHTTPS    = model.EndpointPort{Name: "https", Protocol: model.ProtoTCP, Port: 443}
	portDiameter = model.EndpointPort{Name: "diameter", Protocol: model.ProtoSCTP, Port: 3868}
	portSIP      = model.EndpointPort{Name: "sip", Protocol: model.ProtoUDP, Port: 5060}
	portKubelet  = model.EndpointPort{Name: "kubelet", Protocol: model.ProtoTCP, Port: 10250}
	portNodeExp  = model.EndpointPort{Name: "metrics", Protocol: model.ProtoTCP, Port: 9100}
)

// namedPorts are the port names rules refer to: every name some entity
// declares, and one nobody does.
var namedPorts = []string{"http", "grpc", "metrics", "postgres", "mysql", "redis", "memcache",
	"memcache-udp", "kafka", "amqp", "dns", "dns-tcp", "web", "https", "diameter", "sip", "kubelet", "ldap"}

// role is what a deployment does; it decides its ports, its labels and who
// talks to it.
type role struct {
	name  string // the "role" label of its service account
	tier  string // the pod "tier" label
	apps  []string
	ports [][]model.EndpointPort // one port list per app, in step with apps
}

var (
	roleFrontend = role{name: "frontend", tier: "frontend",
		apps:  []string{"web", "storefront", "dashboard", "admin-ui"},
		ports: [][]model.EndpointPort{{portHTTP, portMetrics}, {portHTTP, portMetrics}, {portHTTP}, {portHTTP, portMetrics}}}
	roleAPI = role{name: "api", tier: "backend",
		apps: []string{"checkout-api", "user-api", "search-api", "ledger-api", "auth", "catalog-api", "sms-gateway"},
		ports: [][]model.EndpointPort{{portHTTP, portGRPC, portMetrics}, {portHTTP, portMetrics}, {portGRPC, portMetrics},
			{portGRPC, portMetrics}, {portHTTP, portGRPC}, {portHTTP, portMetrics}, {portDiameter, portSIP, portMetrics}}}
	roleWorker = role{name: "worker", tier: "backend",
		apps:  []string{"mailer", "indexer", "billing-worker", "reporter"},
		ports: [][]model.EndpointPort{{portMetrics}, {portMetrics}, {portMetrics}, nil}}
	roleDatabase = role{name: "database", tier: "data",
		apps:  []string{"postgres", "mysql"},
		ports: [][]model.EndpointPort{{portPostgres, portMetrics}, {portMySQL}}}
	roleCache = role{name: "cache", tier: "data",
		apps:  []string{"redis", "memcached"},
		ports: [][]model.EndpointPort{{portRedis}, {portMemcache, portMemUDP}}}
	roleQueue = role{name: "queue", tier: "data",
		apps:  []string{"kafka", "rabbitmq"},
		ports: [][]model.EndpointPort{{portKafka, portMetrics}, {portAMQP}}}
)

// stack is the order in which a namespace gains deployments: a small
// application first, then more of everything.
var stack = []role{roleFrontend, roleAPI, roleDatabase, roleAPI, roleCache, roleWorker, roleQueue,
	roleAPI, roleFrontend, roleWorker, roleAPI, roleDatabase, roleCache, roleAPI, roleWorker}

// HTTP vocabulary for rules and flows.
var (
	httpMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
	httpPaths   = []string{"/", "/api", "/api/v1", "/api/v1/users", "/api/v1/orders", "/healthz", "/metrics",
		"/admin", "/admin/settings", "/static/app.js", "/login"}
	// requestPaths are the paths flows ask for: the rule paths and some
	// that only match after normalisation or at a segment boundary.
	requestPaths = []string{"/api/v1/users/42", "/api/v1/orders?id=7", "/api//v1/users", "/api/v1/./users",
		"/apiv1", "/admin/", "/admin/settings/../settings", "/healthz#top", "/static/app.js", "/login"}
)

// icmpTypes are (type, code) pairs flows carry and rules match, by family.
var (
	icmpV4 = [][2]uint8{{8, 0}, {0, 0}, {3, 3}, {3, 4}, {11, 0}, {5, 1}, {13, 0}}
	icmpV6 = [][2]uint8{{128, 0}, {129, 0}, {1, 4}, {2, 0}, {135, 0}, {3, 1}}
)

// oddProtocols are IP protocols other than TCP, UDP and ICMP that flows
// use and rules name by number: GRE, ESP, SCTP, UDPLite and an
// unassigned one.
var oddProtocols = []uint8{47, 50, model.ProtoSCTP, model.ProtoUDPLite, 253}

// policyOrders is a small pool of orders, so that ties inside a tier are
// common and the name tie-break is exercised.
var policyOrders = []float64{-10, 0, 10, 100, 100, 250.5, 500, 1000, 1000, 2000}

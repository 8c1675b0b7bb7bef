package policy

import (
	"regexp"
	"strings"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// Resource names as Calico's validator accepts them. Most names are
// lower-case DNS subdomains (kubeDNS1123Subdomain); policy and tier names
// are narrower because they once became parts of other names.
var (
	// A GlobalNetworkPolicy name is a DNS label with at most one dot.
	globalPolicyNameRE = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// A NetworkPolicy name is a DNS label, two labels joined by a dot, or
	// a subdomain behind the knp.default. or ossg.default. prefix that old
	// Calico gave converted Kubernetes policies.
	namespacedPolicyNameRE = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)?|(knp|ossg)\.default\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$`)
	// Names Calico's v1 model and Docker allowed for profiles and
	// containers (APP, frontend-A); see checkEndpointName.
	legacyNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$`)
)

const maxNameLength = 253

// checkName reports a missing or malformed metadata.name. check returns
// what is wrong with a name, or "".
func (r *report) checkName(name string, check func(string) string) {
	if name == "" {
		r.Errorf(metaPath.Child("name"), "is required")
		return
	}
	if msg := check(name); msg != "" {
		r.Errorf(metaPath.Child("name"), "%q %s", resource.Clip(name), msg)
	}
}

func globalPolicyName(s string) string {
	if len(s) > maxNameLength {
		return "must be no more than 253 characters"
	}
	if !globalPolicyNameRE.MatchString(s) {
		return "must be a lower-case DNS label, or two joined by one '.'"
	}
	return ""
}

func namespacedPolicyName(s string) string {
	if len(s) > maxNameLength {
		return "must be no more than 253 characters"
	}
	if !namespacedPolicyNameRE.MatchString(s) {
		return "must be a lower-case DNS label, or two joined by one '.'"
	}
	return ""
}

// checkEndpointName checks the name of a Profile, WorkloadEndpoint or
// HostEndpoint (see checkLegacyName).
func (r *report) checkEndpointName(name string, legacy bool) {
	if name == "" {
		r.Errorf(metaPath.Child("name"), "is required")
		return
	}
	r.checkLegacyName(metaPath.Child("name"), name, legacy)
}

// checkLegacyName checks a name that Calico v3 wants as a lower-case DNS
// subdomain but that older inputs spelled more freely: profiles
// translated from Calico's v1 model (APP, WEB), and the endpoints and
// workloads of Docker containers (frontend-A). verdict convert writes those
// names back as v3 resources that must load again, so such a name is
// accepted, with a warning in v3 input and silently when it came from a
// legacy or Docker input.
func (r *report) checkLegacyName(at *resource.Path, name string, legacy bool) {
	msg := resource.DNS1123Subdomain(name)
	if msg == "" {
		return
	}
	if len(name) <= maxNameLength && legacyNameRE.MatchString(name) {
		if !legacy {
			r.Warnf(at, "%q is not a Calico v3 name (it %s); accepted as a legacy or Docker name", name, msg)
		}
		return
	}
	r.Errorf(at, "%q %s", resource.Clip(name), msg)
}

// checkLabels checks label keys and values as Kubernetes and Calico do,
// each at its own path.
func (r *report) checkLabels(at *resource.Path, labels map[string]string) {
	if len(labels) == 0 {
		return
	}
	for _, k := range resource.SortedKeys(labels) {
		if msg := resource.QualifiedName(k); msg != "" {
			r.Errorf(at.Key(k), "label key %q: %s", resource.Clip(k), msg)
		}
		if msg := resource.LabelValue(labels[k]); msg != "" {
			r.Errorf(at.Key(k), "label value %q: %s", resource.Clip(labels[k]), msg)
		}
	}
}

// checkAnnotations checks annotation keys; Calico lower-cases them first.
func (r *report) checkAnnotations(at *resource.Path, annotations map[string]string) {
	for _, k := range resource.SortedKeys(annotations) {
		if msg := resource.QualifiedName(strings.ToLower(k)); msg != "" {
			r.Errorf(at.Key(k), "annotation key %q: %s", resource.Clip(k), msg)
		}
	}
}

package policy

import (
	"net/netip"
	"regexp"
	"sort"
	"strings"
)

// The API server's syntax rules for names, labels and port names, as
// Kubernetes' apimachinery validation states them.
var (
	kubeDNS1123LabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	kubeDNS1035LabelRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	kubeQualifiedRE    = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	kubePortNameRE     = regexp.MustCompile(`^[-a-z0-9]+$`)
	kubeLetterRE       = regexp.MustCompile(`[a-z]`)
)

const (
	kubeLabelMaxLength     = 63
	kubeSubdomainMaxLength = 253
	kubePortNameMaxLength  = 15
)

// kubeDNS1123Label checks a name that must be an RFC 1123 label, such as
// a namespace; it returns what is wrong, or "".
func kubeDNS1123Label(s string) string {
	if len(s) > kubeLabelMaxLength {
		return "must be no more than 63 characters"
	}
	if !kubeDNS1123LabelRE.MatchString(s) {
		return "must be a lower-case RFC 1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
	}
	return ""
}

// kubeDNS1035Label checks a name that must be an RFC 1035 label, such as a
// Service's; it returns what is wrong, or "".
func kubeDNS1035Label(s string) string {
	if len(s) > kubeLabelMaxLength {
		return "must be no more than 63 characters"
	}
	if !kubeDNS1035LabelRE.MatchString(s) {
		return "must be a lower-case RFC 1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
	}
	return ""
}

// kubeDNS1123Subdomain checks a name that must be an RFC 1123 subdomain,
// as most object names must; it returns what is wrong, or "".
func kubeDNS1123Subdomain(s string) string {
	if len(s) > kubeSubdomainMaxLength {
		return "must be no more than 253 characters"
	}
	for _, part := range strings.Split(s, ".") {
		if !kubeDNS1123LabelRE.MatchString(part) {
			return "must be a lower-case RFC 1123 subdomain: dot-separated parts of lower-case letters, digits and '-', each starting and ending with a letter or digit"
		}
	}
	return ""
}

// kubeQualifiedName checks a label key: an optional DNS subdomain prefix
// and a slash, then a name of at most 63 characters.
func kubeQualifiedName(s string) string {
	name := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		prefix := s[:i]
		name = s[i+1:]
		if prefix == "" {
			return "prefix before '/' must not be empty"
		}
		if msg := kubeDNS1123Subdomain(prefix); msg != "" {
			return "prefix " + msg
		}
	}
	switch {
	case name == "":
		return "name part must not be empty"
	case len(name) > kubeLabelMaxLength:
		return "name part must be no more than 63 characters"
	case !kubeQualifiedRE.MatchString(name):
		return "name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	}
	return ""
}

// kubeLabelValue checks a label value: empty, or at most 63 letters,
// digits, '-', '_' and '.', starting and ending with a letter or digit.
func kubeLabelValue(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) > kubeLabelMaxLength:
		return "must be no more than 63 characters"
	case !kubeQualifiedRE.MatchString(s):
		return "must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	}
	return ""
}

// kubePortName checks an IANA service name, the form of a named port: at
// most 15 lower-case letters, digits and '-', with at least one letter and
// no '-' at either end or twice in a row.
func kubePortName(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > kubePortNameMaxLength:
		return "must be no more than 15 characters"
	case !kubePortNameRE.MatchString(s):
		return "must contain only lower-case letters, digits and '-'"
	case !kubeLetterRE.MatchString(s):
		return "must contain at least one letter"
	case strings.Contains(s, "--"):
		return "must not contain consecutive '-'"
	case s[0] == '-' || s[len(s)-1] == '-':
		return "must not begin or end with '-'"
	}
	return ""
}

// kubePortNumber reports whether n is a port number from 1 to 65535.
func kubePortNumber(n int64) bool { return n >= 1 && n <= 65535 }

// kubeSortedKeys returns a map's keys in order, so problems come out in a
// stable order.
func kubeSortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validateMeta checks the name and namespace of an object and its labels
// and annotation keys. namespaced tells whether the kind lives in a
// namespace; nameCheck is the rule the kind's names follow.
func (r *kubeReport) validateMeta(m *ObjectMeta, namespaced bool, nameCheck func(string) string) {
	path := rootPath().Child("metadata")
	if m.Name == "" {
		r.errorf(path.Child("name"), "is required")
	} else if msg := nameCheck(m.Name); msg != "" {
		r.errorf(path.Child("name"), "%q %s", m.Name, msg)
	}
	if namespaced && m.Namespace != "" {
		if msg := kubeDNS1123Label(m.Namespace); msg != "" {
			r.errorf(path.Child("namespace"), "%q %s", m.Namespace, msg)
		}
	}
	if !namespaced && m.Namespace != "" {
		r.warnf(path.Child("namespace"), "is ignored: a %s is not namespaced", r.kind)
	}
	r.validateLabels(path.Child("labels"), m.Labels)
	for _, k := range kubeSortedKeys(m.Annotations) {
		if msg := kubeQualifiedName(k); msg != "" {
			r.errorf(path.Child("annotations"), "key %q: %s", k, msg)
		}
	}
}

// validateLabels checks label keys and values.
func (r *kubeReport) validateLabels(path *fieldPath, labels map[string]string) {
	for _, k := range kubeSortedKeys(labels) {
		if msg := kubeQualifiedName(k); msg != "" {
			r.errorf(path, "key %q: %s", k, msg)
		}
		if msg := kubeLabelValue(labels[k]); msg != "" {
			r.errorf(path, "value %q of key %q: %s", labels[k], k, msg)
		}
	}
}

// validateLabelSelector checks a label selector as the API server does.
func (r *kubeReport) validateLabelSelector(path *fieldPath, s *LabelSelector) {
	if s == nil {
		return
	}
	r.validateLabels(path.Child("matchLabels"), s.MatchLabels)
	for i, e := range s.MatchExpressions {
		ep := path.Child("matchExpressions").Index(i)
		if e.Key == "" {
			r.errorf(ep.Child("key"), "is required")
		} else if msg := kubeQualifiedName(e.Key); msg != "" {
			r.errorf(ep.Child("key"), "%q: %s", e.Key, msg)
		}
		switch e.Operator {
		case LabelSelectorOpIn, LabelSelectorOpNotIn:
			if len(e.Values) == 0 {
				r.errorf(ep.Child("values"), "must be given when the operator is %s", e.Operator)
			}
		case LabelSelectorOpExists, LabelSelectorOpDoesNotExist:
			if len(e.Values) > 0 {
				r.errorf(ep.Child("values"), "must be empty when the operator is %s", e.Operator)
			}
		case "":
			r.errorf(ep.Child("operator"), "is required")
		default:
			r.errorf(ep.Child("operator"), "%q is not a selector operator (In, NotIn, Exists, DoesNotExist)", e.Operator)
		}
		for j, v := range e.Values {
			if msg := kubeLabelValue(v); msg != "" {
				r.errorf(ep.Child("values").Index(j), "%q %s", v, msg)
			}
		}
	}
}

// kubeParseCIDR reads a CIDR as Calico does: the address bits beyond the
// prefix are dropped, so 10.0.0.1/8 is 10.0.0.0/8.
func kubeParseCIDR(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Zone() != "" {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

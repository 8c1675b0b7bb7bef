package resource

import (
	"regexp"
	"sort"
	"strings"
)

// The API server's syntax rules for names, labels and port names, as
// Kubernetes' apimachinery validation states them.
var (
	dns1123LabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1035LabelRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	qualifiedRE    = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	portNameRE     = regexp.MustCompile(`^[-a-z0-9]+$`)
	letterRE       = regexp.MustCompile(`[a-z]`)
)

const (
	labelMaxLength     = 63
	subdomainMaxLength = 253
	portNameMaxLength  = 15
)

// DNS1123Label checks a name that must be an RFC 1123 label, such as
// a namespace; it returns what is wrong, or "".
func DNS1123Label(s string) string {
	if len(s) > labelMaxLength {
		return "must be no more than 63 characters"
	}
	if !dns1123LabelRE.MatchString(s) {
		return "must be a lower-case RFC 1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
	}
	return ""
}

// DNS1035Label checks a name that must be an RFC 1035 label, such as a
// Service's; it returns what is wrong, or "".
func DNS1035Label(s string) string {
	if len(s) > labelMaxLength {
		return "must be no more than 63 characters"
	}
	if !dns1035LabelRE.MatchString(s) {
		return "must be a lower-case RFC 1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
	}
	return ""
}

// DNS1123Subdomain checks a name that must be an RFC 1123 subdomain,
// as most object names must; it returns what is wrong, or "".
func DNS1123Subdomain(s string) string {
	if len(s) > subdomainMaxLength {
		return "must be no more than 253 characters"
	}
	for _, part := range strings.Split(s, ".") {
		if !dns1123LabelRE.MatchString(part) {
			return "must be a lower-case RFC 1123 subdomain: dot-separated parts of lower-case letters, digits and '-', each starting and ending with a letter or digit"
		}
	}
	return ""
}

// QualifiedName checks a label key: an optional DNS subdomain prefix
// and a slash, then a name of at most 63 characters.
func QualifiedName(s string) string {
	name := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		prefix := s[:i]
		name = s[i+1:]
		if prefix == "" {
			return "prefix before '/' must not be empty"
		}
		if msg := DNS1123Subdomain(prefix); msg != "" {
			return "prefix " + msg
		}
	}
	switch {
	case name == "":
		return "name part must not be empty"
	case len(name) > labelMaxLength:
		return "name part must be no more than 63 characters"
	case !qualifiedRE.MatchString(name):
		return "name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	}
	return ""
}

// LabelValue checks a label value: empty, or at most 63 letters,
// digits, '-', '_' and '.', starting and ending with a letter or digit.
func LabelValue(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) > labelMaxLength:
		return "must be no more than 63 characters"
	case !qualifiedRE.MatchString(s):
		return "must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	}
	return ""
}

// PortName checks an IANA service name, the form of a named port: at
// most 15 lower-case letters, digits and '-', with at least one letter and
// no '-' at either end or twice in a row.
func PortName(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > portNameMaxLength:
		return "must be no more than 15 characters"
	case !portNameRE.MatchString(s):
		return "must contain only lower-case letters, digits and '-'"
	case !letterRE.MatchString(s):
		return "must contain at least one letter"
	case strings.Contains(s, "--"):
		return "must not contain consecutive '-'"
	case s[0] == '-' || s[len(s)-1] == '-':
		return "must not begin or end with '-'"
	}
	return ""
}

// PortNumber reports whether n is a port number from 1 to 65535.
func PortNumber(n int64) bool { return n >= 1 && n <= 65535 }

// SortedKeys returns a map's keys in order, so problems come out in a
// stable order.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

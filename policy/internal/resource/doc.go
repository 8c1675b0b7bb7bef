// Package resource holds what reading one resource of any API needs, so
// that the Calico and the Kubernetes readers share it: problems located by
// a field path and collected per resource, the strict decoder that finds
// every unknown field and mistyped value at once, object metadata, and the
// API server's rules for names, labels and ports.
package resource

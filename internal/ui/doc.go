// Package ui serves verdict ui: a local web console over a user's own
// policy files and flow logs, in the manner of Calico's hosted console
// (policies board, service graph, flows, recommend a policy, staged
// impact, what if). Every answer it shows comes from the library
// (analysis, eval, eval/reference, policy); the package only indexes the
// loaded records for paging and renders JSON for the embedded pages,
// which are plain HTML, CSS and JavaScript with no network access.
package ui

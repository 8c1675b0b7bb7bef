package kube

import (
	"github.com/verdictlabs/verdict/model"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// NamespaceProfile returns the profile Calico makes of a namespace,
// "kns.<namespace>": it allows everything both ways, which is why a pod no
// policy selects is open, and gives its endpoints the namespace's labels
// as pcns.<key>, plus pcns.projectcalico.org/name: <namespace>.
func NamespaceProfile(ns model.Namespace) model.Profile {
	labels := make(map[string]string, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		labels[model.PrefixNamespaceLabel+k] = v
	}
	labels[model.PrefixNamespaceLabel+model.LabelName] = ns.Name
	return model.Profile{
		Name:          model.NamespaceProfile(ns.Name),
		Ingress:       []model.Rule{{Action: model.Allow}},
		Egress:        []model.Rule{{Action: model.Allow}},
		LabelsToApply: labels,
	}
}

// ServiceAccountProfile returns the profile Calico makes of a service
// account, "ksa.<namespace>.<account>" (namespace "default" when empty):
// no rules, only the account's labels as pcsa.<key>, plus
// pcsa.projectcalico.org/name: <account>.
func ServiceAccountProfile(sa model.ServiceAccount) model.Profile {
	labels := make(map[string]string, len(sa.Labels)+1)
	for k, v := range sa.Labels {
		labels[model.PrefixServiceAccountLabel+k] = v
	}
	labels[model.PrefixServiceAccountLabel+model.LabelName] = sa.Name
	ns := sa.Namespace
	if ns == "" {
		ns = resource.DefaultNamespace
	}
	return model.Profile{
		Name:          model.ServiceAccountProfile(ns, sa.Name),
		LabelsToApply: labels,
	}
}

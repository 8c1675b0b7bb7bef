package model_test

import (
	"fmt"

	"github.com/verdictlabs/verdict/model"
)

func ExampleSet_Apply() {
	set := model.Set{Namespaces: []model.Namespace{
		{Name: "shop", Labels: map[string]string{"env": "dev"}},
		{Name: "old"},
	}}
	set, err := set.Apply(model.Change{
		Upserts: model.Set{Namespaces: []model.Namespace{
			{Name: "shop", Labels: map[string]string{"env": "prod"}}, // replaces shop
			{Name: "new"}, // added at the end
		}},
		Deletes: []model.Key{{Kind: model.KindNamespace, Name: "old"}},
	})
	fmt.Println(err)
	for _, ns := range set.Namespaces {
		fmt.Println(ns.Name, ns.Labels)
	}

	// A change that would leave a policy without its tier changes nothing.
	_, err = set.Apply(model.Change{Upserts: model.Set{Policies: []model.Policy{
		{Kind: model.KindGlobalNetworkPolicy, Name: "audit", Tier: "security"},
	}}})
	fmt.Println(err)
	// Output:
	// <nil>
	// shop map[env:prod]
	// new map[]
	// GlobalNetworkPolicy audit: tier: tier "security" does not exist
}

func ExampleSet_Check() {
	set := model.Set{Policies: []model.Policy{
		{Kind: model.KindGlobalNetworkPolicy, Name: "a", Namespace: "prod"},
		{Kind: model.KindNetworkPolicy, Namespace: "prod", Name: "b", Ingress: []model.Rule{{}}},
	}}
	fmt.Println(set.Check())
	// Output:
	// GlobalNetworkPolicy prod/a: a GlobalNetworkPolicy has no namespace, but "prod" is given
	// NetworkPolicy prod/b: ingress[0].action: is required: Allow, Deny, Log or Pass
}

func ExampleSet_Append() {
	set := model.Set{Namespaces: []model.Namespace{{Name: "shop"}}}
	more := model.Set{
		Namespaces: []model.Namespace{{Name: "billing"}},
		Profiles:   []model.Profile{{Name: model.NamespaceProfile("billing")}},
	}
	set.Append(&more)
	for _, k := range set.Keys() {
		fmt.Println(k)
	}
	// Output:
	// Profile kns.billing
	// Namespace shop
	// Namespace billing
}

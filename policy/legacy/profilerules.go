package legacy

// IsProfileRules reports whether doc is a profile rules JSON document
// (`calicoctl profile P rule json`): no apiVersion or kind, and a list of
// inbound_rules or outbound_rules.
func IsProfileRules(doc map[string]any) bool {
	if _, ok := doc["apiVersion"]; ok {
		return false
	}
	if _, ok := doc["kind"]; ok {
		return false
	}
	_, in := doc["inbound_rules"]
	_, out := doc["outbound_rules"]
	return in || out
}

// TranslateProfileRules translates a profile rules JSON document into a v3
// Profile named by its id: inbound_rules become ingress rules,
// outbound_rules egress rules. The document carries no tags, so the
// profile gets no labelsToApply. With issues the profile is nil.
func TranslateProfileRules(doc map[string]any) (map[string]any, []Issue) {
	var is issueList
	id, inbound, outbound := decodeProfileRules(doc, &is)
	if is.count() > 0 {
		return nil, is.list
	}
	p := Profile{Name: id, Inbound: inbound, Outbound: outbound}
	return p.V3(), nil
}

var profileRulesKeys = []string{"id", "inbound_rules", "outbound_rules"}

// decodeProfileRules reads {"id", "inbound_rules", "outbound_rules"}.
func decodeProfileRules(doc map[string]any, is *issueList) (id string, inbound, outbound []Rule) {
	for _, k := range sortedKeys(doc) {
		switch k {
		case "id":
			id, _ = getString(doc[k], k, is)
		case "inbound_rules":
			inbound = decodeRuleList(doc[k], k, is, jsonRule)
		case "outbound_rules":
			outbound = decodeRuleList(doc[k], k, is, jsonRule)
		default:
			is.addf(k, "unknown field %q%s", k, didYouMean(k, profileRulesKeys))
		}
	}
	switch v, ok := doc["id"]; {
	case !ok:
		is.addf("id", "is required: the name of the profile")
	case v == nil || v == "":
		is.addf("id", "must name the profile")
	}
	return id, inbound, outbound
}

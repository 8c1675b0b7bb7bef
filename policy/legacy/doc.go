// Package legacy reads the policy formats that came before Calico's
// projectcalico.org/v3 API and turns them into v3 documents:
//
//   - calicoctl resources of Calico 2.x (apiVersion: v1): kinds policy,
//     profile, workloadEndpoint and hostEndpoint, and their list kinds;
//   - the profile rules JSON of the original calicoctl (`calicoctl profile P
//     rule json` and `rule update`), with its `!`-prefixed negations;
//   - Docker's own output, `docker inspect` and `docker network inspect`,
//     read the way Calico's Docker network plugin read it, in
//     container-label mode or with Calico networks as profiles.
//
// Each translation returns generic documents (map[string]any, numbers as
// float64, lists as []any), shaped exactly as a v3 YAML file decodes, so
// that the policy package validates and converts them like any other v3
// input. What only the legacy format knows is checked here, and reported
// as an Issue whose path is a path in the legacy document
// (spec.ingress[0].source.tag, inbound_rules[1].dst_ports[0]).
//
// Tags, the grouping mechanism of the legacy model, have no place in v3.
// As Felix did while it still supported them, a profile's tag T becomes the
// label T: "" on the endpoints using the profile (an explicit label with the
// same key wins), and a rule's tag T becomes the selector has(T).
//
// The package also models the original `calicoctl profile` tool, for the
// programs that replay the old tutorials: the rule text of `rule add` and
// `rule remove` (ParseRule, Rule.String), positions (`--at`), `rule show`
// output (Profile.Show), tags, and the rules JSON (Profile.RulesJSON,
// Profile.UpdateRules).
package legacy

package workload

import (
	"fmt"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/selector"
)

// selForm is one form of Calico's selector language.
type selForm int

// Selector forms. Every one of them appears in every generated cluster.
const (
	formEq selForm = iota
	formNe
	formIn
	formNotIn
	formHas
	formNotHas
	formContains
	formStartsWith
	formEndsWith
	formAll
	formAnd
	formOr
	formNot
	numForms

	// formApp is not a form of the language but a habit: selecting one
	// application or a few by their app label, maybe narrowed further.
	formApp
)

// preferredKeys are the label keys real selectors mostly use; others are
// drawn now and then.
var preferredKeys = []string{"app", "tier", "version", "team", "role", "env", "kind", "risk",
	"k8s-app", "app.kubernetes.io/name", "node-role", labelMetadataName}

// flagKeys are labels used as flags, tested with has().
var flagKeys = []string{"pci", "canary", "privileged", "compliance", "istio-injection"}

// selectorText writes a random selector of the given form over a label
// vocabulary. Both quote styles and a little free spacing are used, as
// people write them; the parser makes them canonical.
func selectorText(r *rng, v *labelVocab, form selForm) string {
	switch form {
	case formApp:
		apps := v.values["app"]
		if len(apps) == 0 {
			return atomText(r, v, formEq)
		}
		text := "app == " + quote(r, pick(r, apps))
		if len(apps) > 1 && r.chance(0.3) {
			set := sample(r, apps, 2)
			text = "app in {" + quote(r, set[0]) + ", " + quote(r, set[1]) + "}"
		}
		if r.chance(0.2) {
			text += " && " + atomText(r, v, randomAtom(r))
		}
		return text
	case formAll:
		return pick(r, []string{"all()", ""})
	case formAnd:
		return atomText(r, v, randomAtom(r)) + " && " + atomText(r, v, randomAtom(r))
	case formOr:
		return "(" + atomText(r, v, randomAtom(r)) + " || " + atomText(r, v, randomAtom(r)) + ")"
	case formNot:
		op := " && "
		if r.chance(0.5) {
			op = " || "
		}
		return "!(" + atomText(r, v, randomAtom(r)) + op + atomText(r, v, randomAtom(r)) + ")"
	case formNe:
		// Spelled != at the top; inside compounds atomText sometimes
		// writes the negated comparison instead.
		key, values := pickKey(r, v)
		return fmt.Sprintf("%s != %s", key, quote(r, pick(r, values)))
	}
	return atomText(r, v, form)
}

// randomAtom draws a form that is a single test.
func randomAtom(r *rng) selForm {
	return pick(r, []selForm{formEq, formEq, formEq, formNe, formIn, formIn, formNotIn, formHas, formNotHas,
		formContains, formStartsWith, formEndsWith})
}

// randomForm draws any form, single tests more often than compounds.
func randomForm(r *rng) selForm {
	if r.chance(0.3) {
		return pick(r, []selForm{formAnd, formAnd, formOr, formNot, formAll})
	}
	return randomAtom(r)
}

func atomText(r *rng, v *labelVocab, form selForm) string {
	key, values := pickKey(r, v)
	switch form {
	case formEq:
		return fmt.Sprintf("%s == %s", key, quote(r, pick(r, values)))
	case formNe:
		if r.chance(0.3) {
			// The same test as !=, written as a negated comparison.
			return fmt.Sprintf("!%s == %s", key, quote(r, pick(r, values)))
		}
		return fmt.Sprintf("%s != %s", key, quote(r, pick(r, values)))
	case formIn, formNotIn:
		set := sample(r, values, r.between(1, 3))
		if r.chance(0.2) {
			set = append(set, "legacy")
		}
		quoted := make([]string, len(set))
		for i, s := range set {
			quoted[i] = quote(r, s)
		}
		op := "in"
		if form == formNotIn {
			op = "not in"
		}
		return fmt.Sprintf("%s %s {%s}", key, op, strings.Join(quoted, ", "))
	case formHas, formNotHas:
		k := key
		if r.chance(0.5) {
			k = pick(r, flagKeys)
		}
		if form == formNotHas {
			return "!has(" + k + ")"
		}
		return "has(" + k + ")"
	case formContains:
		val := pick(r, values)
		return fmt.Sprintf("%s contains %s", key, quote(r, part(r, val, len(val)/4, len(val)*3/4+1)))
	case formStartsWith:
		val := pick(r, values)
		return fmt.Sprintf("%s starts with %s", key, quote(r, val[:r.between(1, len(val))]))
	case formEndsWith:
		val := pick(r, values)
		return fmt.Sprintf("%s ends with %s", key, quote(r, val[r.IntN(len(val)):]))
	}
	panic(fmt.Sprintf("workload: selector form %d is not a single test", form))
}

// pickKey draws a key with at least one non-empty value, preferring the
// keys people select on.
func pickKey(r *rng, v *labelVocab) (string, []string) {
	var usable, preferred []string
	for _, k := range v.keys {
		if slices.ContainsFunc(v.values[k], func(s string) bool { return s != "" }) {
			usable = append(usable, k)
			if slices.Contains(preferredKeys, k) {
				preferred = append(preferred, k)
			}
		}
	}
	if len(usable) == 0 {
		return "app", []string{"web"}
	}
	key := pick(r, usable)
	if len(preferred) > 0 && r.chance(0.8) {
		key = pick(r, preferred)
	}
	var values []string
	for _, s := range v.values[key] {
		if s != "" {
			values = append(values, s)
		}
	}
	return key, values
}

// part returns a non-empty substring of s starting in [lo, hi).
func part(r *rng, s string, lo, hi int) string {
	start := r.between(lo, max(lo, min(hi, len(s))-1))
	end := r.between(start+1, len(s))
	return s[start:end]
}

func quote(r *rng, s string) string {
	if r.chance(0.5) {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

// mustParse parses a selector the generator wrote; failing is a bug in
// the generator.
func mustParse(text string) *selector.Selector {
	s, err := selector.Parse(text)
	if err != nil {
		panic(fmt.Sprintf("workload: generated selector %q does not parse: %v", text, err))
	}
	return s
}

package selector_test

import (
	"errors"
	"fmt"
	"sort"

	"github.com/verdictlabs/verdict/selector"
)

func Example() {
	sel, err := selector.Parse(`role == 'database' && has(backup)`)
	if err != nil {
		panic(err)
	}
	fmt.Println(sel)
	fmt.Println(sel.Matches(selector.Map{"role": "database", "backup": "true"}))
	fmt.Println(sel.Matches(selector.Map{"role": "database"}))
	// Output:
	// (role == "database" && has(backup))
	// true
	// false
}

// The canonical form is Calico's: sets sorted and de-duplicated, every
// AND and OR group in parentheses, redundant parentheses and even runs of
// "!" gone.
func ExampleSelector_String() {
	for _, text := range []string{
		`tier in {'web', 'db', 'web',}`,
		`((a == "x")) || b == "y" && !!has(c)`,
		`!(env in {"dev"})`,
		``,
	} {
		fmt.Println(selector.MustParse(text))
	}
	// Output:
	// tier in {"db", "web"}
	// (a == "x" || (b == "y" && has(c)))
	// !env in {"dev"}
	// all()
}

// != and not in hold when the label is absent.
func ExampleSelector_Matches() {
	sel := selector.MustParse(`env != "prod"`)
	fmt.Println(sel.Matches(selector.Map{"env": "dev"}))
	fmt.Println(sel.Matches(selector.Map{"env": "prod"}))
	fmt.Println(sel.Matches(selector.Map{}))
	// Output:
	// true
	// false
	// true
}

func ExampleParse_error() {
	text := `role = "db"`
	_, err := selector.Parse(text)
	var e *selector.Error
	if errors.As(err, &e) {
		fmt.Println(text)
		fmt.Printf("%*s^\n", e.Offset, "")
		fmt.Println(e.Msg)
	}
	// Output:
	// role = "db"
	//      ^
	// expected "==": a single "=" is not an operator
}

func ExampleSelector_Requirements() {
	sel := selector.MustParse(`app == "web" && tier in {"a", "b"} && !has(quarantine) && env != "dev"`)
	req := sel.Requirements()
	keys := make([]string, 0, len(req))
	for k := range req {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s: %+v\n", k, req[k])
	}
	// Output:
	// app: {MustBePresent:true MustBeAbsent:false Values:[web]}
	// quarantine: {MustBePresent:false MustBeAbsent:true Values:[]}
	// tier: {MustBePresent:true MustBeAbsent:false Values:[a b]}
}

// Caret shows the problem in place, escaping what would break the line.
func ExampleError_Caret() {
	_, err := selector.Parse(`app == "web" && tier in {"a" "b"}`)
	var e *selector.Error
	if errors.As(err, &e) {
		fmt.Println(e)
		fmt.Println(e.Caret())
	}
	// Output:
	// expected "," or "}" after a value in the set, found "\"b\"" at offset 29
	// app == "web" && tier in {"a" "b"}
	//                              ^
}

// The clauses Calico adds to policies are built from names, with no text
// to parse.
func ExampleIn() {
	accounts, err := selector.In("projectcalico.org/serviceaccount", "web", "api")
	if err != nil {
		panic(err)
	}
	ns, err := selector.Equal("projectcalico.org/namespace", "prod")
	if err != nil {
		panic(err)
	}
	fmt.Println(selector.And(ns, accounts))
	// Output:
	// (projectcalico.org/namespace == "prod" && projectcalico.org/serviceaccount in {"api", "web"})
}

// A namespace selector as Calico applies it to a rule peer: keys prefixed
// with "pcns.", all() meaning any namespaced entity, and the result ANDed
// with the rule's own selector.
func ExampleAnd() {
	namespaces := selector.MustParse(`team == "payments" || all()`).
		PrefixKeys("pcns.").
		Substitute(selector.MustParse(`has(projectcalico.org/namespace)`), nil)
	peer := selector.And(namespaces, selector.MustParse(`app == "db"`))
	fmt.Println(peer)
	// Output:
	// ((pcns.team == "payments" || has(projectcalico.org/namespace)) && app == "db")
}

func ExampleSelector_UniqueID() {
	fmt.Println(selector.All().UniqueID())
	// Output:
	// s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug
}

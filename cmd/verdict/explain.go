package main

import (
	"io"
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/model"
)

func newExplainCmd() *cobra.Command {
	cmd := newEvalCmdWith(&evalOptions{account: true})
	cmd.Use = "explain [-f] FILE|DIR... --src ADDR|NS/NAME|NAME --dst ADDR|NS/NAME|NAME [flags]"
	cmd.Example = "  verdict explain -f examples/tiers-staged --src vote/vote-7d9c --dst vote/db-0 --dport 5432"
	cmd.Short = "Say why a flow is allowed or denied: every tier, policy and rule looked at, and what each rule failed"
	cmd.Long = `explain decides one flow as eval does, with the same flags and exit status,
and adds the whole walk of each side: every tier with a policy that applies
to the endpoint, every applicable policy in order, every rule looked at and,
for each rule that did not match, the first criterion it fails, such as

    source.selector app == 'worker' does not match 10.1.0.10 (app=vote)
    destination.ports 8080 not in [5432]

then where the tier ended or passed to, and the profiles. The pending walk
(staged policies enforced) is shown when it differs, or always with
--staged. -o json and -o yaml give eval's report plus "account", each side's
walks with "failed": {"field", "want", "got"} for every unmatched rule. The
walk comes from the reference evaluator, whose hits equal the engine's.

Exit status: 0 when the flow is allowed, 1 when it is denied (by the
pending verdict with --staged), 2 for bad flags, unreadable files or
problems in them.`
	return cmd
}

// accountOf gives the whole walk of the flow.
func accountOf(set model.Set, f model.Flow, src, dst *model.Endpoint) (model.Account, error) {
	ref, err := reference.New(set)
	if err != nil {
		return model.Account{}, err
	}
	return ref.AccountEndpoints(f, src, dst), nil
}

// explainReport is eval's report with each side's account.
type explainReport struct {
	evalReport
	Account accountReport `json:"account"`
}

type accountReport struct {
	Egress  model.SideAccount `json:"egress"`
	Ingress model.SideAccount `json:"ingress"`
}

func newAccountReport(a model.Account) accountReport {
	return accountReport{Egress: a.Egress, Ingress: a.Ingress}
}

// writeAccount writes each side's walk for a person.
func writeAccount(w io.Writer, a model.Account, staged bool) {
	for _, s := range []struct {
		dir  string
		side model.SideAccount
	}{{"egress", a.Egress}, {"ingress", a.Ingress}} {
		if !s.side.Enforced {
			continue
		}
		printable.Fprintf(w, "\n%s walk at %s:\n", s.dir, s.side.Endpoint)
		writeWalk(w, s.side.Walk)
		if staged || !sameWalk(s.side.Walk, s.side.Pending) {
			printable.Fprintf(w, "%s pending walk (staged policies enforced):\n", s.dir)
			writeWalk(w, s.side.Pending)
		}
	}
}

func sameWalk(a, b model.WalkAccount) bool {
	return reflect.DeepEqual(a, b)
}

func writeWalk(w io.Writer, walk model.WalkAccount) {
	if len(walk.Tiers) == 0 {
		printable.Fprintln(w, "  no tier has a policy for this endpoint")
	}
	for _, t := range walk.Tiers {
		printable.Fprintf(w, "  tier %s\n", t.Name)
		for _, p := range t.Policies {
			printable.Fprintf(w, "    %s %s\n", p.Kind, qualified(p.Namespace, p.Name))
			writeRules(w, p.Rules)
		}
		switch {
		case t.End != nil && t.End.Action == model.HitDeny:
			printable.Fprintf(w, "    end of tier: deny (attributed to %s)\n", qualified(t.End.Namespace, t.End.Name))
		case t.End != nil:
			printable.Fprintf(w, "    end of tier: pass to %s\n", t.PassTo)
		case t.PassTo != "":
			printable.Fprintf(w, "    passed to %s\n", t.PassTo)
		}
	}
	for _, p := range walk.Profiles {
		printable.Fprintf(w, "  profile %s\n", p.Name)
		writeRules(w, p.Rules)
	}
	if walk.Decision.EndOfProfiles {
		printable.Fprintln(w, "  end of profiles: deny")
	}
}

func writeRules(w io.Writer, rules []model.RuleAccount) {
	if len(rules) == 0 {
		printable.Fprintln(w, "      no rules in this direction")
	}
	for _, r := range rules {
		action := strings.ToLower(string(r.Action))
		if r.Matched {
			printable.Fprintf(w, "      rule %d %s: matched\n", r.Index, action)
			continue
		}
		printable.Fprintf(w, "      rule %d %s: %s\n", r.Index, action, r.Failed)
	}
}

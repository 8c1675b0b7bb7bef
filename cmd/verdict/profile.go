package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/policy/legacy"
)

// profileOptions are the flags of "verdict profile".
type profileOptions struct {
	files   []string
	at      int
	inPlace bool
	output  string
}

func newProfileCmd() *cobra.Command {
	o := &profileOptions{}
	cmd := &cobra.Command{
		Use:   "profile NAME rule show|add|remove [inbound|outbound] [--at N] [RULE...] -f FILE|DIR... [-o FORMAT]",
		Short: "Show and edit a profile's rules as calicoctl's profile rule commands did",
		Example: `  verdict profile databases rule show -f examples/docker-profiles
  verdict profile databases rule add inbound allow tcp from tag applications to ports 3306 -f examples/docker-profiles > databases.yaml
  verdict profile databases rule show -f examples/docker-profiles -o json`,
		Long: `profile works on the profile NAME of the loaded files (a Profile resource, a
legacy profile or profile rules JSON, the profile a Docker network makes) with
the commands and rule text of the original calicoctl:

  profile NAME rule show                                  the rules, numbered from 1 as calicoctl numbered them
  profile NAME rule add (inbound|outbound) [--at N] RULE  add a rule (at position N, 1-based; default last)
  profile NAME rule remove (inbound|outbound) --at N      remove the rule at position N
  profile NAME rule remove (inbound|outbound) RULE        remove the rule equal to RULE

The files are given with -f only: the arguments after the command are
RULE, calicoctl's rule text: allow|deny, then tcp|udp [from [ports P] [tag T]
[CIDR]] [to ...], icmp [type N [code N]] [from ...] [to ...], or just from/to
parts; for example "allow tcp from tag applications to ports 3306".

show prints a table by default; -o json or yaml gives the profile's name and
its inbound and outbound rules, each with its number and rule text.

add and remove print the edited profile as a Calico v3 Profile on standard
output (YAML, or JSON with -o json); given beside the files it came from, it replaces a profile a Docker
network or namespace makes (with a note). --in-place writes it back into the
file that defined the profile instead, which must hold it as a document of
its own.

Exit status: 0 on success, 2 for bad usage, a profile not in the files, rule
text that does not parse, or files with problems.`,
		Args: argCount(3, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProfile(cmd, o, args)
		},
	}
	f := cmd.Flags()
	addFileFlags(cmd, &o.files, "file or directory of policy resources (repeatable; - for standard input); only with -f, as the arguments are the rule text")
	f.IntVar(&o.at, "at", 0, "1-based rule position to add at or remove (calicoctl's --at)")
	f.BoolVarP(&o.inPlace, "in-place", "i", false, "write the edited profile back into the file that defined it")
	f.StringVarP(&o.output, "output", "o", "", "output format: table, json or yaml (add and remove: yaml or json)")
	return cmd
}

// profileRulesReport is "profile NAME rule show" as data.
type profileRulesReport struct {
	Profile  string            `json:"profile"`
	Inbound  []profileRuleLine `json:"inbound"`
	Outbound []profileRuleLine `json:"outbound"`
}

// profileRuleLine is one rule, numbered from 1 as calicoctl numbered it,
// in calicoctl's rule text.
type profileRuleLine struct {
	Number int    `json:"number"`
	Rule   string `json:"rule"`
}

func newProfileRulesReport(p *legacy.Profile) profileRulesReport {
	lines := func(rules []legacy.Rule) []profileRuleLine {
		out := make([]profileRuleLine, 0, len(rules))
		for i, r := range rules {
			out = append(out, profileRuleLine{Number: i + 1, Rule: r.String()})
		}
		return out
	}
	return profileRulesReport{Profile: p.Name, Inbound: lines(p.Inbound), Outbound: lines(p.Outbound)}
}

func runProfile(cmd *cobra.Command, o *profileOptions, args []string) error {
	name, verb := args[0], args[2]
	if args[1] != "rule" {
		return usageError("profile %s %s: only the rule commands exist: profile NAME rule show|add|remove", name, args[1])
	}
	if len(o.files) == 0 {
		return usageError("no policy files: give at least one -f FILE|DIR")
	}
	rest := args[3:]
	switch verb {
	case "show":
		if len(rest) > 0 || cmd.Flags().Changed("at") || o.inPlace {
			return usageError("profile NAME rule show takes no rule, --at or --in-place")
		}
		if o.output == "" {
			o.output = "table"
		}
		if err := checkFormat(o.output, "table", "json", "yaml"); err != nil {
			return err
		}
	case "add", "remove":
		if len(rest) == 0 || (rest[0] != "inbound" && rest[0] != "outbound") {
			return usageError("profile NAME rule %s needs inbound or outbound first", verb)
		}
		if o.inPlace && o.output != "" {
			return usageError("--in-place writes the profile back as it was written; -o is for standard output")
		}
		if o.output == "" {
			o.output = "yaml"
		}
		if err := checkFormat(o.output, "yaml", "json"); err != nil {
			return err
		}
	default:
		return usageError("profile NAME rule %q: the rule commands are show, add and remove", verb)
	}

	res, err := loadChecked(cmd, "-f", o.files)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(res.Set.Profiles, func(p model.Profile) bool { return p.Name == name })
	if i < 0 {
		return usageError("no profile %q in the files%s", name, profileHint(res.Set.Profiles, name))
	}
	p, err := legacyProfile(res.Set.Profiles[i])
	if err != nil {
		return inputError(err)
	}
	out := cmd.OutOrStdout()
	if verb == "show" {
		if o.output != "table" {
			return writeStructured(out, o.output, newProfileRulesReport(p))
		}
		fmt.Fprint(out, printable.Lines(p.Show()))
		return nil
	}

	inbound := rest[0] == "inbound"
	text := strings.Join(rest[1:], " ")
	switch {
	case verb == "add":
		if text == "" {
			return usageError("profile NAME rule add %s needs the rule text, such as: allow tcp from tag web to ports 80", rest[0])
		}
		r, err := legacy.ParseRule(text)
		if err != nil {
			return usageError("rule %q: %v", text, err)
		}
		if err := p.AddRule(inbound, o.at, r); err != nil {
			return inputError(err)
		}
	case cmd.Flags().Changed("at"):
		if text != "" {
			return usageError("profile NAME rule remove takes --at N or the rule text, not both")
		}
		if err := p.RemoveRuleAt(inbound, o.at); err != nil {
			return inputError(err)
		}
	default:
		if text == "" {
			return usageError("profile NAME rule remove %s needs --at N or the rule text", rest[0])
		}
		r, err := legacy.ParseRule(text)
		if err != nil {
			return usageError("rule %q: %v", text, err)
		}
		if err := p.RemoveRule(inbound, r); err != nil {
			return inputError(err)
		}
	}
	if !o.inPlace {
		return writeStructured(out, o.output, p.V3())
	}
	edited, err := yaml.Marshal(p.V3())
	if err != nil {
		return err
	}
	origin, ok := res.Origins[model.Key{Kind: model.KindProfile, Name: name}]
	if !ok || origin.File == "" || origin.File == "<stdin>" {
		return usageError("--in-place: profile %s was not read from a file (Verdict makes it, or it came from standard input); write the edit to a file of its own and load it beside the others", name)
	}
	return replaceDocument(origin, name, edited)
}

// legacyProfile turns a loaded profile into the legacy model through its
// v3 form, the one form every input kind has.
func legacyProfile(p model.Profile) (*legacy.Profile, error) {
	var buf bytes.Buffer
	if err := policy.Encode(&buf, model.Set{Profiles: []model.Profile{p}}, "json"); err != nil {
		return nil, err
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(buf.Bytes(), &list); err != nil {
		return nil, err
	}
	if len(list.Items) != 1 {
		return nil, fmt.Errorf("profile %s: encoded as %d documents", p.Name, len(list.Items))
	}
	return legacy.ProfileFromV3(list.Items[0])
}

// profileHint names the nearest profile, or lists the few there are.
func profileHint(profiles []model.Profile, name string) string {
	names := make([]string, 0, len(profiles))
	for _, p := range profiles {
		names = append(names, p.Name)
	}
	if near := nearest(name, names); near != "" {
		return fmt.Sprintf("; did you mean %s?", near)
	}
	if len(names) == 0 {
		return ": it has no profiles"
	}
	if len(names) > 8 {
		names = append(names[:8], "...")
	}
	return " (profiles: " + strings.Join(names, ", ") + ")"
}

// nearest returns the candidate within two edits of name, or "".
func nearest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// docSeparator is a YAML document marker line.
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?\r?\n`)

// replaceDocument writes doc in place of the document at o, which must be
// a Profile of the given name in a file of separate documents; the other
// documents are kept byte for byte.
func replaceDocument(o policy.Origin, name string, doc []byte) error {
	data, err := os.ReadFile(o.File)
	if err != nil {
		return usageError("--in-place: %v", err)
	}
	bounds := documentBounds(data)
	if o.Document < 1 || o.Document > len(bounds) {
		return usageError("--in-place: %s document %d cannot be rewritten alone (a List or array of resources); write the edit to a file of its own", o.File, o.Document)
	}
	b := bounds[o.Document-1]
	var have struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(data[b[0]:b[1]], &have); err != nil || have.Kind != "Profile" || have.Metadata.Name != name {
		return usageError("--in-place: profile %s comes from %s document %d, which is not a Profile document of its own (a Docker network, a legacy profile, a List); write the edit to a file of its own and load it beside the others: a given profile replaces the one derived", name, o.File, o.Document)
	}
	var out bytes.Buffer
	out.Write(data[:b[0]])
	out.Write(doc)
	out.Write(data[b[1]:])
	info, err := os.Stat(o.File)
	if err != nil {
		return usageError("--in-place: %v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.File), ".verdict-"+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return usageError("--in-place: %v", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out.Bytes()); err != nil {
		tmp.Close()
		return usageError("--in-place: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return usageError("--in-place: %v", err)
	}
	if err := os.Chmod(tmp.Name(), info.Mode().Perm()); err != nil {
		return usageError("--in-place: %v", err)
	}
	if err := os.Rename(tmp.Name(), o.File); err != nil {
		return usageError("--in-place: %v", err)
	}
	return nil
}

// documentBounds returns the byte range of each non-empty document of a
// YAML stream, in order, as the loader counts them (a JSON file is one).
func documentBounds(data []byte) [][2]int {
	var out [][2]int
	start := 0
	add := func(end int) {
		if len(bytes.TrimSpace(stripComments(data[start:end]))) > 0 {
			out = append(out, [2]int{start, end})
		}
	}
	for _, m := range docSeparator.FindAllIndex(data, -1) {
		add(m[0])
		start = m[1]
	}
	add(len(data))
	return out
}

// stripComments drops the comment lines of a YAML document, so that a
// document of comments only counts as empty, as the loader counts it.
func stripComments(doc []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line...)
			out = append(out, '\n')
		}
	}
	return out
}

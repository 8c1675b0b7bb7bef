// Package walkthrough holds what the runnable examples share: loading an
// example's files and printing flows with the verdicts that decide them, in
// a form a reader of the original tutorials can follow.
package walkthrough

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strings"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// Source is one input of a load: a file of the example, or a document the
// example built in memory.
type Source struct {
	Name string
	Data []byte
}

// Files reads the named files of an example (embedded in its program, so it
// runs from any directory).
func Files(files fs.FS, names ...string) ([]Source, error) {
	out := make([]Source, 0, len(names))
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Source{Name: name, Data: data})
	}
	return out, nil
}

// Document encodes a generic resource document (such as a legacy profile's
// v3 form) as a source named name.
func Document(name string, doc any) (Source, error) {
	data, err := json.Marshal(doc)
	return Source{Name: name, Data: data}, err
}

// Load reads the named files of an example into one validated set.
// Warnings (such as the lower-case actions of the older tutorials) are
// written to warn, one per line, when warn is not nil.
func Load(warn io.Writer, files fs.FS, names ...string) (model.Set, error) {
	return LoadWith(warn, nil, files, names...)
}

// LoadWith is Load with the loader's options, such as the mode of
// Calico's Docker plugin.
func LoadWith(warn io.Writer, opts []policy.Option, files fs.FS, names ...string) (model.Set, error) {
	sources, err := Files(files, names...)
	if err != nil {
		return model.Set{}, err
	}
	return loadSources(warn, opts, sources)
}

// LoadSources loads sources into one validated set, writing warnings to
// warn when it is not nil.
func LoadSources(warn io.Writer, sources ...Source) (model.Set, error) {
	return loadSources(warn, nil, sources)
}

func loadSources(warn io.Writer, opts []policy.Option, sources []Source) (model.Set, error) {
	l := policy.NewLoader(opts...)
	for _, src := range sources {
		if err := l.Add(src.Name, bytes.NewReader(src.Data)); err != nil {
			return model.Set{}, err
		}
	}
	res, err := l.Finish()
	if err != nil {
		return model.Set{}, err
	}
	if warn != nil {
		for _, p := range res.Warnings {
			fmt.Fprintln(warn, p.String())
		}
	}
	return res.Set, nil
}

// Address returns the first address of the endpoint with the given name
// (a bare name, or namespace/name), or parses name as an address.
func Address(set model.Set, name string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		return a, nil
	}
	ns, n, ok := strings.Cut(name, "/")
	if !ok {
		ns, n = "", name
	}
	for _, ep := range set.Endpoints {
		if ep.Name == n && (ep.Namespace == ns || !ok) && len(ep.Addresses) > 0 {
			return ep.Addresses[0], nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no endpoint %q with an address", name)
}

// Flow describes one connection attempt between two named endpoints (or
// addresses).
type Flow struct {
	From, To string
	Protocol uint8
	Port     uint16
	ICMP     *model.ICMPTypeCode
}

// Show evaluates each flow and prints one line per flow: the flow, the
// enforced verdict and what decided it, and the pending verdict when staged
// policies would change it.
func Show(w io.Writer, set model.Set, ev eval.Evaluator, flows ...Flow) error {
	for _, f := range flows {
		src, err := Address(set, f.From)
		if err != nil {
			return err
		}
		dst, err := Address(set, f.To)
		if err != nil {
			return err
		}
		v := ev.Evaluate(model.Flow{Src: src, Dst: dst, Protocol: f.Protocol, DstPort: f.Port, ICMP: f.ICMP})
		fmt.Fprintf(w, "%s -> %s %s: %s\n", f.From, f.To, service(f), Describe(v, false))
		if v.PendingAllowed() != v.Allowed() {
			fmt.Fprintf(w, "    with staged policies enforced: %s\n", Describe(v, true))
		}
	}
	return nil
}

func service(f Flow) string {
	s := model.ProtocolName(f.Protocol)
	if f.ICMP != nil {
		return fmt.Sprintf("%s type %d", s, f.ICMP.Type)
	}
	if f.Port != 0 {
		s += fmt.Sprintf("/%d", f.Port)
	}
	return s
}

// Describe says in words whether a verdict allows its flow and which hit
// decided each enforced side, using the pending decisions when pending is
// true.
func Describe(v model.Verdict, pending bool) string {
	word := "allowed"
	if (pending && !v.PendingAllowed()) || (!pending && !v.Allowed()) {
		word = "denied"
	}
	var why []string
	for _, side := range []struct {
		name string
		dv   model.DirectionVerdict
	}{{"egress", v.Egress}, {"ingress", v.Ingress}} {
		if !side.dv.Enforced {
			continue
		}
		d := side.dv.Decision
		if pending {
			d = side.dv.Pending
		}
		why = append(why, side.name+" "+DescribeDecision(d))
	}
	if len(why) == 0 {
		return word + " (no Calico endpoint on either side)"
	}
	return word + " (" + strings.Join(why, "; ") + ")"
}

// DescribeDecision says which hit decided one side.
func DescribeDecision(d model.Decision) string {
	verb := "denied"
	if d.Allowed {
		verb = "allowed"
	}
	if d.EndOfProfiles {
		return verb + ": no policy or profile rule matched"
	}
	h := d.Hit
	name := h.Name
	if h.Namespace != "" {
		name = h.Namespace + "/" + h.Name
	}
	if h.Kind == model.KindProfile {
		return fmt.Sprintf("%s by profile %s, rule index %d", verb, name, h.Index)
	}
	if h.Index < 0 {
		return fmt.Sprintf("%s at the end of tier %s (%s %s)", verb, h.Tier, h.Kind, name)
	}
	return fmt.Sprintf("%s by tier %s, %s %s, rule index %d", verb, h.Tier, h.Kind, name, h.Index)
}

// SamePolicies reports whether two sets hold the same policies, by
// comparing their canonical Calico v3 form.
func SamePolicies(a, b model.Set) (bool, error) {
	var ea, eb strings.Builder
	if err := policy.Encode(&ea, model.Set{Policies: a.Policies}, "yaml"); err != nil {
		return false, err
	}
	if err := policy.Encode(&eb, model.Set{Policies: b.Policies}, "yaml"); err != nil {
		return false, err
	}
	return ea.String() == eb.String(), nil
}

// Decide compiles set into an engine, as an embedder would, and shows the
// flows.
func Decide(w io.Writer, set model.Set, flows ...Flow) error {
	ev, err := eval.New(set)
	if err != nil {
		return err
	}
	return Show(w, set, ev, flows...)
}

// Main runs an example's walkthrough on standard output and exits with
// status 1, naming the example, if it fails.
func Main(name string, run func(io.Writer) error) {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

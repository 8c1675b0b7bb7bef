package main

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/model"
)

// evalOptions are the flags of "verdict eval".
type evalOptions struct {
	files      []string
	src, dst   string
	proto      string
	sport      portValue
	dport      portValue
	icmpType   uint8
	icmpCode   uint8
	httpMethod string
	httpPath   string
	staged     bool
	output     string
	engine     string
	// account adds each side's whole walk (verdict explain).
	account bool
}

func newEvalCmd() *cobra.Command {
	return newEvalCmdWith(&evalOptions{})
}

// newEvalCmdWith builds eval's command over o, so that explain shares its
// flags and checks.
func newEvalCmdWith(o *evalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "eval [-f] FILE|DIR... --src ADDR|NS/NAME|NAME --dst ADDR|NS/NAME|NAME [flags]",
		Example: "  verdict eval -f examples/tiers-staged --src vote/worker-6c4d --dst vote/db-0 --dport 5432",
		Short:   "Decide one flow and show which tier, policy and rule decided",
		Long: `eval loads policy resources as validate does, then decides one flow exactly
as Calico would: egress at the endpoint the source belongs to, ingress at the
endpoint the destination belongs to. It prints the verdict of each direction,
the hit that decided it and the full trace; -o json and -o yaml give the same
account in full.

--src and --dst take an address, namespace/name of an endpoint in the files, or
the bare name of one without a namespace (a Docker container, a host
endpoint). An address no endpoint owns is an outside peer: nothing is enforced
on its side. A host endpoint, named or owning the address, cannot be judged
yet (Calico enforces it in hooks Verdict does not model): that is an error.
Zoned (fe80::1%eth0) and IPv4-mapped (::ffff:10.0.0.5) addresses are decided
as the address a packet carries (fe80::1, 10.0.0.5). --proto takes a name in any case (tcp, UDP, icmpv6) or a
number, TCP when not given. Staged policies decide the pending verdict, which
is shown when it differs; with --staged it is always shown and decides the
exit status.

Exit status: 0 when the flow is allowed, 1 when it is denied, 2 for bad flags,
unreadable files or problems in them (printed to standard error, warnings
too).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args)
			return runEval(cmd, o)
		},
	}
	f := cmd.Flags()
	addFileFlags(cmd, &o.files, "file or directory of policy resources (repeatable; - for standard input); files may also be given as arguments")
	f.StringVar(&o.src, "src", "", "source: address, namespace/name or name of an endpoint")
	f.StringVar(&o.dst, "dst", "", "destination: address, namespace/name or name of an endpoint")
	f.StringVar(&o.proto, "proto", "tcp", "IP protocol: tcp, udp, icmp, icmpv6, sctp, udplite or a number")
	f.Var(&o.sport, "sport", "source port, 1-65535 (TCP, UDP, SCTP, UDPLite; default 0, no port)")
	f.Var(&o.dport, "dport", "destination port, 1-65535 (required with TCP, UDP, SCTP and UDPLite)")
	f.Uint8Var(&o.icmpType, "icmp-type", 0, "ICMP type of an ICMP or ICMPv6 flow")
	f.Uint8Var(&o.icmpCode, "icmp-code", 0, "ICMP code (needs --icmp-type)")
	f.StringVar(&o.httpMethod, "http-method", "", "HTTP method of the request the flow carries")
	f.StringVar(&o.httpPath, "http-path", "", "HTTP path of the request the flow carries")
	f.BoolVar(&o.staged, "staged", false, "decide the exit status by the pending verdict (staged policies enforced)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, json or yaml")
	f.StringVar(&o.engine, "engine", "compiled", "evaluator: compiled (the engine embedders use) or reference (the executable specification)")
	return cmd
}

func runEval(cmd *cobra.Command, o *evalOptions) error {
	switch {
	case len(o.files) == 0:
		return usageError("no policy files: give at least one FILE|DIR or -f FILE|DIR")
	case o.src == "" || o.dst == "":
		return usageError("--src and --dst are both required")
	case o.output != "table" && o.output != "json" && o.output != "yaml":
		return usageError("-o must be table, json or yaml, not %q", o.output)
	}
	newEvaluator, err := evaluatorNamed(o.engine)
	if err != nil {
		return err
	}
	parsed, err := model.ParseProtocol(o.proto)
	if err != nil {
		return usageError("--proto: %v", err)
	}
	proto := parsed.Number
	if err := checkPorts(proto, &o.sport, &o.dport); err != nil {
		return err
	}
	flags := cmd.Flags()
	var icmp *model.ICMPTypeCode
	if flags.Changed("icmp-type") {
		if proto != model.ProtoICMP && proto != model.ProtoICMPv6 {
			return usageError("--icmp-type needs --proto icmp or icmpv6")
		}
		icmp = &model.ICMPTypeCode{Type: o.icmpType, Code: o.icmpCode}
	} else if flags.Changed("icmp-code") {
		return usageError("--icmp-code needs --icmp-type")
	}
	var http *model.HTTPRequest
	if flags.Changed("http-method") || flags.Changed("http-path") {
		if proto != model.ProtoTCP {
			return usageError("--http-method and --http-path need --proto tcp")
		}
		http = &model.HTTPRequest{Method: o.httpMethod, Path: o.httpPath}
	}

	res, probs, err := loadReported(cmd, o.files)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return usageError("the policy files have problems; nothing was evaluated")
	}

	src, err := resolvePeer(&res.Set, o.src)
	if err != nil {
		return usageError("--src: %v", err)
	}
	dst, err := resolvePeer(&res.Set, o.dst)
	if err != nil {
		return usageError("--dst: %v", err)
	}
	srcAddr, dstAddr, err := eval.PickAddresses(src, dst)
	if err != nil {
		return usageError("--src and --dst: %v", err)
	}

	e, err := newEvaluator(res.Set)
	if err != nil {
		return inputError(err)
	}
	flow := model.Flow{Src: srcAddr, Dst: dstAddr, Protocol: proto, SrcPort: o.sport.port, DstPort: o.dport.port, ICMP: icmp, HTTP: http}
	// A named endpoint is judged as itself, even when another endpoint
	// has the same address (the loader warns about that); an address is
	// judged at the endpoint owning it.
	x := e.ExplainEndpoints(flow, src.Endpoint, dst.Endpoint)
	if err := unjudgedError(x.Verdict, src, dst); err != nil {
		return inputError(err)
	}
	report := newEvalReport(flow, x)
	report.DockerMode = string(res.DockerMode)
	report.srcName, report.dstName = peerName(src), peerName(dst)
	report.dockerMode = res.DockerMode.Describe()
	var printed any = report
	var account *model.Account
	if o.account {
		acc, err := accountOf(res.Set, flow, src.Endpoint, dst.Endpoint)
		if err != nil {
			return inputError(err)
		}
		account = &acc
		printed = explainReport{evalReport: report, Account: newAccountReport(acc)}
	}

	out := cmd.OutOrStdout()
	switch o.output {
	case "json", "yaml":
		if err := writeStructured(out, o.output, printed); err != nil {
			return err
		}
	default:
		writeEvalTable(out, report, o.staged)
		if account != nil {
			writeAccount(out, *account, o.staged)
		}
	}

	allowed := report.Allowed
	if o.staged {
		allowed = report.PendingAllowed
	}
	if !allowed {
		return answerNo()
	}
	return nil
}

// unjudgedError refuses a flow with a host endpoint on a judged side:
// Calico enforces host endpoints, and Verdict does not judge them yet
// (SPEC 8), so no verdict would be true, and "not enforced" would be
// false.
func unjudgedError(v model.Verdict, src, dst eval.Peer) error {
	for _, s := range []struct {
		flag, dir string
		p         eval.Peer
		dv        model.DirectionVerdict
	}{{"--src", "egress", src, v.Egress}, {"--dst", "ingress", dst, v.Ingress}} {
		if s.dv.Unjudged {
			return fmt.Errorf("%s %s is %s, which Verdict cannot judge yet: Calico enforces a host endpoint's policies (its %s here) in hooks Verdict does not model (SPEC 8)", s.flag, s.p.Ref, s.dv.Endpoint, s.dir)
		}
	}
	return nil
}

// evalReport is what eval prints: the flow, the verdicts, and each side's
// account. Its JSON (and YAML) form is exact; the table is for people.
type evalReport struct {
	Flow           model.Flow `json:"flow"`
	Allowed        bool       `json:"allowed"`
	PendingAllowed bool       `json:"pendingAllowed"`
	Egress         sideReport `json:"egress"`
	Ingress        sideReport `json:"ingress"`
	// DockerMode is the mode of Calico's Docker plugin the Docker inputs
	// were read in (profiles or labels), when there were any.
	DockerMode string `json:"dockerMode,omitempty"`
	dockerMode string // DockerMode in words
	// srcName and dstName are the endpoints as the user named them, shown
	// beside the addresses; empty for an address.
	srcName, dstName string
}

// peerName is the name --src or --dst gave an endpoint by, or the
// endpoint owning the address given.
func peerName(p eval.Peer) string {
	if p.Endpoint == nil {
		return ""
	}
	return qualified(p.Endpoint.Namespace, p.Endpoint.Name)
}

// sideReport is one direction: egress at the source, ingress at the
// destination. Endpoint and the decisions are absent when nothing is
// enforced on that side.
type sideReport struct {
	Direction    model.Direction `json:"direction"`
	Address      string          `json:"address"`
	Enforced     bool            `json:"enforced"`
	Endpoint     *model.Key      `json:"endpoint,omitempty"`
	Decision     *model.Decision `json:"decision,omitempty"`
	Pending      *model.Decision `json:"pending,omitempty"`
	Trace        []model.Hit     `json:"trace"`
	PendingTrace []model.Hit     `json:"pendingTrace"`
	Logs         []model.Hit     `json:"logs,omitempty"`
	PendingLogs  []model.Hit     `json:"pendingLogs,omitempty"`
}

func newEvalReport(f model.Flow, x model.Explanation) evalReport {
	r := evalReport{
		Flow:           f,
		Allowed:        x.Verdict.Allowed(),
		PendingAllowed: x.Verdict.PendingAllowed(),
		Egress:         newSideReport(model.Egress, f.Src, x.Verdict.Egress, x.Egress),
		Ingress:        newSideReport(model.Ingress, f.Dst, x.Verdict.Ingress, x.Ingress),
	}
	return r
}

func newSideReport(d model.Direction, a netip.Addr, dv model.DirectionVerdict, tr model.Trace) sideReport {
	s := sideReport{
		Direction: d, Address: a.String(), Enforced: dv.Enforced,
		Trace: nonNil(tr.Hits), PendingTrace: nonNil(tr.PendingHits), Logs: tr.Logs, PendingLogs: tr.PendingLogs,
	}
	if !dv.Enforced {
		return s
	}
	s.Endpoint = &dv.Endpoint
	s.Decision = newDecisionReport(dv.Decision)
	s.Pending = newDecisionReport(dv.Pending)
	return s
}

func newDecisionReport(d model.Decision) *model.Decision { return &d }

func nonNil(h []model.Hit) []model.Hit {
	if h == nil {
		return []model.Hit{}
	}
	return h
}

// writeEvalTable writes the report for a person: the verdict first, then
// per direction the endpoint, the deciding hit and the trace. The pending
// account is shown when it differs from the enforced one, or always with
// --staged.
func writeEvalTable(w io.Writer, r evalReport, staged bool) {
	printable.Fprintf(w, "flow     %s\n", namedFlowString(r))
	if r.srcName != "" || r.dstName != "" {
		printable.Fprintf(w, "peers    %s -> %s\n", orOutside(r.srcName), orOutside(r.dstName))
	}
	printable.Fprintf(w, "verdict  %s\n", verdictString(r.Allowed, r.Egress.Decision, r.Ingress.Decision))
	if staged || r.PendingAllowed != r.Allowed {
		printable.Fprintf(w, "pending  %s (staged policies enforced)\n", verdictString(r.PendingAllowed, r.Egress.Pending, r.Ingress.Pending))
	}
	if r.DockerMode != "" {
		printable.Fprintf(w, "docker   %s\n", r.dockerMode)
	}
	for _, s := range []sideReport{r.Egress, r.Ingress} {
		printable.Fprintln(w)
		writeSide(w, s, staged)
	}
}

// namedFlowString is flowString with the source port explained when it
// was not given.
func namedFlowString(r evalReport) string {
	out := flowString(r.Flow)
	if carriesPorts(r.Flow.Protocol) && r.Flow.SrcPort == 0 {
		out += " (no source port given: judged as port 0; --sport sets one)"
	}
	return out
}

func orOutside(name string) string {
	if name == "" {
		return "(an address no endpoint owns)"
	}
	return name
}

func flowString(f model.Flow) string {
	proto := model.ProtocolName(f.Protocol)
	var b strings.Builder
	if carriesPorts(f.Protocol) {
		printable.Fprintf(&b, "%s -> %s %s", hostPort(f.Src, f.SrcPort), hostPort(f.Dst, f.DstPort), proto)
	} else {
		// Ports mean nothing to ICMP and most other protocols.
		printable.Fprintf(&b, "%s -> %s %s", f.Src, f.Dst, proto)
	}
	if f.ICMP != nil {
		printable.Fprintf(&b, " type %d code %d", f.ICMP.Type, f.ICMP.Code)
	}
	if f.HTTP != nil {
		printable.Fprintf(&b, " HTTP %s %s", orDash(f.HTTP.Method), orDash(f.HTTP.Path))
	}
	return b.String()
}

func hostPort(addr netip.Addr, port uint16) string {
	return netip.AddrPortFrom(addr, port).String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// verdictString says ALLOWED, or DENIED and where.
func verdictString(allowed bool, egress, ingress *model.Decision) string {
	if allowed {
		return "ALLOWED"
	}
	var where []string
	if egress != nil && !egress.Allowed {
		where = append(where, "egress")
	}
	if ingress != nil && !ingress.Allowed {
		where = append(where, "ingress")
	}
	return "DENIED at " + strings.Join(where, " and ")
}

func writeSide(w io.Writer, s sideReport, staged bool) {
	dir := strings.ToLower(string(s.Direction))
	if !s.Enforced {
		printable.Fprintf(w, "%s at %s: not enforced (no workload endpoint owns the address)\n", dir, s.Address)
		return
	}
	printable.Fprintf(w, "%s at %s (%s): %s\n", dir, endpointString(s.Endpoint), s.Address, allowWord(s.Decision.Allowed))
	printable.Fprintf(w, "  decided by  %s\n", decidedBy(s.Decision))
	writeTrace(w, "  trace", s.Trace, s.Logs)
	if staged || !samePending(s) {
		printable.Fprintf(w, "  pending     %s, decided by %s\n", allowWord(s.Pending.Allowed), decidedBy(s.Pending))
		printable.Fprintln(w, "              (pending: the verdict once the staged policies are enforced)")
		writeTrace(w, "  pending trace", s.PendingTrace, s.PendingLogs)
	}
}

// samePending reports whether the pending account says nothing the
// enforced one does not.
func samePending(s sideReport) bool {
	return sameDecision(s.Decision, s.Pending) && slices.Equal(s.Trace, s.PendingTrace)
}

func sameDecision(a, b *model.Decision) bool {
	if a.Allowed != b.Allowed || a.EndOfProfiles != b.EndOfProfiles {
		return false
	}
	return a.EndOfProfiles || a.Hit == b.Hit
}

func endpointString(e *model.Key) string { return e.String() }

func allowWord(allowed bool) string {
	if allowed {
		return "allow"
	}
	return "deny"
}

func decidedBy(d *model.Decision) string {
	if d.EndOfProfiles {
		return "the end of the profiles: no policy rule or profile rule matched, so Calico denies"
	}
	return readableHit(d.Hit)
}

// readableHit describes a hit for a person, spelling out what Calico's
// identifiers mean: "Profile kns.vote (the namespace profile of vote)
// rule #1 (index 0, after every tier): allow", or "NetworkPolicy vote/db
// in tier platform: no rule matched, tier platform's default action:
// deny". Rules are counted from 1 with Calico's 0-based index beside;
// -o json keeps Calico's identifiers and indexes.
func readableHit(h model.Hit) string {
	name := qualified(h.Namespace, h.Name)
	if what := profileMeaning(h); what != "" {
		name += " (" + what + ")"
	}
	where := "in tier " + h.Tier
	if h.Tier == model.TierProfile {
		where = "(profiles, after every tier)"
	}
	if h.Index < 0 {
		return fmt.Sprintf("%s %s %s: no rule matched, tier %s's default action: %s", h.Kind, name, where, h.Tier, h.Action)
	}
	return fmt.Sprintf("%s %s rule #%d (index %d) %s: %s", h.Kind, name, h.Index+1, h.Index, where, h.Action)
}

// profileMeaning says what the profiles Calico makes for Kubernetes are;
// "" for any other hit.
func profileMeaning(h model.Hit) string {
	if h.Kind != model.KindProfile {
		return ""
	}
	if ns, ok := strings.CutPrefix(h.Name, model.PrefixNamespaceProfile); ok {
		return "the namespace profile of " + ns
	}
	if sa, ok := strings.CutPrefix(h.Name, model.PrefixServiceAccountProfile); ok {
		return "the service-account profile of " + strings.Replace(sa, ".", "/", 1)
	}
	return ""
}

func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// writeTrace writes the hits as a table, and the Log rules that matched
// beside it.
func writeTrace(w io.Writer, title string, hits, logs []model.Hit) {
	if len(hits) == 0 {
		printable.Fprintf(w, "%s: no hits\n", title)
	} else {
		printable.Fprintf(w, "%s:\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		printable.Fprintf(tw, "    #\tTIER\tKIND\tPOLICY\tRULE #\tACTION\n")
		for i, h := range hits {
			rule := strconv.Itoa(h.Index + 1)
			if h.Index < 0 {
				rule = "tier default"
			}
			tier := h.Tier
			if tier == model.TierProfile {
				tier = "(profiles)"
			}
			printable.Fprintf(tw, "    %d\t%s\t%s\t%s\t%s\t%s\n", i+1, tier, h.Kind, qualified(h.Namespace, h.Name), rule, h.Action)
		}
		tw.Flush()
	}
	for _, l := range logs {
		printable.Fprintf(w, "    logged by %s\n", strings.TrimSuffix(readableHit(l), ": "+string(l.Action)))
	}
}

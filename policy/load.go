package policy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
	"github.com/verdictlabs/verdict/policy/kube"
	"github.com/verdictlabs/verdict/policy/legacy"
)

// Loader reads policy resources from any number of inputs and, once they
// are all in, validates them as a whole and builds the model: whether a
// policy's tier exists, or a resource is defined twice, depends on every
// input. Each input is read as a stream, one document at a time.
//
// A Loader is for one load and one goroutine.
type Loader struct {
	conv      *converter
	problems  Problems
	counts    map[string]int
	set       model.Set
	seen      map[model.Key]origin
	tierRefs  []tierRef
	tierNames map[string]bool // every Tier read, valid or not
	podNS     []podNamespace
	services  kube.Services
	kubeOrig  map[model.Key]origin
	legacy    legacyInputs
	maxInput  int64 // bytes read from one input at most; 0 for no bound
	docker    legacy.DockerMode
	finished  bool
	// stagedDeletes are the keys of the staged Deletes read, in order.
	stagedDeletes []model.Key
}

// Result is what a load gives: the model, the warnings (problems that do
// not make the input invalid) and how many resources of each input kind
// were read (by the kind the input gave, such as GlobalNetworkPolicy, Pod
// or policy for a Calico v1 policy).
type Result struct {
	Set      model.Set
	Warnings Problems
	Counts   map[string]int
	// Origins says where each resource of the model came from, so that
	// what is found about it later (a lint finding, a matrix cell) can
	// name its file. Resources Verdict makes itself (built-in tiers, the
	// kns. and ksa. profiles, namespaces assumed for pods) have none.
	Origins map[model.Key]Origin
	// StagedDeletes are the keys of the staged policies whose
	// stagedAction is Delete (StagedNetworkPolicy vote/x, ...). They take
	// no part in the model, as Calico never hands them to Felix, but
	// "as if applied" needs them: applying one deletes the enforced
	// policy of the same namespace and name.
	StagedDeletes []model.Key
	// DockerMode is the mode the Docker inputs were read in (see
	// DockerMode), or empty when the load had none.
	DockerMode legacy.DockerMode

	// positions is where the text of each resource of Origins is, for
	// Position.
	positions map[model.Key]*srcPos
}

// Position returns the line and column (1-based) in its file of the
// field at path (such as metadata.name; empty for the resource itself)
// of the resource k, or of the nearest enclosing field it has, so that
// what is found about a resource after loading can be placed as its
// problems are; zeros when the resource has no text, as those of
// Origins without a file.
func (r *Result) Position(k model.Key, path string) (line, column int) {
	if p := r.positions[k]; p != nil {
		return p.locate(path)
	}
	return 0, 0
}

// Origin is where a resource was read: its file (empty for an unnamed
// input) and its 1-based document, counting the items of a List or
// sequence as Problem.Document does.
type Origin struct {
	File     string `json:"file,omitempty"`
	Document int    `json:"document,omitempty"`
}

// origin is where a resource came from, for problems found after reading.
type origin struct {
	file string
	doc  int
	pos  *srcPos // where the resource's text is, when known
}

// tierRef is a policy's tier, checked once every Tier is known.
type tierRef struct {
	origin
	kind, namespace, name, tier string
}

// podNamespace is the namespace a pod lives in, so that one missing from
// the load can be supplied.
type podNamespace struct {
	origin
	pod, namespace string
}

// NewLoader returns an empty loader.
func NewLoader(opts ...Option) *Loader {
	l := &Loader{
		conv:      newConverter(),
		counts:    map[string]int{},
		seen:      map[model.Key]origin{},
		kubeOrig:  map[model.Key]origin{},
		tierNames: map[string]bool{},
		maxInput:  DefaultMaxInputSize,
		docker:    legacy.DockerProfiles,
	}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Option changes how a Loader reads.
type Option func(*Loader)

// DefaultMaxInputSize is how many bytes a Loader reads from one input
// unless MaxInputSize says otherwise: far above real policy files (the
// resources of a large cluster, exported, are tens of megabytes), and low
// enough that a wrong or endless input, such as /dev/zero or a disk image,
// fails at once instead of exhausting memory.
const DefaultMaxInputSize = 256 << 20

// MaxInputSize bounds the bytes read from each input; an input that holds
// more is refused with an *InputTooLargeError. n <= 0 removes the bound.
func MaxInputSize(n int64) Option {
	return func(l *Loader) { l.maxInput = n }
}

// DockerMode sets the mode of Calico's Docker plugin that Docker inputs
// (docker inspect and docker network inspect output) are read in:
// legacy.DockerProfiles, Calico's default, unless the plugin ran with
// --use-docker-networking-container-labels (legacy.DockerLabels). Which
// inputs a load holds never changes the mode.
func DockerMode(m legacy.DockerMode) Option {
	return func(l *Loader) { l.docker = m }
}

// UseDockerContainerLabels is DockerMode(legacy.DockerLabels), named after
// the flag of Calico's Docker plugin.
func UseDockerContainerLabels() Option { return DockerMode(legacy.DockerLabels) }

// InputTooLargeError says that an input holds more than the loader's
// MaxInputSize.
type InputTooLargeError struct {
	Limit int64
}

func (e *InputTooLargeError) Error() string {
	return fmt.Sprintf("the input is larger than %s, the most read from one input (policy.MaxInputSize; verdict --max-input-size)", formatSize(e.Limit))
}

// formatSize writes a byte count as people write sizes: 256 MiB, 1.5 GiB,
// 900 bytes.
func formatSize(n int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	f, unit := float64(n)/1024, units[0]
	for _, u := range units[1:] {
		if f < 1024 {
			break
		}
		f, unit = f/1024, u
	}
	return strconv.FormatFloat(f, 'f', -1, 64) + " " + unit
}

// limitReader refuses to read past a bound with an *InputTooLargeError,
// unlike io.LimitReader, which ends the input quietly and would make the
// first part of a long input look like all of it. The refusal is
// given again on every later read: a reader that looks ahead and reads
// once more must not then see the input end.
type limitReader struct {
	r     io.Reader
	left  int64
	limit int64
	over  error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.over != nil {
		return 0, l.over
	}
	if l.left <= 0 {
		var probe [1]byte
		n, err := l.r.Read(probe[:])
		if n > 0 {
			l.over = &InputTooLargeError{Limit: l.limit}
			return 0, l.over
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// Add reads every resource of one input, named name in problems (a file
// name; may be empty). It returns a *ReadError only when the input cannot
// be read or is not YAML or JSON at all; problems with the resources are
// collected for Finish.
func (l *Loader) Add(name string, r io.Reader) error {
	if l.finished {
		return errors.New("policy: Add after Finish")
	}
	if l.maxInput > 0 {
		r = &limitReader{r: r, left: l.maxInput, limit: l.maxInput}
	}
	dr, err := newDocReader(r)
	if err != nil {
		return &ReadError{File: name, Err: err}
	}
	next := 0 // resources of this input so far: the document index of problems
	for {
		v, err := dr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var big *InputTooLargeError
			if errors.As(err, &big) {
				// Where in the input the bound was reached says nothing.
				return &ReadError{File: name, Err: big}
			}
			var re *ReadError
			if !errors.As(err, &re) {
				re = &ReadError{Err: err}
			}
			re.File = name
			return re
		}
		if ls, ok := v.(*listStream); ok {
			if err := l.addListStream(name, ls, &next); err != nil {
				return err
			}
			continue
		}
		var pos *srcPos
		if dr.last != nil {
			pos = &srcPos{doc: dr.last}
		}
		dr.last = nil
		l.addValue(name, v, &next, pos)
	}
}

// AddPath reads a file, or every file named *.yaml, *.yml or *.json in a
// directory and the directories below it, in lexical order, as calicoctl
// -R reads a directory given to -f: AddPathRecursive(path, true).
func (l *Loader) AddPath(path string) error { return l.AddPathRecursive(path, true) }

// AddPathRecursive reads a file, or every file named *.yaml, *.yml or
// *.json in a directory (and, when recursive, in the directories below
// it) in lexical order, as calicoctl and kubectl read a directory given
// to -f (with -R when recursive). A directory holding no such file is an
// error: it is almost certainly the wrong one.
func (l *Loader) AddPathRecursive(path string, recursive bool) error {
	info, err := os.Stat(path)
	if err != nil {
		return &ReadError{File: path, Err: err}
	}
	if !info.IsDir() {
		return l.AddFile(path)
	}
	files, err := ResourceFilesIn(path, recursive)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := l.AddFile(f); err != nil {
			return err
		}
	}
	return nil
}

// ResourceFiles lists the files AddPath reads from a directory:
// ResourceFilesIn(dir, true).
func ResourceFiles(dir string) ([]string, error) { return ResourceFilesIn(dir, true) }

// ResourceFilesIn lists the files AddPathRecursive reads from a
// directory, in lexical order.
func ResourceFilesIn(dir string, recursive bool) ([]string, error) {
	var files []string
	below := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if !recursive && p != dir {
				below++
				return fs.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, &ReadError{File: dir, Err: err}
	}
	if len(files) == 0 {
		msg := "directory holds no *.yaml, *.yml or *.json file"
		if below > 0 {
			// The user may have meant the files below it.
			msg += " (the directories below it are read only when reading recursively, -R)"
		}
		return nil, &ReadError{File: dir, Err: errors.New(msg)}
	}
	return files, nil
}

// AddFile reads the file at path (see Add).
func (l *Loader) AddFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &ReadError{File: path, Err: err}
	}
	defer f.Close()
	return l.Add(path, f)
}

// addValue adds one top-level value: a resource, a List of them, or a
// sequence of either. Each resource gets the next document index of its
// input.
// pos, when known, is where v's text is, to give problems lines and
// columns.
func (l *Loader) addValue(file string, v any, next *int, pos *srcPos) {
	if seq, ok := v.([]any); ok {
		for i, item := range seq {
			l.addItem(file, item, next, pos.index(i))
		}
		return
	}
	l.addItem(file, v, next, pos)
}

// addItem adds a resource or a List of them.
func (l *Loader) addItem(file string, v any, next *int, pos *srcPos) {
	if obj, ok := v.(map[string]any); ok {
		if items, ok := listItems(obj); ok {
			for i, item := range items {
				l.addItem(file, item, next, pos.field("items").index(i))
			}
			return
		}
		*next++
		l.addResource(origin{file: file, doc: *next, pos: pos}, obj)
		return
	}
	*next++
	l.report(origin{file: file, doc: *next, pos: pos}, Problems{{Severity: SeverityError, Msg: "expected a resource (an object with apiVersion and kind), got " + resource.DescribeJSON(v)}})
}

// listItems returns the items of a List: kind List, or any kind ending
// in List such as GlobalNetworkPolicyList or Calico v1's policyList. An
// item that leaves out its apiVersion or kind, as the items of a typed
// list may, takes them from the list.
func listItems(obj map[string]any) ([]any, bool) {
	kind, _ := obj["kind"].(string)
	itemKind, ok := strings.CutSuffix(kind, "List")
	if !ok {
		return nil, false
	}
	items, ok := obj["items"].([]any)
	if !ok && obj["items"] != nil {
		return nil, false
	}
	apiVersion, _ := obj["apiVersion"].(string)
	for _, item := range items {
		listItemDefaults(item, apiVersion, itemKind)
	}
	return items, true
}

// listItemDefaults gives an item of a List the List's apiVersion and the
// kind of its items, where the item leaves them out.
func listItemDefaults(item any, apiVersion, itemKind string) {
	m, ok := item.(map[string]any)
	if !ok {
		return
	}
	if _, has := m["apiVersion"]; !has && apiVersion != "" {
		m["apiVersion"] = apiVersion
	}
	if _, has := m["kind"]; !has && itemKind != "" {
		m["kind"] = itemKind
	}
}

// addListStream adds the items of a List read one at a time (see
// splitList), as addItem adds those of a List read whole.
func (l *Loader) addListStream(file string, ls *listStream, next *int) error {
	kind, _ := ls.list["kind"].(string)
	apiVersion, _ := ls.list["apiVersion"].(string)
	itemKind := strings.TrimSuffix(kind, "List")
	for i := range ls.len() {
		item, err := ls.item(i)
		if err != nil {
			var re *ReadError
			if errors.As(err, &re) {
				re.File = file
			}
			return err
		}
		listItemDefaults(item, apiVersion, itemKind)
		// The item's text is kept for its problems' positions: it is
		// the syntax trees, some twenty times larger, that streaming
		// avoids.
		var pos *srcPos
		if ls.isJSON {
			pos = &srcPos{doc: ls.jsonItems[i]}
		} else {
			c := ls.items[i]
			pos = &srcPos{doc: &docPos{raw: c.text, line: c.line, column: 1}, prefix: "[0]"}
		}
		l.addItem(file, item, next, pos)
	}
	return nil
}

// report adds problems found in the resource at o.
func (l *Loader) report(o origin, ps Problems) {
	for _, p := range ps {
		p.File, p.Document = o.file, o.doc
		if o.pos != nil {
			p.Line, p.Column = o.pos.locate(p.Path)
		}
		l.problems = append(l.problems, p)
	}
}

// claim records a resource's key, reporting a second definition. It
// returns false for a duplicate.
func (l *Loader) claim(o origin, key model.Key) bool {
	if first, dup := l.seen[key]; dup {
		l.report(o, Problems{{
			Severity: SeverityError, Kind: string(key.Kind), Namespace: key.Namespace, Name: key.Name,
			Path: "metadata.name",
			Msg:  fmt.Sprintf("%s is defined twice: first at %s", key, first),
		}})
		return false
	}
	l.seen[key] = o
	return true
}

// origins returns where every resource of the model was read, and where
// its text is. A Service is read with its EndpointSlices; the Service's
// own document names it.
func (l *Loader) origins() (map[model.Key]Origin, map[model.Key]*srcPos) {
	out := make(map[model.Key]Origin, len(l.seen)+len(l.set.Services))
	pos := make(map[model.Key]*srcPos, len(l.seen)+len(l.set.Services))
	add := func(k model.Key, o origin) {
		out[k] = Origin{File: o.file, Document: o.doc}
		if o.pos != nil {
			pos[k] = o.pos
		}
	}
	for k, o := range l.seen {
		if o.file != "" || o.doc != 0 {
			add(k, o)
		}
	}
	for _, s := range l.set.Services {
		if o, ok := l.kubeOrig[model.Key{Kind: kube.KindService, Namespace: s.Namespace, Name: s.Name}]; ok {
			add(s.Key(), o)
		}
	}
	return out, pos
}

// String names the origin in a message about another resource: its file
// and line as problems give them, and its document.
func (o origin) String() string {
	line := 0
	if o.pos != nil {
		line, _ = o.pos.locate("")
	}
	switch {
	case o.file == "" && o.doc == 0:
		return "an earlier input"
	case o.file == "" && line > 0:
		return fmt.Sprintf("line %d, document %d", line, o.doc)
	case o.file == "":
		return fmt.Sprintf("document %d", o.doc)
	case line > 0:
		return fmt.Sprintf("%s:%d, document %d", o.file, line, o.doc)
	}
	return fmt.Sprintf("%s document %d", o.file, o.doc)
}

// Finish validates the load as a whole and returns the model. The error,
// when anything is wrong, is Problems holding the errors only; the Result
// is returned either way, with the warnings and counts, but its Set is
// empty when there is an error.
func (l *Loader) Finish() (*Result, error) {
	if l.finished {
		return nil, errors.New("policy: Finish called twice")
	}
	l.finished = true
	l.finishLegacy()
	l.finishServices()
	l.checkTiers()
	l.checkSharedAddresses()
	l.addNamespaceProfiles()
	if len(l.problems.Errors()) == 0 {
		l.checkModel()
	}

	res := &Result{Warnings: l.problems.Warnings(), Counts: l.counts}
	if len(l.legacy.containers) > 0 || len(l.legacy.networks) > 0 {
		res.DockerMode = l.docker
	}
	if errs := l.problems.Errors(); len(errs) > 0 {
		return res, errs
	}
	res.Set = l.set
	res.Origins, res.positions = l.origins()
	res.StagedDeletes = l.stagedDeletes
	res.Set.Tiers = withBuiltinTiers(l.set.Tiers)
	return res, nil
}

// checkModel holds the loaded set to model.Set.Check, the rules eval.New
// and the reference evaluator refuse a set by, so that a load that
// validates is one they accept: validate and eval check through this one
// path. The loader's own checks come first and say more, so Check runs
// only on a load they passed; what it still finds (a selector built from
// fields past model.MaxSelectorLength, say) is reported at the resource.
func (l *Loader) checkModel() {
	err := l.set.Check()
	var ce *model.CheckError
	if !errors.As(err, &ce) {
		if err != nil {
			l.problems = append(l.problems, Problem{Severity: SeverityError, Msg: err.Error()})
		}
		return
	}
	for _, p := range ce.Problems {
		path := p.Field
		if path != "" {
			path = "spec." + path
		}
		l.report(l.seen[p.Key], Problems{{
			Severity: SeverityError, Kind: string(p.Key.Kind), Namespace: p.Key.Namespace, Name: p.Key.Name,
			Path: path, Msg: p.Msg,
		}})
	}
}

// withBuiltinTiers returns the loaded tiers followed by the built-in ones
// in their fixed order. A built-in tier the input defines is validated to
// keep its fixed order and default action, so it takes its fixed place
// too, and the model does not depend on whether an input spelled it out.
func withBuiltinTiers(loaded []model.Tier) []model.Tier {
	builtin := model.BuiltinTiers()
	out := make([]model.Tier, 0, len(loaded)+len(builtin))
	for _, t := range loaded {
		if !slices.ContainsFunc(builtin, func(b model.Tier) bool { return b.Name == t.Name }) {
			out = append(out, t)
		}
	}
	return append(out, builtin...)
}

// checkSharedAddresses warns about each endpoint with an address an
// earlier endpoint already has, naming both: a flow to that address would
// be judged at whichever endpoint comes first, which depends on the order
// of the files, and a cluster where it happens is misconfigured (two pods
// with one IP, or a host endpoint expecting a pod's IP). It is a warning,
// not an error, so that the endpoints can still be judged by name.
func (l *Loader) checkSharedAddresses() {
	first := make(map[netip.Addr]model.Key)
	for i := range l.set.Endpoints {
		ep := &l.set.Endpoints[i]
		key := ep.Key()
		for _, a := range ep.Addresses {
			a = model.PacketAddr(a)
			other, dup := first[a]
			if !dup {
				first[a] = key
				continue
			}
			if other == key {
				continue
			}
			// The field differs by input (a pod's status.podIPs, a
			// WorkloadEndpoint's spec.ipNetworks, a host endpoint's
			// spec.expectedIPs); the message names the address.
			l.report(l.seen[key], Problems{{
				Severity: SeverityWarning, Kind: string(key.Kind), Namespace: key.Namespace, Name: key.Name,
				Msg: fmt.Sprintf("address %s is also %s's (at %s): a flow to the address alone is judged at %s, the first loaded; give each endpoint its own address", a, other, l.seen[other], other),
			}})
		}
	}
}

// checkTiers reports each policy whose tier is neither loaded nor built
// in. Calico refuses to create such a policy; Felix would still enforce
// one, after every other tier.
func (l *Loader) checkTiers() {
	var names []string
	known := map[string]bool{}
	for name := range l.tierNames {
		names = append(names, name)
		known[name] = true
	}
	for _, t := range model.BuiltinTiers() {
		known[t.Name] = true
	}
	for _, ref := range l.tierRefs {
		if known[ref.tier] {
			continue
		}
		l.report(ref.origin, Problems{{
			Severity: SeverityError, Kind: ref.kind, Namespace: ref.namespace, Name: ref.name,
			Path: "spec.tier",
			Msg:  fmt.Sprintf("%s %s is in tier %q, which does not exist: no Tier %q is in the load%s", ref.kind, qualifiedName(ref.namespace, ref.name), ref.tier, ref.tier, tierHint(names)),
		}})
	}
}

func qualifiedName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func tierHint(loaded []string) string {
	if len(loaded) == 0 {
		return " (the built-in tiers are default, kube-admin and kube-baseline)"
	}
	sort.Strings(loaded)
	return fmt.Sprintf(" (loaded tiers: %v; built in: default, kube-admin, kube-baseline)", loaded)
}

// addNamespaceProfiles gives every pod a namespace and every namespace and
// service account its profile, as Calico's Kubernetes datastore does,
// unless the input gives a profile of that name itself.
//
// A pod whose namespace has no Namespace object in the load gets one with
// only its name label (kubernetes.io/metadata.name), and a warning: in a
// cluster the namespace must exist for the pod to, and without it the pod
// would lose the allow-all kns. profile every Kubernetes pod has.
func (l *Loader) addNamespaceProfiles() {
	have := map[string]bool{}
	for _, ns := range l.set.Namespaces {
		have[ns.Name] = true
	}
	for _, p := range l.podNS {
		if have[p.namespace] {
			continue
		}
		have[p.namespace] = true
		l.set.Namespaces = append(l.set.Namespaces, kube.ImplicitNamespace(p.namespace))
		l.report(p.origin, Problems{{
			Severity: SeverityWarning, Kind: kube.KindPod, Namespace: p.namespace, Name: p.pod,
			Path: "metadata.namespace",
			Msg:  fmt.Sprintf("namespace %q has no Namespace in the load; assuming one with only its name label", p.namespace),
		}})
	}
	type derived struct {
		p    model.Profile
		from model.Key
	}
	generated := make([]derived, 0, len(l.set.Namespaces)+len(l.set.ServiceAccounts))
	for _, ns := range l.set.Namespaces {
		generated = append(generated, derived{kube.NamespaceProfile(ns), ns.Key()})
	}
	for _, sa := range l.set.ServiceAccounts {
		generated = append(generated, derived{kube.ServiceAccountProfile(sa), sa.Key()})
	}
	// A profile the input gives replaces the derived one of its name, as
	// an edited copy would in a cluster; the note keeps that from passing
	// unseen.
	for _, g := range generated {
		key := g.p.Key()
		if o, given := l.seen[key]; given {
			l.report(o, Problems{{
				Severity: SeverityWarning, Kind: string(key.Kind), Name: key.Name, Path: "metadata.name",
				Msg: fmt.Sprintf("this profile replaces the one Calico makes from %s", g.from),
			}})
			continue
		}
		l.set.Profiles = append(l.set.Profiles, g.p)
	}
}

// LoadFiles reads the files (or directories, see AddPath), validates them
// together and returns the model; the error lists every problem (see
// Loader).
func LoadFiles(paths ...string) (model.Set, error) {
	l := NewLoader()
	for _, p := range paths {
		if err := l.AddPath(p); err != nil {
			return model.Set{}, err
		}
	}
	res, err := l.Finish()
	if err != nil {
		return model.Set{}, err
	}
	return res.Set, nil
}

// Decode reads resources from r and returns the model (see Loader).
func Decode(r io.Reader) (model.Set, error) {
	l := NewLoader()
	if err := l.Add("", r); err != nil {
		return model.Set{}, err
	}
	res, err := l.Finish()
	if err != nil {
		return model.Set{}, err
	}
	return res.Set, nil
}

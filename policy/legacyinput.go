package policy

import (
	"fmt"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/legacy"
)

// Input kinds of the legacy formats that have no kind of their own, as
// Result.Counts names them.
const (
	countProfileRules    = "profile rules"
	countDockerContainer = "Docker container"
	countDockerNetwork   = "Docker network"
)

// legacyInputs collects Docker's documents: which mode Calico's Docker
// plugin was in depends on whether the load has any network documents, so
// they are translated once, when the load is finished.
type legacyInputs struct {
	containers, networks             []map[string]any
	containerOrigins, networkOrigins []origin
}

// addUnkinded reads a document without apiVersion and kind: the legacy
// profile rules JSON, or an element of docker inspect or docker network
// inspect output. It returns false when the document is none of them.
func (l *Loader) addUnkinded(o origin, obj map[string]any) bool {
	switch {
	case legacy.IsProfileRules(obj):
		l.counts[countProfileRules]++
		doc, issues := legacy.TranslateProfileRules(obj)
		name, _ := obj["id"].(string)
		l.addTranslated(o, string(model.KindProfile), name, issues, doc)
	case legacy.IsDockerContainer(obj):
		l.counts[countDockerContainer]++
		l.legacy.containers = append(l.legacy.containers, obj)
		l.legacy.containerOrigins = append(l.legacy.containerOrigins, o)
	case legacy.IsDockerNetwork(obj):
		l.counts[countDockerNetwork]++
		l.legacy.networks = append(l.legacy.networks, obj)
		l.legacy.networkOrigins = append(l.legacy.networkOrigins, o)
	default:
		return false
	}
	return true
}

// addLegacyV1 reads Calico's v1 kinds (policy, profile, workloadEndpoint,
// hostEndpoint); it returns false for any other kind.
func (l *Loader) addLegacyV1(o origin, kind string, obj map[string]any) bool {
	switch kind {
	case "policy", "profile", "workloadEndpoint", "hostEndpoint":
	default:
		return false
	}
	docs, issues := legacy.TranslateV1(obj)
	var name string
	if meta, ok := obj["metadata"].(map[string]any); ok {
		name, _ = meta["name"].(string)
	}
	l.addTranslated(o, kind, name, issues, docs...)
	return true
}

// addTranslated validates documents translated from a legacy input like
// any v3 input, and reports the translation's issues as problems of the
// original document.
func (l *Loader) addTranslated(o origin, kind, name string, issues []legacy.Issue, docs ...map[string]any) {
	for _, is := range issues {
		l.report(o, Problems{{Severity: SeverityError, Kind: kind, Name: name, Path: is.Path, Msg: is.Msg}})
	}
	for _, d := range docs {
		if d == nil {
			continue
		}
		k, _ := d["kind"].(string)
		l.addCalico(o, model.Kind(k), d, true)
	}
}

// finishLegacy translates the Docker documents of the whole load. Issues
// and problems are reported at the container or network they came from.
func (l *Loader) finishLegacy() {
	in := &l.legacy
	if len(in.containers) == 0 && len(in.networks) == 0 {
		return
	}
	docs, issues := legacy.TranslateDocker(in.containers, in.networks, l.docker)
	for _, is := range issues {
		kind := countDockerContainer
		if is.From.Network {
			kind = countDockerNetwork
		}
		sev := SeverityError
		if is.Warning {
			sev = SeverityWarning
		}
		l.report(in.origin(is.From), Problems{{Severity: sev, Kind: kind, Path: is.Path, Msg: is.Msg}})
	}
	for _, d := range docs {
		k, _ := d.Doc["kind"].(string)
		if model.Kind(k) == model.KindProfile && l.givenProfile(d, in) {
			continue
		}
		l.addCalico(in.origin(d.From), model.Kind(k), d.Doc, true)
	}
}

// givenProfile reports whether the input gave a profile of the name of
// one a Docker network makes, noting that it replaces it: seed 002's
// workflow edits the network's profile and loads the edit beside the
// network.
func (l *Loader) givenProfile(d legacy.DockerDocument, in *legacyInputs) bool {
	meta, _ := d.Doc["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	key := model.Key{Kind: model.KindProfile, Name: name}
	o, given := l.seen[key]
	if !given {
		return false
	}
	l.report(o, Problems{{
		Severity: SeverityWarning, Kind: string(key.Kind), Name: name, Path: "metadata.name",
		Msg: fmt.Sprintf("this profile replaces the one Calico makes from Docker network %s (%s)", name, in.origin(d.From)),
	}})
	return true
}

// origin returns where a Docker input was read.
func (in *legacyInputs) origin(from legacy.DockerInput) origin {
	if from.Network {
		return in.networkOrigins[from.Index]
	}
	return in.containerOrigins[from.Index]
}

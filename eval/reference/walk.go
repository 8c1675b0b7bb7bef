package reference

import (
	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// recorder collects the trace of one walk; a nil recorder records nothing,
// which is how Evaluate skips the trace.
type recorder struct {
	hits []model.Hit
	logs []model.Hit
}

func (r *recorder) hit(h model.Hit) {
	if r != nil {
		r.hits = append(r.hits, h)
	}
}

func (r *recorder) log(h model.Hit) {
	if r != nil {
		r.logs = append(r.logs, h)
	}
}

// decide walks the tiers and then the profiles for one endpoint in one
// direction (SPEC 4), recording hits as SPEC 6 shapes them. With pending
// set, staged policies take part in their sorted place; otherwise they are
// ignored, and a tier whose applicable policies are all staged is skipped.
func (e *Evaluator) decide(ep *entity, d model.Direction, pkt *packet, pending bool, rec *recorder) model.Decision {
tiers:
	for _, t := range e.tiers {
		// The tier's default action is attributed to the first applicable
		// policy evaluated, as Calico's flow logs attribute it.
		var first *policy
		for _, p := range t.policies {
			if p.model.Kind.Staged() && !pending {
				continue
			}
			if !p.appliesTo(ep.labels, d) {
				continue
			}
			if first == nil {
				first = p
			}
			for i, r := range p.rules(d) {
				if !r.matches(pkt) {
					continue
				}
				switch calico.VerbOf(r.model.Action) {
				case calico.VerbLog:
					rec.log(p.hit(i, model.HitLog))
				case calico.VerbAllow:
					h := p.hit(i, model.HitAllow)
					rec.hit(h)
					return model.Decision{Allowed: true, Hit: h}
				case calico.VerbDeny:
					h := p.hit(i, model.HitDeny)
					rec.hit(h)
					return model.Decision{Hit: h}
				case calico.VerbPass:
					rec.hit(p.hit(i, model.HitPass))
					continue tiers
				}
			}
		}
		if first == nil {
			continue // no policy of this tier applies: the tier is skipped
		}
		h := first.hit(-1, t.defaultHit())
		rec.hit(h)
		if h.Action == model.HitDeny {
			return model.Decision{Hit: h}
		}
	}

	for _, name := range ep.endpoint.Profiles {
		prof := e.profiles[name]
		if prof == nil {
			continue // a missing profile is skipped, as in Felix
		}
		for i, r := range prof.rules(d) {
			if !r.matches(pkt) {
				continue
			}
			switch calico.VerbOf(r.model.Action) {
			case calico.VerbLog:
				rec.log(prof.hit(i, model.HitLog))
			case calico.VerbAllow:
				h := prof.hit(i, model.HitAllow)
				rec.hit(h)
				return model.Decision{Allowed: true, Hit: h}
			default:
				// SPEC 7: Pass in a profile has no next tier to go to, and
				// denies as the BPF dataplane and Calico's checker do.
				h := prof.hit(i, model.HitDeny)
				rec.hit(h)
				return model.Decision{Hit: h}
			}
		}
	}
	return model.Decision{EndOfProfiles: true}
}

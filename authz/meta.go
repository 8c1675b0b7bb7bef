package authz

import (
	"strconv"
	"sync"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/verdictlabs/verdict/model"
)

// A response's parts that depend only on the deciding hit or the judged
// endpoint are made once and shared by every response naming them: the
// same few policies and rules decide most checks, and making their
// strings and protobuf values anew was most of a check's allocations.
// Shared messages are never changed once made, and protobuf messages may
// be marshalled by many goroutines at once.

// decisionMeta is what a response says about one decision.
type decisionMeta struct {
	// reason is "allowed by ..." or "denied by ..." (describe).
	reason      string
	reasonValue *structpb.Value
	body        string // the denied response's body
	// fields are the decision's metadata: tier, policy_kind, policy,
	// rule and action, or end_of_profiles.
	fields []metaField
	// headers are x-verdict-tier, -policy and -rule (none when the end of
	// the profiles decided); reasonHeader is x-verdict-reason.
	headers      []*corev3.HeaderValueOption
	reasonHeader *corev3.HeaderValueOption
}

// metaField is one metadata value, under key for the enforced decision
// and pendingKey for the pending one.
type metaField struct {
	key, pendingKey string
	v               *structpb.Value
}

func newDecisionMeta(dec model.Decision) *decisionMeta {
	m := &decisionMeta{reason: "denied by " + describe(dec)}
	if dec.Allowed {
		m.reason = "allowed by " + describe(dec)
	}
	m.reasonValue = structpb.NewStringValue(m.reason)
	m.body = m.reason + "\n"
	m.reasonHeader = header(HeaderReason, m.reason)
	field := func(key string, v *structpb.Value) {
		m.fields = append(m.fields, metaField{key: key, pendingKey: MetaPendingPrefix + key, v: v})
	}
	if dec.EndOfProfiles {
		field(MetaEndOfProfiles, structpb.NewBoolValue(true))
		return m
	}
	h := dec.Hit
	field(MetaTier, structpb.NewStringValue(h.Tier))
	field(MetaPolicyKind, structpb.NewStringValue(string(h.Kind)))
	field(MetaPolicy, structpb.NewStringValue(hitName(h)))
	field(MetaRule, structpb.NewNumberValue(float64(h.Index)))
	field(MetaAction, structpb.NewStringValue(string(h.Action)))
	m.headers = []*corev3.HeaderValueOption{
		header(HeaderTier, h.Tier), header(HeaderPolicy, hitName(h)), header(HeaderRule, strconv.Itoa(h.Index)),
	}
	return m
}

// metaCacheMax bounds each of a server's caches: past it (policy sets
// come and go, each with its own hits) a cache starts again empty.
const metaCacheMax = 1 << 14

// metaCache holds a server's shared response parts.
type metaCache struct {
	mu        sync.RWMutex
	decisions map[model.Decision]*decisionMeta
	endpoints map[model.Key]*structpb.Value
}

func (c *metaCache) decision(dec model.Decision) *decisionMeta {
	c.mu.RLock()
	m, ok := c.decisions[dec]
	c.mu.RUnlock()
	if ok {
		return m
	}
	m = newDecisionMeta(dec)
	c.mu.Lock()
	if c.decisions == nil || len(c.decisions) >= metaCacheMax {
		c.decisions = map[model.Decision]*decisionMeta{}
	}
	c.decisions[dec] = m
	c.mu.Unlock()
	return m
}

// endpoint is the judged endpoint's metadata value, namespace/name.
func (c *metaCache) endpoint(k model.Key) *structpb.Value {
	c.mu.RLock()
	v, ok := c.endpoints[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	v = structpb.NewStringValue(keyString(k))
	c.mu.Lock()
	if c.endpoints == nil || len(c.endpoints) >= metaCacheMax {
		c.endpoints = map[model.Key]*structpb.Value{}
	}
	c.endpoints[k] = v
	c.mu.Unlock()
	return v
}

// The values and headers every response picks from.
var (
	verdictValues = map[bool]*structpb.Value{true: structpb.NewStringValue("allow"), false: structpb.NewStringValue("deny")}
	resultValues  = func() map[Result]*structpb.Value {
		m := map[Result]*structpb.Value{}
		for _, r := range Results {
			m[r] = structpb.NewStringValue(string(r))
		}
		return m
	}()
	decisionHeaders = map[bool]*corev3.HeaderValueOption{true: header(HeaderDecision, "allow"), false: header(HeaderDecision, "deny")}
)

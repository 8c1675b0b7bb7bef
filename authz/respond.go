package authz

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/verdictlabs/verdict/model"
)

// The dynamic metadata keys of a response, which Envoy files under the
// ext_authz filter's name (envoy.filters.http.ext_authz or
// envoy.filters.network.ext_authz), for access logs such as
// %DYNAMIC_METADATA(envoy.filters.http.ext_authz:policy)%.
const (
	MetaVerdict       = "verdict"         // "allow" or "deny"
	MetaResult        = "result"          // a Result
	MetaReason        = "reason"          // why, in words
	MetaEndpoint      = "endpoint"        // the judged endpoint, namespace/name
	MetaTier          = "tier"            // the deciding hit's tier
	MetaPolicyKind    = "policy_kind"     // its kind (GlobalNetworkPolicy, Profile, ...)
	MetaPolicy        = "policy"          // its policy, namespace/name or name
	MetaRule          = "rule"            // its rule index; -1 for a tier's default action
	MetaAction        = "action"          // its action: allow, deny, pass
	MetaEndOfProfiles = "end_of_profiles" // true when the end of the profiles decided
	MetaPending       = "pending_verdict" // the verdict with staged policies enforced
	MetaPendingPrefix = "pending_"        // before tier, policy_kind, policy, rule and action of the pending hit, when it is another than the enforced one
	MetaTrace         = "trace"           // with Options.Trace: every enforced hit
	MetaPendingTrace  = "pending_trace"   // with Options.Trace: every pending hit
)

// The response headers of Options.DecisionHeaders.
const (
	HeaderDecision = "x-verdict-decision"
	HeaderTier     = "x-verdict-tier"
	HeaderPolicy   = "x-verdict-policy"
	HeaderRule     = "x-verdict-rule"
	HeaderReason   = "x-verdict-reason"
)

func (s *Server) respond(d *decision) *authv3.CheckResponse {
	allowed := d.allowed()
	decided := d.meta != nil
	n := 4
	if decided {
		n += 1 + 2*len(d.meta.fields)
		if s.opts.Trace {
			n += 2
		}
	}
	meta := make(map[string]*structpb.Value, n)
	meta[MetaVerdict] = verdictValues[allowed]
	meta[MetaResult] = resultValues[d.result]
	if d.endpoint != (model.Key{}) {
		meta[MetaEndpoint] = s.meta.endpoint(d.endpoint)
	}
	body := ""
	if decided {
		meta[MetaReason] = d.meta.reasonValue
		for _, f := range d.meta.fields {
			meta[f.key] = f.v
		}
		meta[MetaPending] = verdictValues[d.dv.Pending.Allowed]
		// The pending hit only when staged policies decide by another
		// one: most checks have none to tell, and five values fewer to
		// send and read is a sixth of a check's cost on both ends.
		if d.dv.Pending != d.dv.Decision {
			for _, f := range d.pendingMeta.fields {
				meta[f.pendingKey] = f.v
			}
		}
		if s.opts.Trace {
			meta[MetaTrace] = hitsValue(d.trace.Hits)
			meta[MetaPendingTrace] = hitsValue(d.trace.PendingHits)
		}
		body = d.meta.body
	} else {
		meta[MetaReason] = structpb.NewStringValue(d.reason)
		body = d.reason + "\n"
	}
	resp := &authv3.CheckResponse{
		Status:          &status.Status{Code: int32(d.code), Message: d.reason},
		DynamicMetadata: &structpb.Struct{Fields: meta},
	}
	var headers []*corev3.HeaderValueOption
	if s.opts.DecisionHeaders {
		headers = make([]*corev3.HeaderValueOption, 0, 5)
		headers = append(headers, decisionHeaders[allowed])
		if decided {
			headers = append(headers, d.meta.headers...)
		}
		switch {
		case allowed:
		case decided:
			headers = append(headers, d.meta.reasonHeader)
		default:
			headers = append(headers, header(HeaderReason, d.reason))
		}
	}
	if allowed {
		resp.HttpResponse = &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{ResponseHeadersToAdd: headers}}
		return resp
	}
	resp.HttpResponse = &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
		Status:  &typev3.HttpStatus{Code: typev3.StatusCode_Forbidden},
		Headers: headers,
		Body:    body,
	}}
	return resp
}

// hitsValue is a trace as a list of {tier, kind, namespace, name, index,
// action} structs, the fields of model.Hit.
func hitsValue(hits []model.Hit) *structpb.Value {
	vals := make([]*structpb.Value, len(hits))
	for i, h := range hits {
		f := map[string]*structpb.Value{
			"tier":   structpb.NewStringValue(h.Tier),
			"kind":   structpb.NewStringValue(string(h.Kind)),
			"name":   structpb.NewStringValue(h.Name),
			"index":  structpb.NewNumberValue(float64(h.Index)),
			"action": structpb.NewStringValue(string(h.Action)),
		}
		if h.Namespace != "" {
			f["namespace"] = structpb.NewStringValue(h.Namespace)
		}
		vals[i] = structpb.NewStructValue(&structpb.Struct{Fields: f})
	}
	return structpb.NewListValue(&structpb.ListValue{Values: vals})
}

// HitsOf reads a trace written by the server back into hits; ok is false
// when v is not such a list.
func HitsOf(v *structpb.Value) ([]model.Hit, bool) {
	list := v.GetListValue()
	if list == nil {
		return nil, false
	}
	hits := make([]model.Hit, 0, len(list.Values))
	for _, item := range list.Values {
		f := item.GetStructValue().GetFields()
		if f == nil {
			return nil, false
		}
		hits = append(hits, model.Hit{
			Tier:      f["tier"].GetStringValue(),
			Kind:      model.Kind(f["kind"].GetStringValue()),
			Namespace: f["namespace"].GetStringValue(),
			Name:      f["name"].GetStringValue(),
			Index:     int(f["index"].GetNumberValue()),
			Action:    model.HitAction(f["action"].GetStringValue()),
		})
	}
	return hits, true
}

func header(k, v string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{
		Header:       &corev3.HeaderValue{Key: k, Value: v},
		AppendAction: corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	}
}

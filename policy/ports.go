package policy

import (
	"regexp"
	"strconv"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// protocol reads a protocol as Calico's numorstring does: a number from 1
// to 255, a string of digits (which Calico stores as that number), or one
// of Calico's names. Calico v3 spells names exactly (TCP, ICMPv6); older
// calicoctl accepted any case, so another case is read with a warning.
func (r *report) protocol(p *v3Protocol, at *resource.Path) (model.Protocol, bool) {
	text := p.Str
	if p.IsNum {
		text = strconv.FormatInt(p.Num, 10)
	}
	proto, err := model.ParseProtocol(text)
	if err != nil {
		r.Errorf(at, "%v", err)
		return model.Protocol{}, false
	}
	if proto.ByName && proto.String() != text {
		r.Warnf(at, "protocol %q is spelled %q in Calico v3", text, proto)
	}
	return proto, true
}

// portRangeRE is Calico's "lo:hi" form.
var portRangeRE = regexp.MustCompile(`^(\d+):(\d+)$`)

// port reads one entry of ports or notPorts as Calico's numorstring.Port
// does: a number, a string of digits, "lo:hi", or else a named port, which
// must be a valid IANA service name. Ports are 1 to 65535 and a range
// must not run backwards.
func (r *report) port(p v3Port, at *resource.Path) (model.Port, bool) {
	if p.IsNum {
		return portNumber(r, p.Num, p.Num, at)
	}
	if n, err := strconv.ParseInt(p.Str, 10, 64); err == nil && p.Str[0] != '+' && p.Str[0] != '-' {
		return portNumber(r, n, n, at)
	}
	if m := portRangeRE.FindStringSubmatch(p.Str); m != nil {
		lo, errLo := strconv.ParseInt(m[1], 10, 64)
		hi, errHi := strconv.ParseInt(m[2], 10, 64)
		if errLo != nil || errHi != nil {
			r.Errorf(at, "port range %q is out of range: ports are 1 to 65535", resource.Clip(p.Str))
			return model.Port{}, false
		}
		return portNumber(r, lo, hi, at)
	}
	if msg := resource.PortName(p.Str); msg != "" {
		r.Errorf(at, "%q is not a port number, a range lo:hi or a valid port name: a port name %s", resource.Clip(p.Str), msg)
		return model.Port{}, false
	}
	return model.Port{Name: p.Str}, true
}

func portNumber(r *report, lo, hi int64, at *resource.Path) (model.Port, bool) {
	switch {
	case lo < 1 || lo > 65535 || hi < 1 || hi > 65535:
		if lo == hi {
			r.Errorf(at, "port %d is out of range: ports are 1 to 65535", lo)
		} else {
			r.Errorf(at, "port range %d:%d is out of range: ports are 1 to 65535", lo, hi)
		}
		return model.Port{}, false
	case lo > hi:
		r.Errorf(at, "port range %d:%d runs backwards: the first port must not be above the second", lo, hi)
		return model.Port{}, false
	}
	return model.Port{Min: uint16(lo), Max: uint16(hi)}, true
}

// endpointPorts reads the named ports of a host or workload endpoint:
// each has a valid port name, a protocol that has ports (TCP, UDP or SCTP)
// and a port number from 1 to 65535. A workload endpoint's port may be
// unnamed when it only maps a host port; such a port cannot be named in a
// rule, so it is left out of the model.
func (r *report) endpointPorts(ports []v3WorkloadEndpointPort, at *resource.Path) []model.EndpointPort {
	if len(ports) == 0 {
		return nil
	}
	out := make([]model.EndpointPort, 0, len(ports))
	for i, p := range ports {
		pat := at.Index(i)
		nameOK := true
		if p.Name != "" || p.HostPort == 0 {
			if msg := resource.PortName(p.Name); msg != "" {
				r.Errorf(pat.Child("name"), "%q is not a valid port name: it %s", resource.Clip(p.Name), msg)
				nameOK = false
			}
		}
		var proto model.Protocol
		protoOK := false
		if p.Protocol == nil {
			r.Errorf(pat.Child("protocol"), "is required: want TCP, UDP or SCTP")
		} else if proto, protoOK = r.protocol(p.Protocol, pat.Child("protocol")); protoOK && !proto.SupportsPorts() {
			r.Errorf(pat.Child("protocol"), "protocol %s has no ports: want TCP, UDP or SCTP", p.Protocol)
			protoOK = false
		}
		if p.Port == 0 {
			r.Errorf(pat.Child("port"), "is required: a port from 1 to 65535")
		}
		if p.HostIP != "" && !validIPOrCIDR(p.HostIP) {
			r.Errorf(pat.Child("hostIP"), "%q is not an IP address", resource.Clip(p.HostIP))
		}
		if nameOK && protoOK && p.Port != 0 && p.Name != "" {
			out = append(out, model.EndpointPort{Name: p.Name, Protocol: proto.Number, Port: p.Port, ProtocolByNumber: !proto.ByName})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

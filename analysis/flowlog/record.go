package flowlog

import (
	"net/netip"
	"time"

	"github.com/verdictlabs/verdict/model"
)

// PeerType is what a log says a peer is, when it says.
type PeerType string

// Peer types, after Calico's flow logs (wep, hep, ns, net) and goldmane's
// EndpointType.
const (
	PeerUnknown    PeerType = ""
	PeerWorkload   PeerType = "workload"
	PeerHost       PeerType = "host"
	PeerNetworkSet PeerType = "networkset"
	PeerNetwork    PeerType = "network"
)

// Peer is one side of a record as it was logged.
type Peer struct {
	// Addr is the logged address; invalid when the log gives none (an
	// aggregated Calico flow log, every goldmane flow).
	Addr netip.Addr
	// Namespace and Name identify an endpoint or network set. Name may be
	// an aggregated prefix ending in "*" (Calico's "redis-7d9c-*"), or
	// "pub" or "pvt" for a network peer.
	Namespace string
	Name      string
	Type      PeerType
	// Labels are the logged labels, used to narrow an aggregated name.
	Labels map[string]string
}

// Aggregated reports whether Name is a prefix standing for every endpoint
// whose name starts with it.
func (p *Peer) Aggregated() bool {
	return len(p.Name) > 0 && p.Name[len(p.Name)-1] == '*'
}

// Prefix returns the name prefix of an aggregated name.
func (p *Peer) Prefix() string {
	if p.Aggregated() {
		return p.Name[:len(p.Name)-1]
	}
	return p.Name
}

// Action is the action a log records, in lower case.
type Action string

// Logged actions; NoAction when the record carries none.
const (
	NoAction Action = ""
	Allow    Action = "allow"
	Deny     Action = "deny"
)

// Reporter says which end logged a record.
type Reporter string

// Reporters; NoReporter when the record does not say.
const (
	NoReporter Reporter = ""
	Source     Reporter = "src"
	Dest       Reporter = "dst"
)

// Record is one logged flow, or several identical ones (Count).
type Record struct {
	Src, Dst Peer
	Protocol uint8
	SrcPort  uint16
	DstPort  uint16
	// HasICMP tells whether ICMPType and ICMPCode were logged.
	HasICMP  bool
	ICMPType uint8
	ICMPCode uint8
	// Count is the number of connections the record stands for, at least 1.
	Count uint64
	// Start and End bound when the flows were seen; zero when not logged.
	// A record with one time has End equal to Start.
	Start, End time.Time
	Action     Action
	Reporter   Reporter
	// Line is the record's line in its file, from 1.
	Line int
}

// Flow returns the record as a flow between the two addresses.
func (r *Record) Flow(src, dst netip.Addr) model.Flow {
	f := model.Flow{Src: src, Dst: dst, Protocol: r.Protocol, SrcPort: r.SrcPort, DstPort: r.DstPort}
	if r.HasICMP {
		f.ICMP = &model.ICMPTypeCode{Type: r.ICMPType, Code: r.ICMPCode}
	}
	return f
}

// reset empties the record for reuse, keeping nothing of the last one.
func (r *Record) reset(line int) {
	*r = Record{Line: line, Count: 1}
}

package flowlog

import (
	"encoding/json"
	"fmt"
	"strings"
)

// calicoLine is one Calico Enterprise or Calico Cloud flow log, as the
// fluentd output and the Elasticsearch documents hold it. Fields the
// replay does not need (bytes, packets, process, policies...) are
// ignored.
type calicoLine struct {
	StartTime flexString `json:"start_time"`
	EndTime   flexString `json:"end_time"`

	SourceIP        *string      `json:"source_ip"`
	SourceName      string       `json:"source_name"`
	SourceNameAggr  string       `json:"source_name_aggr"`
	SourceNamespace string       `json:"source_namespace"`
	SourceType      string       `json:"source_type"`
	SourceLabels    *calicoLabel `json:"source_labels"`
	SourceLabelsKey []string     `json:"source_labels.labels"`
	SourcePort      flexUint     `json:"source_port"`

	DestIP        *string      `json:"dest_ip"`
	DestName      string       `json:"dest_name"`
	DestNameAggr  string       `json:"dest_name_aggr"`
	DestNamespace string       `json:"dest_namespace"`
	DestType      string       `json:"dest_type"`
	DestLabels    *calicoLabel `json:"dest_labels"`
	DestLabelsKey []string     `json:"dest_labels.labels"`
	DestPort      flexUint     `json:"dest_port"`

	Proto    flexString `json:"proto"`
	Action   string     `json:"action"`
	Reporter string     `json:"reporter"`
	NumFlows flexUint   `json:"num_flows"`
}

type calicoLabel struct {
	Labels []string `json:"labels"`
}

// calicoKeys are keys only Calico's flow logs have, for auto detection.
var calicoKeys = []string{"source_ip", "source_name", "source_name_aggr", "source_namespace", "source_type", "dest_ip", "dest_name_aggr", "num_flows"}

func parseCalico(line []byte, rec *Record) error {
	var c calicoLine
	if err := json.Unmarshal(line, &c); err != nil {
		return jsonError(err)
	}
	var err error
	if rec.Src, err = calicoPeer("source", c.SourceIP, c.SourceName, c.SourceNameAggr, c.SourceNamespace, c.SourceType, c.SourceLabels, c.SourceLabelsKey); err != nil {
		return err
	}
	if rec.Dst, err = calicoPeer("dest", c.DestIP, c.DestName, c.DestNameAggr, c.DestNamespace, c.DestType, c.DestLabels, c.DestLabelsKey); err != nil {
		return err
	}
	if c.Proto == "" {
		return fmt.Errorf("proto is missing")
	}
	if rec.Protocol, err = ParseProtocol(string(c.Proto)); err != nil {
		return fmt.Errorf("proto: %w", err)
	}
	if rec.SrcPort, err = portOf("source_port", c.SourcePort); err != nil {
		return err
	}
	if rec.DstPort, err = portOf("dest_port", c.DestPort); err != nil {
		return err
	}
	if c.NumFlows.set && c.NumFlows.v > 0 {
		rec.Count = c.NumFlows.v
	}
	if rec.Start, err = parseTime(string(c.StartTime)); err != nil {
		return fmt.Errorf("start_time: %w", err)
	}
	if rec.End, err = parseTime(string(c.EndTime)); err != nil {
		return fmt.Errorf("end_time: %w", err)
	}
	if rec.End.IsZero() {
		rec.End = rec.Start
	} else if rec.Start.IsZero() {
		rec.Start = rec.End
	}
	if rec.Action, err = parseAction(c.Action); err != nil {
		return err
	}
	rec.Reporter, err = parseReporter(c.Reporter)
	return err
}

// calicoPeer reads one side of a Calico flow log. The name is the exact
// name when logged, else the aggregated one ("redis-7d9c-*", or "pub" and
// "pvt" for networks).
func calicoPeer(side string, ip *string, name, aggr, ns, typ string, labels *calicoLabel, flat []string) (Peer, error) {
	var p Peer
	var err error
	if ip != nil {
		if p.Addr, err = parseAddr(side+"_ip", *ip); err != nil {
			return p, err
		}
	}
	p.Name = dash(name)
	if p.Name == "" {
		p.Name = dash(aggr)
	}
	p.Namespace = dash(ns)
	switch strings.ToLower(typ) {
	case "", "-":
	case "wep":
		p.Type = PeerWorkload
	case "hep":
		p.Type = PeerHost
	case "ns":
		p.Type = PeerNetworkSet
	case "net":
		p.Type = PeerNetwork
	default:
		return p, fmt.Errorf("%s_type %q is not wep, hep, ns or net", side, typ)
	}
	kvs := flat
	if labels != nil {
		kvs = append(kvs, labels.Labels...)
	}
	p.Labels, err = parseLabels(side+"_labels", kvs)
	return p, err
}

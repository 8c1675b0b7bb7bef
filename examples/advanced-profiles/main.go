// Command advanced-profiles walks through the tutorial "Advanced Network
// Policy" (seed 003): a public web server profile WEB edited rule by rule
// with calicoctl's rule text, a backend profile APP whose rules are imported
// from JSON, and the tag APP_7890 that grants WEB access to APP's port 7890.
package main

import (
	"embed"
	"fmt"
	"io"

	"github.com/verdictlabs/verdict/examples/internal/walkthrough"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/legacy"
)

//go:embed APP-rules.json endpoints.yaml
var files embed.FS

// internet is an address outside the cluster.
const internet = "203.0.113.7"

var (
	ping  = &model.ICMPTypeCode{Type: 8}
	flows = []walkthrough.Flow{
		{From: internet, To: "web-1", Protocol: model.ProtoTCP, Port: 80},
		{From: internet, To: "web-1", Protocol: model.ProtoTCP, Port: 443},
		{From: internet, To: "web-1", Protocol: model.ProtoTCP, Port: 22},
		{From: internet, To: "web-1", Protocol: model.ProtoICMP, ICMP: ping},
		{From: "web-2", To: "web-1", Protocol: model.ProtoTCP, Port: 8080},
		{From: "web-1", To: "app-1", Protocol: model.ProtoTCP, Port: 7890},
		{From: "web-1", To: "app-1", Protocol: model.ProtoTCP, Port: 22},
		{From: "web-1", To: "app-1", Protocol: model.ProtoICMP, ICMP: ping},
	}
)

// calicoctl prints a command as the tutorial shows it, then runs it.
func calicoctl(w io.Writer, command string, do func() error) error {
	fmt.Fprintln(w, "$ ./calicoctl "+command)
	return do()
}

func run(w io.Writer) error {
	web := legacy.NewProfile("WEB")
	app := legacy.NewProfile("APP")
	addInbound := func(text string) func() error {
		return func() error {
			r, err := legacy.ParseRule(text)
			if err != nil {
				return err
			}
			return web.AddRule(true, 0, r)
		}
	}
	appRules, err := files.ReadFile("APP-rules.json")
	if err != nil {
		return err
	}
	steps := []struct {
		command string
		do      func() error
	}{
		{"profile add WEB", func() error { return nil }},
		{"profile WEB rule show", func() error { fmt.Fprint(w, web.Show()); return nil }},
		{"profile WEB rule remove inbound --at=1", func() error { return web.RemoveRuleAt(true, 1) }},
		{"profile WEB rule add inbound allow tcp to ports 80,443", addInbound("allow tcp to ports 80,443")},
		{"profile WEB rule add inbound allow icmp type 8", addInbound("allow icmp type 8")},
		{"profile WEB rule show", func() error { fmt.Fprint(w, web.Show()); return nil }},
		{"profile add APP", func() error { return nil }},
		{"profile APP rule update < APP-rules.json", func() error { return app.UpdateRules(appRules) }},
	}
	for _, s := range steps {
		if err := calicoctl(w, s.command, s.do); err != nil {
			return err
		}
	}
	if err := decide(w, w, web, app); err != nil {
		return err
	}

	fmt.Fprintln(w)
	if err := calicoctl(w, "profile WEB tag add APP_7890", func() error { web.AddTag("APP_7890"); return nil }); err != nil {
		return err
	}
	fmt.Fprintln(w, "$ ./calicoctl profile WEB tag show")
	for _, t := range web.Tags {
		fmt.Fprintln(w, t)
	}
	// The warnings about the upper-case names were shown the first time.
	return decide(w, nil, web, app)
}

// decide loads the endpoints with the profiles as they are now and shows
// the flows, writing the load's warnings to warn when it is not nil.
func decide(w, warn io.Writer, profiles ...*legacy.Profile) error {
	sources, err := walkthrough.Files(files, "endpoints.yaml")
	if err != nil {
		return err
	}
	for _, p := range profiles {
		src, err := walkthrough.Document(p.Name+".json", p.V3())
		if err != nil {
			return err
		}
		sources = append(sources, src)
	}
	set, err := walkthrough.LoadSources(warn, sources...)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	return walkthrough.Decide(w, set, flows...)
}

func main() { walkthrough.Main("advanced-profiles", run) }

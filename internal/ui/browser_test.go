package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
)

// chromium finds Debian's chromium: $VERDICT_CHROMIUM, else chromium on
// the PATH. The browser test fails without it, never skips: scripts/test.sh
// installs it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("VERDICT_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("the browser test needs Debian's chromium (apt-get install chromium; scripts/test.sh installs it) or VERDICT_CHROMIUM: %v", err)
	}
	return p
}

// browser drives one headless chromium tab over the console and collects
// every console error, uncaught exception and failed load.
type browser struct {
	t      *testing.T
	ctx    context.Context
	url    string
	mu     sync.Mutex
	errors []string
	shots  string
}

func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// wait polls a JavaScript predicate until it holds.
func (b *browser) wait(what, predicate string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		page, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		b.t.Fatalf("%s: %v; the page shows:\n%s", what, err, page)
	}
}

func js[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// open goes to a page by its menu link and waits until it has drawn.
func (b *browser) open(page string) {
	b.t.Helper()
	b.do("open "+page, chromedp.Click(chromedp.CSS(`nav a[data-page="`+page+`"]`)))
	b.wait(page+" drawn", `document.querySelector("main").dataset.page === "`+page+`" && document.querySelector("main").dataset.ready === "true"`)
	if msg := js[string](b, `(document.querySelector("main [role=alert]") || {textContent: ""}).textContent`); msg != "" {
		b.t.Errorf("%s shows an error: %s", page, msg)
	}
}

// choose sets a select or input's value as a user would, firing change.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	v, _ := json.Marshal(value)
	js[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %s; e.dispatchEvent(new Event("change")); return e.value === %s; })()`, sel, v, v))
}

// screenshot saves the viewport as docs/ui/NAME.png when
// VERDICT_UI_SCREENSHOTS names the directory (the README's pictures).
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errors
	b.errors = nil
	return out
}

func apiJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestBrowser walks the seed 004 example in Debian's chromium, headless:
// every page, the board's policy, an edge of the graph, a row's explain,
// a recommendation and its enforcement, the staged default deny's impact
// and a candidate file, checking what each page shows against the
// example and the JSON the page was drawn from, and failing on any
// console error. It takes a few seconds.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	srv := httptest.NewServer(seed004(t, true).Handler())
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(1500, 900), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	b := &browser{t: t, ctx: ctx, url: srv.URL, shots: os.Getenv("VERDICT_UI_SCREENSHOTS")}
	if err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
			}
		case *runtime.EventExceptionThrown:
			msg = "uncaught: " + ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				msg += " " + ex.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				msg = "log: " + ev.Entry.Text + " " + ev.Entry.URL
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errors = append(b.errors, msg)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	b.do("load", chromedp.Navigate(srv.URL+"/#board"))

	// The listener sees console errors: a probe must be caught.
	js[bool](b, `(console.error("probe"), true)`)
	b.wait("probe", `true`)
	if errs := b.consoleErrors(); len(errs) != 1 || !strings.Contains(errs[0], "probe") {
		t.Fatalf("console listener caught %q, want the probe", errs)
	}

	t.Run("board", func(t *testing.T) {
		b.t = t
		b.open("board")
		tiers := js[[]string](b, `[...document.querySelectorAll("section.tier")].map(e => e.dataset.tier)`)
		if got := strings.Join(tiers, " "); got != "security platform kube-admin default kube-baseline" {
			t.Errorf("tiers in order: %s", got)
		}
		if !js[bool](b, `!!document.querySelector('section.tier[data-tier="default"] .card.staged[data-policy="StagedGlobalNetworkPolicy/default-deny"]')`) {
			t.Error("the staged default deny is not shown staged in tier default")
		}
		b.do("open db", chromedp.Click(chromedp.CSS(`.card[data-policy="NetworkPolicy/vote/db"]`)))
		b.wait("db yaml", `!!document.querySelector("#policy-detail pre.yaml")`)
		yaml := js[string](b, `document.querySelector("#policy-detail pre.yaml").textContent`)
		if !strings.Contains(yaml, "kind: NetworkPolicy") || !strings.Contains(yaml, "- 5432") || !strings.Contains(yaml, "tier: platform") {
			t.Errorf("db policy YAML:\n%s", yaml)
		}
		if eps := js[[]string](b, `[...document.querySelectorAll("#policy-detail ul.endpoints li")].map(e => e.textContent)`); strings.Join(eps, ",") != "WorkloadEndpoint vote/db-0" {
			t.Errorf("db policy selects %q", eps)
		}
		b.screenshot("board")
	})

	t.Run("graph", func(t *testing.T) {
		b.t = t
		b.open("graph")
		var want struct {
			Nodes []struct{ ID string }
			Edges []struct {
				ID, Source, Target, Verdict string
				Flows                       uint64
			}
		}
		apiJSON(t, srv.URL+"/api/graph", &want)
		nodes := js[[]string](b, `[...document.querySelectorAll("#graph-svg g.node")].map(e => e.dataset.node).sort()`)
		edges := js[[]string](b, `[...document.querySelectorAll("#graph-svg g.edge")].map(e => e.dataset.source + " -> " + e.dataset.target + " " + e.dataset.verdict + " " + e.dataset.flows).sort()`)
		if len(nodes) != 9 || len(nodes) != len(want.Nodes) {
			t.Errorf("graph nodes: %q, want the 9 groups of the flow logs", nodes)
		}
		if len(edges) != len(want.Edges) {
			t.Errorf("graph edges: %d drawn, %d answered", len(edges), len(want.Edges))
		}
		for _, e := range []string{"vote/app=worker -> vote/app=redis pending 300", "wordpress/app=wordpress -> wordpress/app=mysql allowed 75", "203.0.113.25 -> vote/app=vote pending 500"} {
			if !strings.Contains(strings.Join(edges, "\n"), e) {
				t.Errorf("graph lacks edge %s; edges:\n%s", e, strings.Join(edges, "\n"))
			}
		}
		b.do("click edge", chromedp.Click(chromedp.CSS(`g.edge[data-source="vote/app=worker"][data-target="vote/app=redis"] text`)))
		b.wait("edge flows", `!!document.querySelector("#edge-detail .explain")`)
		text := js[string](b, `document.querySelector("#edge-detail").textContent`)
		if !strings.Contains(text, "vote/app=worker → vote/app=redis") || !strings.Contains(text, "pending walk") || !strings.Contains(text, "StagedGlobalNetworkPolicy default-deny") {
			t.Errorf("edge panel:\n%s", text)
		}
		b.screenshot("graph")
		b.choose("#graph-namespace", "wordpress")
		b.wait("wordpress only", `document.querySelectorAll("#graph-svg g.edge").length === 1`)
	})

	t.Run("flows", func(t *testing.T) {
		b.t = t
		b.open("flows")
		if n := js[int](b, `document.querySelectorAll("table.flows tbody tr").length`); n != 13 {
			t.Errorf("flows table: %d rows, want the 13 records", n)
		}
		b.choose("#flows-verdict", "newly-denied")
		b.wait("filtered", `document.querySelector("#flows-info").textContent.includes("of 11")`)
		b.choose("#flows-sort", "count")
		b.wait("sorted", `document.querySelector("table.flows tbody tr td:nth-child(6)").textContent === "500"`)
		b.do("explain", chromedp.Click(chromedp.CSS(`table.flows tbody tr button.explain-btn`)))
		b.wait("explained", `!!document.querySelector("#flow-explain .walk")`)
		if w := js[string](b, `document.querySelector("#flow-explain .walk").textContent`); !strings.Contains(w, "enforced: allow; pending (staged policies enforced): deny") {
			t.Errorf("explain:\n%s", w)
		}
		b.screenshot("flows")
	})

	t.Run("recommend", func(t *testing.T) {
		b.t = t
		b.open("recommend")
		b.choose("#rec-namespace", "vote")
		b.wait("groups", `[...document.querySelectorAll("#rec-group option")].some(o => o.value === "vote/app=redis")`)
		b.choose("#rec-group", "vote/app=redis")
		b.choose("#rec-tier", "default")
		b.do("recommend", chromedp.Click(chromedp.CSS("#rec-go")))
		b.wait("yaml", `!!document.querySelector("#rec-yaml")`)
		golden, err := os.ReadFile(filepath.Join("..", "..", "examples", "tiers-staged", "testdata", "recommended.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		redis, _, _ := strings.Cut(string(golden), "---\n")
		if got := js[string](b, `document.querySelector("#rec-yaml").textContent`); got != redis {
			t.Errorf("recommended YAML for redis:\n%s\nwant (examples/tiers-staged/testdata/recommended.yaml):\n%s", got, redis)
		}
		if safe := js[string](b, `document.querySelector("#rec-result .banner").dataset.safe`); safe != "false" {
			t.Error("redis's policy alone, staged beside the default deny, is shown safe")
		}
		// Every workload group: staged beside the default deny, nothing
		// is newly denied (step 7 of the example); enforced, the default
		// deny is then safe to enforce.
		b.choose("#rec-group", "")
		b.do("recommend all", chromedp.Click(chromedp.CSS("#rec-go")))
		b.wait("yaml all", `document.querySelectorAll(".rec-policies li").length === 5`)
		if d := js[string](b, `document.querySelector("#rec-result .impact-summary .newly-denied").textContent`); d != "0" {
			t.Errorf("every group's policies staged: %s newly denied, want 0", d)
		}
		b.do("enforce", chromedp.Click(chromedp.CSS("#rec-enforce")))
		b.wait("enforced", `!!document.querySelector("#rec-enforce-result .banner")`)
		if safe := js[string](b, `document.querySelector("#rec-enforce-result .banner").dataset.safe`); safe != "true" {
			t.Errorf("after enforcing, the staged default deny is not shown safe: %s", js[string](b, `document.querySelector("#rec-enforce-result").textContent`))
		}
		if n := js[string](b, `document.querySelector("#rec-enforce-result .removed-count").textContent`); n == "0" {
			t.Error("enforcing the recommendation removes no access in the matrix")
		}
		b.screenshot("recommend")
	})

	t.Run("impact", func(t *testing.T) {
		b.t = t
		b.open("impact")
		card := `section.staged-policy[data-policy="StagedGlobalNetworkPolicy/default-deny"]`
		if d := js[string](b, `document.querySelector('`+card+` .newly-denied').textContent`); d != "1,200" {
			t.Errorf("default-deny newly denies %s flows, want 1,200", d)
		}
		if safe := js[string](b, `document.querySelector('`+card+` .banner').dataset.safe`); safe != "false" {
			t.Error("the staged default deny is shown safe while it would deny observed flows")
		}
		if s := js[string](b, `document.querySelector("#staged-safe").textContent`); !strings.HasPrefix(s, "0 of 1 staged policy") {
			t.Errorf("staged policies safe to enforce: %q, want 0 of 1", s)
		}
		if n := js[int](b, `document.querySelectorAll('`+card+` table.changes tbody tr').length`); n != 9 {
			t.Errorf("default-deny: %d changes listed, want 9", n)
		}
		b.do("enforce", chromedp.Click(chromedp.CSS(card+" .enforce-btn")))
		b.wait("enforced", `!!document.querySelector('`+card+` .enforce-result .diff')`)
		if d := js[string](b, `document.querySelector('`+card+` .enforce-result .newly-denied').textContent`); d != "1,200" {
			t.Errorf("enforcing default-deny: %s newly denied, want 1,200", d)
		}
		b.screenshot("impact")
	})

	t.Run("whatif", func(t *testing.T) {
		b.t = t
		b.open("whatif")
		cand, err := os.ReadFile(filepath.Join("..", "..", "examples", "tiers-staged", "default-deny.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		b.choose("#whatif-candidate", string(cand))
		b.do("candidate", chromedp.Click(chromedp.CSS("#whatif-candidate-go")))
		b.wait("diff", `!!document.querySelector("#whatif-result .diff")`)
		if n := js[string](b, `document.querySelector("#whatif-result .removed-count").textContent`); n == "0" {
			t.Error("the enforced default deny removes no access in the matrix")
		}
		if d := js[string](b, `document.querySelector("#whatif-result .newly-denied").textContent`); d != "1,200" {
			t.Errorf("the enforced default deny newly denies %s observed flows, want 1,200", d)
		}
		b.screenshot("whatif")
		b.choose("#whatif-policy", "0")
		b.choose("#whatif-tier", "default")
		b.do("move", chromedp.Click(chromedp.CSS("#whatif-move")))
		b.wait("moved", `document.querySelector("#whatif-result h3") && !document.querySelector("#whatif-result .newly-denied")?.closest("p")?.textContent.includes("1,200")`)
	})

	// A larger input: the generated cluster of 300 endpoints, whose
	// tier default (158 policies), lint findings (889) and widest
	// policy's endpoints take more than one page.
	t.Run("paging", func(t *testing.T) {
		b.t = t
		s, set := generated(t)
		big := httptest.NewServer(s.Handler())
		defer big.Close()
		b.do("load generated", chromedp.Navigate(big.URL+"/#board"))
		b.wait("board drawn", `document.querySelector("main").dataset.ready === "true" && !!document.querySelector("#findings-head")`)
		tier := `section.tier[data-tier="default"]`
		if n := js[int](b, `document.querySelectorAll('`+tier+` .card').length`); n != 100 {
			t.Errorf("tier default shows %d cards at first, want a page of 100", n)
		}
		b.do("more policies", chromedp.Click(chromedp.CSS(tier+" button.more-policies")))
		b.wait("158 cards", `document.querySelectorAll('`+tier+` .card').length === 158 && document.querySelector('`+tier+` button.more-policies').hidden`)
		b.do("more findings", chromedp.Click(chromedp.CSS("button.more-findings")))
		b.wait("200 findings", `document.querySelectorAll("table.findings tbody tr").length === 200`)

		var p *model.Policy
		total := 0
		for i := range set.Policies {
			if a, err := analysis.PolicySelection(&set, &set.Policies[i]); err == nil && len(a.Ingress) > 100 {
				p, total = &set.Policies[i], len(a.Ingress)
				break
			}
		}
		if p == nil {
			t.Fatal("no policy of the generated cluster selects more than 100 endpoints")
		}
		b.choose("#board-q", p.Name)
		card := fmt.Sprintf(`.card[data-policy="%s/%s"]`, p.Kind, qualified(p.Namespace, p.Name))
		b.wait("found", `!!document.querySelector('`+card+`')`)
		b.do("open", chromedp.Click(chromedp.CSS(card)))
		list := `#policy-detail ul.endpoints.ingress li`
		b.wait("endpoints", `document.querySelectorAll("`+list+`").length === 100`)
		b.do("more endpoints", chromedp.Click(chromedp.CSS(`#policy-detail button.more-endpoints`)))
		b.wait("more endpoints shown", fmt.Sprintf(`document.querySelectorAll("%s").length === %d`, list, min(200, total)))

		b.open("whatif")
		b.choose("#whatif-find", p.Name)
		b.wait("what-if finds the policy", fmt.Sprintf(`[...document.querySelectorAll("#whatif-policy option")].some(o => o.textContent.startsWith(%q))`, string(p.Kind)+" "+qualified(p.Namespace, p.Name)+" "))
		b.open("impact")
		if n := js[int](b, `document.querySelectorAll("section.staged-policy").length`); n != 28 {
			t.Errorf("impact lists %d staged policies, want the 28", n)
		}
	})

	b.t = t
	for _, e := range b.consoleErrors() {
		t.Errorf("browser console: %s", e)
	}
}

package archtest

import (
	"bufio"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/verdictlabs/verdict"

// root is the module's directory, two levels up from this package.
var root = filepath.Join("..", "..")

// pkgImports are the project imports of one package's files.
type pkgImports struct {
	code, tests map[string]bool
}

// projectImports reads the imports of every Go file of the module, by
// package directory relative to the module. Build tags are ignored: a
// file for another platform or for -race imports under the same rules.
func projectImports(t *testing.T) map[string]*pkgImports {
	t.Helper()
	pkgs := map[string]*pkgImports{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		p := pkgs[rel]
		if p == nil {
			p = &pkgImports{code: map[string]bool{}, tests: map[string]bool{}}
			pkgs[rel] = p
		}
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			var dep string
			switch {
			case path == module:
				dep = "."
			case strings.HasPrefix(path, module+"/"):
				dep = strings.TrimPrefix(path, module+"/")
			default:
				continue
			}
			if strings.HasSuffix(name, "_test.go") {
				p.tests[dep] = true
			} else {
				p.code[dep] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// TestImportsFollowTheTable fails on any import between the project's
// packages that Allowed does not list, and on a package it does not name.
func TestImportsFollowTheTable(t *testing.T) {
	pkgs := projectImports(t)
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages under %s; is the walk in the right place?", len(pkgs), root)
	}
	for _, dir := range sortedKeys(pkgs) {
		p := pkgs[dir]
		rule, ok := Allowed[dir]
		if !ok {
			t.Errorf("package %s is not in the table of allowed imports (internal/archtest/allowed.go) nor in ARCHITECTURE.md", dir)
			continue
		}
		for _, dep := range sortedKeys(p.code) {
			if !slices.Contains(rule.Imports, dep) {
				t.Errorf("%s imports %s, which the table does not allow", dir, dep)
			}
		}
		for _, dep := range sortedKeys(p.tests) {
			if dep != dir && !slices.Contains(rule.Imports, dep) && !slices.Contains(rule.TestImports, dep) {
				t.Errorf("the tests of %s import %s, which the table does not allow", dir, dep)
			}
		}
	}
	for _, dir := range sortedKeys(Allowed) {
		if pkgs[dir] == nil {
			t.Errorf("the table names %s, which is not a package of the module", dir)
		}
	}
}

// The table must not allow a cycle, or the rules would promise a graph Go
// cannot build; it also keeps the table honest about direction.
func TestTableHasNoCycle(t *testing.T) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var visit func(pkg string, path []string)
	visit = func(pkg string, path []string) {
		switch state[pkg] {
		case visiting:
			t.Errorf("the table allows a cycle: %s", strings.Join(append(path, pkg), " -> "))
			return
		case done:
			return
		}
		state[pkg] = visiting
		for _, dep := range Allowed[pkg].Imports {
			visit(dep, append(path, pkg))
		}
		state[pkg] = done
	}
	for _, pkg := range sortedKeys(Allowed) {
		visit(pkg, nil)
	}
}

// TestArchitectureTableMatches reads the package table of ARCHITECTURE.md
// and compares it with Allowed, package by package.
func TestArchitectureTableMatches(t *testing.T) {
	doc, err := readTable(filepath.Join(root, "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range sortedKeys(Allowed) {
		row, ok := doc[pkg]
		if !ok {
			t.Errorf("ARCHITECTURE.md's package table has no row for %s", pkg)
			continue
		}
		if want := sorted(Allowed[pkg].Imports); !slices.Equal(row.Imports, want) {
			t.Errorf("ARCHITECTURE.md says %s imports %v; the table allows %v", pkg, row.Imports, want)
		}
		if want := sorted(Allowed[pkg].TestImports); !slices.Equal(row.TestImports, want) {
			t.Errorf("ARCHITECTURE.md says the tests of %s also import %v; the table allows %v", pkg, row.TestImports, want)
		}
	}
	for _, pkg := range sortedKeys(doc) {
		if _, ok := Allowed[pkg]; !ok {
			t.Errorf("ARCHITECTURE.md lists %s, which the table of allowed imports does not", pkg)
		}
	}
}

var backticked = regexp.MustCompile("`([^`]+)`")

// readTable reads the rows of the package table: the table whose header
// starts "| package |", with the package, what it holds, its imports and
// its tests' further imports, each package written in backticks.
func readTable(path string) (map[string]Rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows := map[string]Rule{}
	in := false
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if strings.HasPrefix(line, "| package |") {
			in = true
			continue
		}
		if !in {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 4 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		names := func(cell string) []string {
			var out []string
			for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
				out = append(out, m[1])
			}
			return sorted(out)
		}
		pkg := names(cells[0])
		if len(pkg) != 1 {
			continue
		}
		rows[pkg[0]] = Rule{Imports: names(cells[2]), TestImports: names(cells[3])}
	}
	return rows, s.Err()
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

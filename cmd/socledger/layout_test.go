package main

// The layout tests check the whole module, not this package: every package
// has exactly one package doc, and imports follow the dependency direction of
// DESIGN.md ("Layout and dependency direction"). They sit here because cmd is
// the one package allowed to import everything.

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// goPackage is what the layout tests know of one package of the module: its
// non-test .go files (build-tag-ignored files left out).
type goPackage struct {
	Dir        string   // module-relative, slash-separated; "." for the root
	ImportPath string   // full import path
	Names      []string // the package names its files declare (one, unless broken)
	Docs       []fileDoc
	Imports    []string // sorted, de-duplicated
}

// fileDoc is the package doc comment of one file.
type fileDoc struct {
	File string // module-relative path
	Text string
}

// moduleRoot returns the directory holding go.mod, walking up from the
// working directory, and the module path it declares.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
					return dir, strings.Trim(strings.TrimSpace(rest), `"`)
				}
			}
			t.Fatalf("%s/go.mod has no module line", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod in the working directory or above it")
		}
		dir = parent
	}
}

// skipDir reports whether the walk skips the module-relative directory rel:
// the go tool ignores testdata, hidden and _ directories; node_modules and the
// built console hold no Go code of ours.
func skipDir(rel, name string) bool {
	switch {
	case rel == ".":
		return false
	case name == "testdata", name == "node_modules", name == "vendor":
		return true
	case strings.HasPrefix(name, "."), strings.HasPrefix(name, "_"):
		return true
	case rel == "frontend/dist":
		return true
	}
	return false
}

// loadPackages parses the package clause, doc comment and imports of every
// non-test .go file of the module at root.
func loadPackages(t *testing.T, root, module string) []*goPackage {
	t.Helper()
	byDir := map[string]*goPackage{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipDir(rel, d.Name()) {
				return filepath.SkipDir
			}
			if rel != "." {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // a nested module is not ours to check
				}
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		if ignoredByTag(f.Comments, f.Package) {
			return nil
		}
		dir := path.Dir(rel)
		pkg := byDir[dir]
		if pkg == nil {
			importPath := module
			if dir != "." {
				importPath += "/" + dir
			}
			pkg = &goPackage{Dir: dir, ImportPath: importPath}
			byDir[dir] = pkg
		}
		if name := f.Name.Name; !slices.Contains(pkg.Names, name) {
			pkg.Names = append(pkg.Names, name)
		}
		if f.Doc != nil {
			pkg.Docs = append(pkg.Docs, fileDoc{File: rel, Text: f.Doc.Text()})
		}
		for _, imp := range f.Imports {
			ip, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: import %s: %v", rel, imp.Path.Value, err)
			}
			if !slices.Contains(pkg.Imports, ip) {
				pkg.Imports = append(pkg.Imports, ip)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []*goPackage
	for _, pkg := range byDir {
		slices.Sort(pkg.Imports)
		pkgs = append(pkgs, pkg)
	}
	slices.SortFunc(pkgs, func(a, b *goPackage) int { return strings.Compare(a.Dir, b.Dir) })
	if len(pkgs) == 0 {
		t.Fatalf("no Go packages found under %s", root)
	}
	return pkgs
}

// ignoredByTag reports whether a file's //go:build line uses the "ignore"
// tag (a file for go run, such as a generator, never part of its package).
func ignoredByTag(comments []*ast.CommentGroup, pkgPos token.Pos) bool {
	for _, cg := range comments {
		if cg.Pos() > pkgPos {
			break
		}
		for _, c := range cg.List {
			if !constraint.IsGoBuild(c.Text) {
				continue
			}
			expr, err := constraint.Parse(c.Text)
			if err != nil {
				continue
			}
			var usesIgnore bool
			expr.Eval(func(tag string) bool {
				usesIgnore = usesIgnore || tag == "ignore"
				return true
			})
			if usesIgnore {
				return true
			}
		}
	}
	return false
}

// checkPackageDoc returns what is wrong with the package docs of pkg.
func checkPackageDoc(pkg *goPackage) []string {
	if len(pkg.Names) != 1 {
		return []string{fmt.Sprintf("%s: files declare several packages: %s", pkg.Dir, strings.Join(pkg.Names, ", "))}
	}
	name := pkg.Names[0]
	switch len(pkg.Docs) {
	case 0:
		return []string{fmt.Sprintf("%s: package %s has no package doc: add a // Package %s ... comment (in doc.go if it is long)", pkg.Dir, name, name)}
	case 1:
	default:
		var files []string
		for _, d := range pkg.Docs {
			files = append(files, d.File)
		}
		return []string{fmt.Sprintf("%s: package %s has a package doc in more than one file (%s): keep one", pkg.Dir, name, strings.Join(files, ", "))}
	}
	doc := pkg.Docs[0]
	for _, licence := range []string{"Copyright", "SPDX-License-Identifier", "License"} {
		if strings.HasPrefix(doc.Text, licence) {
			return []string{fmt.Sprintf("%s: the package doc starts with licence text (%q): put a blank line between the header and the package clause", doc.File, licence)}
		}
	}
	want := "Package " + name + " "
	if name == "main" {
		want = "Command " + path.Base(pkg.Dir) + " "
	}
	if !strings.HasPrefix(doc.Text, want) {
		first, _, _ := strings.Cut(doc.Text, "\n")
		return []string{fmt.Sprintf("%s: package doc must start with %q, not %q", doc.File, want, first)}
	}
	return nil
}

func TestPackageDocs(t *testing.T) {
	t.Parallel()
	root, module := moduleRoot(t)
	for _, pkg := range loadPackages(t, root, module) {
		for _, problem := range checkPackageDoc(pkg) {
			t.Error(problem)
		}
	}
}

// A depRule says what the packages at and below Pkg (module-relative) may
// import from the module. Every package of the module must fall under a rule.
// Besides its own rule, each package obeys the rules of checkImports: nothing
// imports cmd, and only test-helper packages import testing or other test
// helpers.
type depRule struct {
	Pkg string
	// Allow lists the module-relative packages (each with everything below
	// it) that Pkg may import; "*" allows the whole module. A package may
	// always import within its own subtree.
	Allow []string
	// StdlibOnly forbids imports from outside the module too (third-party).
	StdlibOnly bool
}

// depRules are the arrows of DESIGN.md, "Layout and dependency direction".
var depRules = []depRule{
	{Pkg: "cmd", Allow: []string{"*"}},
	{Pkg: "graph", Allow: []string{"projections", "eventstore", "domain"}},
	{Pkg: "ingest", Allow: []string{"detection", "eventstore", "domain"}},
	{Pkg: "detection", Allow: []string{"domain"}},
	{Pkg: "projections", Allow: []string{"eventstore", "domain"}},
	{Pkg: "eventstore", Allow: []string{"domain"}},
	{Pkg: "frontend", StdlibOnly: true},
	{Pkg: "domain", StdlibOnly: true},
}

// within reports whether the module-relative package rel is prefix or below it.
func within(rel, prefix string) bool {
	return rel == prefix || strings.HasPrefix(rel, prefix+"/")
}

// isTestHelper reports whether an import path or package name is of a
// test-helper package: testing itself, testing/..., or a name ending in
// "test" (net/http/httptest, eventstore/eventstoretest).
func isTestHelper(pathOrName string) bool {
	return pathOrName == "testing" || strings.HasPrefix(pathOrName, "testing/") ||
		strings.HasSuffix(path.Base(pathOrName), "test")
}

// checkImports returns the dependency-rule violations of pkgs, whose Dir and
// ImportPath are relative to and under module.
func checkImports(module string, rules []depRule, pkgs []*goPackage) []string {
	var problems []string
	for _, pkg := range pkgs {
		rel := pkg.Dir
		var rule *depRule
		for i := range rules {
			if within(rel, rules[i].Pkg) {
				rule = &rules[i]
				break
			}
		}
		if rule == nil {
			problems = append(problems, fmt.Sprintf("pkg %s: no dependency rule covers it: add one to depRules", pkg.ImportPath))
			continue
		}
		testHelper := len(pkg.Names) > 0 && isTestHelper(pkg.Names[0])
		for _, imp := range pkg.Imports {
			violation := func(why string) {
				problems = append(problems, fmt.Sprintf("pkg %s imports %s: %s", pkg.ImportPath, imp, why))
			}
			stdlib := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			ours := imp == module || strings.HasPrefix(imp, module+"/")
			if isTestHelper(imp) && !testHelper {
				violation("only test-helper packages (named *test) may import testing or another test helper outside _test.go files")
			}
			switch {
			case stdlib:
				continue
			case !ours:
				if rule.StdlibOnly {
					violation(rule.Pkg + " imports only the standard library")
				}
				continue
			}
			target := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if target == "" {
				target = "."
			}
			if within(target, "cmd") {
				violation("nothing imports cmd")
				continue
			}
			allowed := within(target, rule.Pkg) || slices.ContainsFunc(rule.Allow, func(a string) bool {
				return a == "*" || within(target, a)
			})
			if !allowed {
				if rule.StdlibOnly || len(rule.Allow) == 0 {
					violation(rule.Pkg + " imports no other package of the module")
				} else {
					violation(fmt.Sprintf("%s may import only %s of the module", rule.Pkg, strings.Join(rule.Allow, ", ")))
				}
			}
		}
	}
	return problems
}

func TestDependencyDirection(t *testing.T) {
	t.Parallel()
	root, module := moduleRoot(t)
	for _, problem := range checkImports(module, depRules, loadPackages(t, root, module)) {
		t.Error(problem)
	}
}

// TestCheckImports checks the checker on made-up packages, so that
// TestDependencyDirection can fail.
func TestCheckImports(t *testing.T) {
	t.Parallel()
	const mod = "example.com/m"
	pkg := func(dir, name string, imports ...string) *goPackage {
		return &goPackage{Dir: dir, ImportPath: mod + "/" + dir, Names: []string{name}, Imports: imports}
	}
	tests := []struct {
		name string
		give *goPackage
		want []string
	}{
		{
			name: "domain imports stdlib and domain",
			give: pkg("domain/incident", "incident", "errors", "time", mod+"/domain", mod+"/domain/compliance"),
		},
		{
			name: "domain imports eventstore",
			give: pkg("domain/alert", "alert", mod+"/eventstore"),
			want: []string{"pkg example.com/m/domain/alert imports example.com/m/eventstore: domain imports no other package of the module"},
		},
		{
			name: "domain imports a third-party module",
			give: pkg("domain", "domain", "github.com/google/uuid"),
			want: []string{"pkg example.com/m/domain imports github.com/google/uuid: domain imports only the standard library"},
		},
		{
			name: "detection imports eventstore",
			give: pkg("detection/sigma", "sigma", mod+"/domain", mod+"/eventstore"),
			want: []string{"pkg example.com/m/detection/sigma imports example.com/m/eventstore: detection may import only domain of the module"},
		},
		{
			name: "eventstore imports projections",
			give: pkg("eventstore/embedded", "embedded", mod+"/eventstore", mod+"/projections"),
			want: []string{"pkg example.com/m/eventstore/embedded imports example.com/m/projections: eventstore may import only domain of the module"},
		},
		{
			name: "graph imports ingest",
			give: pkg("graph", "graph", mod+"/projections", mod+"/ingest"),
			want: []string{"pkg example.com/m/graph imports example.com/m/ingest: graph may import only projections, eventstore, domain of the module"},
		},
		{
			name: "ingest imports detection and third-party",
			give: pkg("ingest/syslog", "syslog", mod+"/detection", mod+"/eventstore", "gopkg.in/yaml.v3"),
		},
		{
			name: "frontend imports eventstore",
			give: pkg("frontend", "frontend", "embed", mod+"/eventstore"),
			want: []string{"pkg example.com/m/frontend imports example.com/m/eventstore: frontend imports no other package of the module"},
		},
		{
			name: "projections import cmd",
			give: pkg("projections", "projections", mod+"/cmd/socledger"),
			want: []string{"pkg example.com/m/projections imports example.com/m/cmd/socledger: nothing imports cmd"},
		},
		{
			name: "cmd imports everything",
			give: pkg("cmd/socledger", "main", mod+"/graph", mod+"/eventstore/embedded", "github.com/rs/zerolog"),
		},
		{
			name: "production code imports testing",
			give: pkg("eventstore/embedded", "embedded", "testing"),
			want: []string{"pkg example.com/m/eventstore/embedded imports testing: only test-helper packages (named *test) may import testing or another test helper outside _test.go files"},
		},
		{
			name: "production code imports a test helper",
			give: pkg("graph", "graph", "net/http/httptest", mod+"/eventstore/eventstoretest"),
			want: []string{
				"pkg example.com/m/graph imports net/http/httptest: only test-helper packages (named *test) may import testing or another test helper outside _test.go files",
				"pkg example.com/m/graph imports example.com/m/eventstore/eventstoretest: only test-helper packages (named *test) may import testing or another test helper outside _test.go files",
			},
		},
		{
			name: "test helper imports testing",
			give: pkg("eventstore/eventstoretest", "eventstoretest", "testing", "testing/synctest", mod+"/eventstore"),
		},
		{
			name: "package without a rule",
			give: pkg("tools", "tools"),
			want: []string{"pkg example.com/m/tools: no dependency rule covers it: add one to depRules"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := checkImports(mod, depRules, []*goPackage{tt.give})
			if !slices.Equal(got, tt.want) {
				t.Errorf("checkImports:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestCheckPackageDoc checks the package doc checker on made-up packages.
func TestCheckPackageDoc(t *testing.T) {
	t.Parallel()
	doc := func(file, text string) fileDoc { return fileDoc{File: file, Text: text} }
	tests := []struct {
		name string
		give goPackage
		want string // a substring of the one problem; "" for none
	}{
		{
			name: "good",
			give: goPackage{Dir: "domain", Names: []string{"domain"}, Docs: []fileDoc{doc("domain/doc.go", "Package domain holds rules.\n")}},
		},
		{
			name: "good command",
			give: goPackage{Dir: "cmd/socledger", Names: []string{"main"}, Docs: []fileDoc{doc("cmd/socledger/main.go", "Command socledger runs it.\n")}},
		},
		{
			name: "none",
			give: goPackage{Dir: "graph", Names: []string{"graph"}},
			want: "package graph has no package doc",
		},
		{
			name: "two",
			give: goPackage{Dir: "graph", Names: []string{"graph"}, Docs: []fileDoc{doc("graph/a.go", "Package graph a.\n"), doc("graph/b.go", "Package graph b.\n")}},
			want: "more than one file (graph/a.go, graph/b.go)",
		},
		{
			name: "licence header",
			give: goPackage{Dir: "ingest", Names: []string{"ingest"}, Docs: []fileDoc{doc("ingest/a.go", "Copyright 2026 socledger authors.\n")}},
			want: "starts with licence text",
		},
		{
			name: "wrong start",
			give: goPackage{Dir: "ingest", Names: []string{"ingest"}, Docs: []fileDoc{doc("ingest/a.go", "This package ingests.\n")}},
			want: `must start with "Package ingest "`,
		},
		{
			name: "command named as package",
			give: goPackage{Dir: "cmd/socledger", Names: []string{"main"}, Docs: []fileDoc{doc("cmd/socledger/main.go", "Package main runs it.\n")}},
			want: `must start with "Command socledger "`,
		},
		{
			name: "two package names",
			give: goPackage{Dir: "graph", Names: []string{"graph", "model"}},
			want: "several packages: graph, model",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := checkPackageDoc(&tt.give)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("got %q, want no problem", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("got %q, want one problem containing %q", got, tt.want)
			}
		})
	}
}

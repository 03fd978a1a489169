package netguard

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rawDials are the identifiers that open connections (or ask the system
// resolver) without netguard, by import path.
var rawDials = map[string][]string{
	"net":                            {"Dial", "DialTimeout", "DialTCP", "DialUDP", "DialIP", "Dialer", "DefaultResolver", "LookupHost", "LookupIP", "LookupAddr", "LookupCNAME"},
	"crypto/tls":                     {"Dial", "DialWithDialer", "Dialer"},
	"net/http":                       {"Get", "Post", "Head", "PostForm", "DefaultClient", "DefaultTransport"},
	"github.com/jackc/pgx/v5":        {"Connect"},
	"github.com/jackc/pgx/v5/pgconn": {"Connect"},
	"github.com/miekg/dns":           {"Exchange", "ExchangeContext", "Client"},
}

// rawDialAllowed lists the files (relative to internal/emulator) that may
// use a raw dial, and why.
var rawDialAllowed = map[string]string{
	// The client of `globaldb fault` (a CLI, not a component of the
	// emulator) reaches the emulator endpoint its user names.
	"admin/client.go": "http.DefaultClient",
}

// TestNoRawDials keeps every outbound dial of the emulator's code going
// through netguard: a non-test file under internal/emulator that uses a
// raw dial (net.Dialer, http.Get, pgx.Connect, dns.Client, …) fails the
// test, so a component added later cannot bypass the loopback rule.
func TestNoRawDials(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == "netguard" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, use := range rawDialUses(f) {
			if rawDialAllowed[filepath.ToSlash(rel)] == use {
				continue
			}
			t.Errorf("%s uses %s: dial through netguard.Dialer (the emulator never connects outside loopback)", rel, use)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rawDialUses lists the raw dials f refers to, as "pkg.Name".
func rawDialUses(f *ast.File) []string {
	names := map[string]string{} // local name → import path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if _, ok := rawDials[p]; !ok {
			continue
		}
		name := p[strings.LastIndex(p, "/")+1:]
		if p == "github.com/jackc/pgx/v5" {
			name = "pgx"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		names[name] = p
	}
	var uses []string
	connectConfig, dialFunc := false, false
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if sel.Sel.Name == "DialFunc" {
			dialFunc = true
		}
		x, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		p, ok := names[x.Name]
		if !ok {
			return true
		}
		if sel.Sel.Name == "ConnectConfig" && strings.Contains(p, "jackc/pgx") {
			connectConfig = true
		}
		for _, bad := range rawDials[p] {
			if sel.Sel.Name == bad {
				uses = append(uses, x.Name+"."+bad)
			}
		}
		return true
	})
	if connectConfig && !dialFunc { // pgx dials with net.Dialer unless told otherwise
		uses = append(uses, "ConnectConfig without DialFunc")
	}
	return uses
}

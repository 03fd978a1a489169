// Command modelgen trims botocore's service models for rds, iam, sts and
// route53 into internal/emulator/awsmodel/models/<service>.json.
//
// It keeps every operation (name, http, input/output refs, errors) and the
// shapes reachable from them, with members in model order, and drops all
// documentation so no AWS prose is copied. Output is deterministic.
//
//	go run ./tools/modelgen [-botocore DIR] [-out DIR]
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// services maps each emulated service to the botocore API version used.
var services = []struct{ name, version string }{
	{"rds", "2014-10-31"},
	{"iam", "2010-05-08"},
	{"sts", "2011-06-15"},
	{"route53", "2013-04-01"},
	{"cloudwatch", "2010-08-01"},
	{"arc-region-switch", "2022-07-26"},
}

func main() {
	botocoreDir := flag.String("botocore", "", "botocore package directory (default: located with python3)")
	outDir := flag.String("out", "internal/emulator/awsmodel/models", "output directory")
	flag.Parse()
	if err := run(*botocoreDir, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, "modelgen:", err)
		os.Exit(1)
	}
}

func run(botocoreDir, outDir string) error {
	if botocoreDir == "" {
		dir, err := locateBotocore()
		if err != nil {
			return err
		}
		botocoreDir = dir
	}
	version, err := botocoreVersion(botocoreDir)
	if err != nil {
		return err
	}
	generated := fmt.Sprintf("by tools/modelgen from botocore %s; do not edit", version)
	for _, svc := range services {
		src, err := readGzip(filepath.Join(botocoreDir, "data", svc.name, svc.version, "service-2.json.gz"))
		if err != nil {
			return err
		}
		out, err := trim(src, generated)
		if err != nil {
			return fmt.Errorf("trim %s: %w", svc.name, err)
		}
		path := filepath.Join(outDir, svc.name+".json")
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return fmt.Errorf("write model: %w", err)
		}
		fmt.Printf("wrote %s (%d bytes)\n", path, len(out))
	}
	return nil
}

func locateBotocore() (string, error) {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return "", fmt.Errorf("locate botocore (pass -botocore DIR): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

var versionRE = regexp.MustCompile(`(?m)^__version__\s*=\s*['"]([^'"]+)['"]`)

func botocoreVersion(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "__init__.py"))
	if err != nil {
		return "", fmt.Errorf("read botocore version: %w", err)
	}
	m := versionRE.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("read botocore version: no __version__ in %s", dir)
	}
	return string(m[1]), nil
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open model: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("open gzip %s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("read gzip %s: %w", path, err)
	}
	return b, nil
}

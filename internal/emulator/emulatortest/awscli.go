package emulatortest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// AWSCLI is an aws CLI installed on this machine.
type AWSCLI struct {
	Name  string // "aws-cli-v1" or "aws-cli-v2"
	Bin   string // absolute path, a pyenv shim resolved to the program
	Major string // "1" or "2"
}

var (
	cliOnce sync.Once
	clis    []AWSCLI
)

// AWSCLIs returns the aws CLIs on the machine, v1 first: the first `aws`
// on PATH and Debian's /usr/bin/aws, one per major version. A pyenv shim
// is resolved to the program it runs: the shim is a bash script that runs
// pyenv before Python and cost 0.3–0.6 s of CPU per command, which the
// tests that run hundreds of commands paid many times over. The result is
// computed once per test binary (`--version` itself costs a second).
func AWSCLIs() []AWSCLI {
	cliOnce.Do(func() {
		var bins []string
		if p, err := exec.LookPath("aws"); err == nil {
			bins = append(bins, p)
		}
		bins = append(bins, "/usr/bin/aws")
		seen := map[string]bool{}
		for _, bin := range bins {
			major := cliMajor(bin)
			if (major != "1" && major != "2") || seen[major] {
				continue
			}
			seen[major] = true
			clis = append(clis, AWSCLI{Name: "aws-cli-v" + major, Bin: unshim(bin, major), Major: major})
		}
		if len(clis) == 2 && clis[0].Major == "2" {
			clis[0], clis[1] = clis[1], clis[0]
		}
	})
	return append([]AWSCLI(nil), clis...)
}

// AWSCLIVersion returns the CLI of major version major, if installed.
func AWSCLIVersion(major string) (AWSCLI, bool) {
	for _, c := range AWSCLIs() {
		if c.Major == major {
			return c, true
		}
	}
	return AWSCLI{}, false
}

// cliMajor is the major version `bin --version` reports ("" if none).
func cliMajor(bin string) string {
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		return ""
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "aws-cli/")
	if !ok {
		return ""
	}
	major, _, _ := strings.Cut(v, ".")
	return major
}

// unshim resolves a pyenv shim to the program it would run, keeping bin
// when that fails or finds another version.
func unshim(bin, major string) string {
	if !strings.Contains(bin, "/shims/") {
		return bin
	}
	out, err := exec.Command("pyenv", "which", filepath.Base(bin)).Output()
	if p := strings.TrimSpace(string(out)); err == nil && p != "" && cliMajor(p) == major {
		return p
	}
	return bin
}

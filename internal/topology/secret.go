package topology

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretSource names where a secret is read from: an environment variable
// (Env) or a file (File, relative to the topology file's directory). Exactly
// one is set. It holds the name of the secret, never its value, so printing
// or marshalling it is safe.
type SecretSource struct {
	Env  string `json:"env,omitempty"`
	File string `json:"file,omitempty"`

	// Where the env or file key is written, for errors at resolve time.
	decl Error
	dir  string
	// lookupEnv reads Env; nil means os.LookupEnv (see Topology.SetEnv).
	lookupEnv func(string) (string, bool)
}

// String renders "env:NAME" or "file:PATH".
func (s SecretSource) String() string {
	if s.Env != "" {
		return "env:" + s.Env
	}
	return "file:" + s.File
}

// Resolve reads the secret now. A file's content loses one trailing newline.
// Errors are *Error naming the field and never contain the secret.
func (s SecretSource) Resolve() (string, error) {
	var secret string
	switch {
	case s.Env != "":
		lookup := s.lookupEnv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		v, ok := lookup(s.Env)
		if !ok {
			return "", s.fail("export "+s.Env+" before running globaldb", "environment variable %s is not set", s.Env)
		}
		secret = v
	case s.File != "":
		path := s.File
		if !filepath.IsAbs(path) && s.dir != "" {
			path = filepath.Join(s.dir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			hint := ""
			if errors.Is(err, fs.ErrNotExist) {
				hint = "a relative path is read from the topology file's directory"
			}
			return "", s.fail(hint, "read secret file: %v", err)
		}
		secret = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	default:
		return "", s.fail("", "no secret source: set env or file")
	}
	if err := checkMasterPassword(secret); err != "" {
		return "", s.fail("Aurora PostgreSQL accepts 8 to 128 printable ASCII characters other than /, \", @ and space", "the master password from %s %s", s, err)
	}
	return secret, nil
}

func (s SecretSource) fail(hint, format string, args ...any) *Error {
	e := s.decl
	e.Msg = fmt.Sprintf(format, args...)
	e.Hint = hint
	return &e
}

// checkMasterPassword returns why pw is not a valid Aurora master password,
// or "". The reason never quotes the password.
func checkMasterPassword(pw string) string {
	switch {
	case pw == "":
		return "is empty"
	case len(pw) < 8:
		return "is shorter than 8 characters"
	case len(pw) > 128:
		return "is longer than 128 characters"
	}
	for _, c := range pw {
		if c < 0x21 || c > 0x7e || c == '/' || c == '"' || c == '@' {
			return "contains a character AWS refuses"
		}
	}
	return ""
}

// MasterPassword reads the primary's master password from its source. It is
// read on every call and never kept in the Topology.
func (t *Topology) MasterPassword() (string, error) {
	p := t.Primary()
	if p == nil || p.MasterPasswordFrom == nil {
		return "", &Error{File: t.File, Field: "masterPasswordFrom", Msg: "the primary has no master password source"}
	}
	return p.MasterPasswordFrom.Resolve()
}

// SetEnv makes every secret source of t that names an environment variable
// read it through lookup instead of os.LookupEnv. A program that makes up a
// secret (the demo's generated password) hands it over this way rather than
// putting it in its environment, which every child process would inherit.
func (t *Topology) SetEnv(lookup func(name string) (string, bool)) {
	for _, r := range t.Regions {
		if r.MasterPasswordFrom != nil {
			r.MasterPasswordFrom.lookupEnv = lookup
		}
	}
}

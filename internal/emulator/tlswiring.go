package emulator

import (
	"fmt"
	"path/filepath"

	"github.com/globaldb/globaldb/internal/emulator/certs"
)

// BundlePath is where the emulator serves its CA bundle, named after the
// bundle users know from AWS
// (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem). It
// needs no signature.
const BundlePath = "/_globaldb/global-bundle.pem"

// BundleFile is the CA bundle's file name in the data directory.
const BundleFile = "global-bundle.pem"

// startCA loads the emulator's certificate authority from <data-dir>/ca
// (creating it the first time), writes <data-dir>/global-bundle.pem and
// serves the bundle at BundlePath. Every DB instance gets a server
// certificate from it (controller.Config.Certs).
func (e *Emulator) startCA() error {
	ca, err := certs.LoadOrCreate(filepath.Join(e.cfg.DataDir, "ca"))
	if err != nil {
		return fmt.Errorf("start certificate authority: %w", err)
	}
	if err := ca.WriteBundle(e.BundleFile()); err != nil {
		return fmt.Errorf("start certificate authority: %w", err)
	}
	e.ca = ca
	e.router.bundle = ca.Bundle()
	return nil
}

// BundleFile is the path of the CA bundle clients put in sslrootcert.
func (e *Emulator) BundleFile() string { return filepath.Join(e.cfg.DataDir, BundleFile) }

// CABundle returns the CA bundle (PEM), nil before Start.
func (e *Emulator) CABundle() []byte {
	if e.ca == nil {
		return nil
	}
	return e.ca.Bundle()
}

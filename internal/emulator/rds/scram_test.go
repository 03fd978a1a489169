package rds

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/rds"
)

// TestService_CreateDBCluster_KeepsNoPassword: the state file holds the
// master password's SCRAM verifier until the volume is ready, then
// nothing; never the password. A state file an older emulator wrote with
// the plaintext password is rewritten without it when loaded.
func TestService_CreateDBCluster_KeepsNoPassword(t *testing.T) {
	const pw = "plain-Text-pw-99"
	tests := []struct {
		name string
		// setup leaves the state file to check and returns the service.
		setup        func(t *testing.T, path string) *Service
		wantVerifier bool
	}{
		{
			name: "after CreateDBCluster",
			setup: func(t *testing.T, path string) *Service {
				s := newFileService(t, path)
				if _, err := s.CreateDBCluster(context.Background(), "ap-southeast-1", &sdk.CreateDBClusterInput{
					DBClusterIdentifier: aws.String("c"), Engine: aws.String("aurora-postgresql"),
					MasterUsername: aws.String("admin1"), MasterUserPassword: aws.String(pw)}); err != nil {
					t.Fatal(err)
				}
				return s
			},
			wantVerifier: true,
		},
		{
			name: "after the volume is ready",
			setup: func(t *testing.T, path string) *Service {
				s := newFileService(t, path)
				if _, err := s.CreateDBCluster(context.Background(), "ap-southeast-1", &sdk.CreateDBClusterInput{
					DBClusterIdentifier: aws.String("c"), Engine: aws.String("aurora-postgresql"),
					MasterUsername: aws.String("admin1"), MasterUserPassword: aws.String(pw)}); err != nil {
					t.Fatal(err)
				}
				s.ObserveVolumeReady("ap-southeast-1/c")
				return s
			},
		},
		{
			name: "state of an older emulator",
			setup: func(t *testing.T, path string) *Service {
				old := `{"clusters":{"ap-southeast-1/c":{"id":"c","region":"ap-southeast-1","engine":"aurora-postgresql",` +
					`"masterUsername":"admin1","status":"creating","pendingLogin":"` + pw + `"}}}`
				if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
					t.Fatal(err)
				}
				return newFileService(t, path)
			},
			wantVerifier: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rds.json")
			s := tt.setup(t, path)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), pw) {
				t.Errorf("state file holds the password:\n%s", b)
			}
			v := s.Topology().Volumes[0].PasswordVerifier
			if got := isSCRAMVerifier(v) && strings.HasPrefix(v, "SCRAM-SHA-256$4096:"); got != tt.wantVerifier {
				t.Errorf("volume verifier %q: verifier = %v, want %v", v, got, tt.wantVerifier)
			}
		})
	}
}

func newFileService(t *testing.T, path string) *Service {
	t.Helper()
	s, err := New(Config{Addresses: &seqAddrs{}, Store: NewFileStore(path)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantPencil is the verifier of RFC 7677's example (password "pencil",
// salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations), derived with Python's
// hashlib; its ServerKey reproduces the RFC's server signature
// 6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=.
const wantPencil = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="

// TestScramVerifierWithSalt checks the derivation against RFC 7677's
// example.
func TestScramVerifierWithSalt(t *testing.T) {
	salt := []byte{0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e, 0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81}
	got, err := scramVerifierWithSalt("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if got != wantPencil {
		t.Errorf("verifier = %s\nwant       %s", got, wantPencil)
	}
}

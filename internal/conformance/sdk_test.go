package conformance

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/orchestrator"
	"github.com/globaldb/globaldb/internal/resolve"
	"github.com/globaldb/globaldb/internal/topology"
)

// seedTopology loads examples/global.yaml with the master password read
// from a file instead of the environment.
func seedTopology(t *testing.T) *topology.Topology {
	t.Helper()
	b, err := os.ReadFile("../../examples/global.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "master-password"), []byte("conformance-pw-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), "env: GLOBALDB_MASTER_PASSWORD", "file: master-password", 1)
	path := filepath.Join(dir, "global.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	top, err := topology.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// sdkRunbook is the orchestrator's run over RDS, Route 53, IAM and STS
// with aws-sdk-go-v2: plan and apply examples/global.yaml, read its
// status, then plan and destroy it.
func sdkRunbook(t *testing.T, e *emulator.Emulator) {
	top := seedTopology(t)
	var regions []string
	for _, r := range top.Regions {
		regions = append(regions, r.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c, err := orchestrator.Connect(ctx, orchestrator.Target{EndpointURL: e.Endpoint(), Region: top.Primary().Name,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, regions)
	if err != nil {
		t.Fatal(err)
	}
	opts := orchestrator.Options{PollMin: 100 * time.Millisecond}
	p, w, err := orchestrator.PlanApply(ctx, c, top)
	if err != nil {
		t.Fatalf("plan apply: %v", err)
	}
	if err := orchestrator.Apply(ctx, c, top, p, w, opts); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if _, err := orchestrator.Status(ctx, c, top, resolve.Server(e.DNSAddr())); err != nil {
		t.Errorf("status: %v", err)
	}
	p, w, err = orchestrator.PlanDestroy(ctx, c, top, false)
	if err != nil {
		t.Fatalf("plan destroy: %v", err)
	}
	if err := orchestrator.Destroy(ctx, c, top, p, w, opts); err != nil {
		t.Fatalf("destroy: %v", err)
	}
}

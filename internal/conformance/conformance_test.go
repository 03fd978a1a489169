package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/globaldb/globaldb/internal/emulator"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/emulatortest"
)

// coverageFloor is the share of the operations docs/emulator.md claims
// that the clients must exercise when an aws CLI runs the full runbook:
// 78 of 81 (96%) measured, less a margin.
const coverageFloor = 0.90

// TestConformance runs the runbook with aws-sdk-go-v2 (the orchestrator)
// and every aws CLI on the machine against one emulator, validates every
// response it sent against botocore, and reports which documented
// operations were exercised.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL servers and runs the aws CLIs")
	}
	val, err := NewValidator(t.TempDir())
	if errors.Is(err, ErrNoBotocore) {
		t.Skipf("skip: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	claims := docClaims(t)
	var rec Recorder
	ranFull := false
	e := emulatortest.StartWith(t, emulator.Config{TimeScale: 0.05, ResponseTap: rec.Tap})

	t.Run("clients", func(t *testing.T) {
		t.Run(string(SDKGoV2), func(t *testing.T) {
			t.Parallel()
			sdkRunbook(t, e)
		})
		clis := awsCLIs()
		for _, client := range []Client{CLIv1, CLIv2} {
			bin, ok := clis[client]
			if !ok {
				t.Logf("%s is not installed: skipped", client)
				continue
			}
			c := &cli{bin: bin, endpoint: e.Endpoint(), env: cliEnv(t)}
			name := "conf-" + strings.TrimPrefix(string(client), "aws-cli-")
			// Every claimed operation once, by v1 (the faster CLI); with
			// v1 installed, v2 is not run here: its runbook runs in
			// emulatortest.TestAWSCLI_Runbook and the scripts' tests, and
			// this package alone took most of CI's 15 minutes. A sole CLI
			// does everything.
			_, hasV1 := clis[CLIv1]
			full := client == CLIv1 || !hasV1
			if !full {
				t.Logf("%s: runbook covered by emulatortest.TestAWSCLI_Runbook; not run here", client)
				continue
			}
			ranFull = ranFull || full
			t.Run(string(client), func(t *testing.T) {
				t.Parallel()
				for part, run := range map[string]func(*testing.T, *cli, string, bool){"rds": cliRDS, "route53": cliRoute53, "iam": cliIAM, "cloudwatch": cliCloudWatch, "arc-region-switch": cliRegionSwitch} {
					t.Run(part, func(t *testing.T) {
						t.Parallel()
						run(t, c, name, full)
					})
				}
			})
		}
	})

	records := rec.Records()
	start := time.Now()
	validateAll(t, val, records)
	t.Logf("validated %d responses in %.1fs", len(records), time.Since(start).Seconds())
	cov := NewCoverage(claims.Ops, Exercised(records))
	var table bytes.Buffer
	if err := cov.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d responses validated; coverage of the operations docs/emulator.md claims:\n%s", len(records), table.String())
	if testing.Verbose() {
		fmt.Fprintf(os.Stdout, "\nconformance coverage (%d responses):\n%s\n", len(records), table.String())
	}
	if got := cov.Ratio(); !ranFull {
		t.Logf("no aws CLI ran the full runbook: coverage %.0f%% not checked against the floor", 100*got)
	} else if got < coverageFloor {
		t.Errorf("coverage %.0f%% < floor %.0f%%", 100*got, 100*coverageFloor)
	}
	for _, op := range cov.Unclaimed() {
		t.Errorf("docs bug: %s was exercised successfully but docs/emulator.md does not claim it", op)
	}
	for _, u := range claims.Unknown {
		t.Errorf("docs bug: docs/emulator.md claims %q, which is no operation of its section's services", u)
	}
}

// docClaims reads the operations docs/emulator.md claims.
func docClaims(t *testing.T) Claims {
	t.Helper()
	doc, err := os.ReadFile("../../docs/emulator.md")
	if err != nil {
		t.Fatal(err)
	}
	models := map[string]*awsmodel.Service{}
	for _, svc := range Services {
		if models[svc], err = awsmodel.Load(svc); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ParseClaims(doc, func(svc, op string) bool { return models[svc].Operations[op] != nil })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// validateAll checks every record against botocore (the validators
// overlap: one goroutine per record, the scripts serialise their own
// calls) and fails t once per distinct (operation, problem), naming the
// clients and statuses that hit it.
func validateAll(t *testing.T, val *Validator, records []Record) {
	t.Helper()
	problems := make([]string, len(records))
	errs := make([]error, len(records))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, r := range records {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			problems[i], errs[i] = val.Check(r)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	type finding struct{ op, problems string }
	seen := map[finding]map[string]bool{}
	var order []finding
	for i, r := range records {
		if r.Client == Unknown {
			t.Errorf("response to an unknown client (User-Agent %q): %s %s", r.UserAgent, r.Service, r.Operation)
		}
		if problems[i] == "" {
			continue
		}
		f := finding{r.Service + " " + r.Operation, problems[i]}
		if seen[f] == nil {
			seen[f] = map[string]bool{}
			order = append(order, f)
		}
		seen[f][fmt.Sprintf("%s (status %d)", r.Client, r.Status)] = true
	}
	for _, f := range order {
		var who []string
		for w := range seen[f] {
			who = append(who, w)
		}
		sort.Strings(who)
		t.Errorf("%s response does not conform, sent to %s:\n%s", f.op, strings.Join(who, ", "), f.problems)
	}
}

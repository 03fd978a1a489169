package emulator

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/cloudwatch"
	"github.com/globaldb/globaldb/internal/emulator/healthcheck"
	"github.com/globaldb/globaldb/internal/emulator/netguard"
	"github.com/globaldb/globaldb/internal/emulator/restxml"
	"github.com/globaldb/globaldb/internal/emulator/route53"
	"github.com/globaldb/globaldb/internal/emulator/route53api"
)

// changeDelay is how long a Route 53 change stays PENDING before INSYNC
// (AWS: usually within 60 s); scaled by --time-scale.
const changeDelay = 2 * time.Second

// startRoute53 creates the Route 53 model and its REST-XML service; the
// health-check runner starts once the DNS server is up (startHealthChecks).
func (e *Emulator) startRoute53(clk clock.Scaled) error {
	m, err := route53.New(route53.Config{
		Clock: clk, Store: route53.NewFileStore(filepath.Join(e.cfg.DataDir, "route53.json")),
		ChangeDelay:   clk.Duration(changeDelay),
		ClientRegion:  func(ip net.IP) string { return ClientRegion(ip, "") },
		DefaultRegion: e.cfg.DNSClientRegion, Logger: e.log.With("service", "route53"),
		// The emulated world's public endpoints are loopback addresses.
		EmulatedPublic: netguard.Allowed,
	})
	if err != nil {
		return fmt.Errorf("start route53 model: %w", err)
	}
	model, err := awsmodel.Load("route53")
	if err != nil {
		return fmt.Errorf("load route53 service model: %w", err)
	}
	e.r53 = m
	e.router.services["route53"] = restService{codec: restxml.NewCodec(model).WithLogger(e.log), handler: e.authorizeREST("route53", route53api.New(m))}
	return nil
}

// startHealthChecks runs the simulated Route 53 checkers against the
// emulator's own DNS names until ctx ends, and points Route 53 at
// CloudWatch (CLOUDWATCH_METRIC checks). Call it once the fault registry
// and CloudWatch exist.
func (e *Emulator) startHealthChecks(ctx context.Context, clk clock.Scaled) {
	alarms := e.alarms()
	if alarms != nil {
		e.r53.SetAlarms(alarms)
	}
	runner := healthcheck.NewRunner(healthcheck.Config{
		Checks: func() []healthcheck.Check {
			var out []healthcheck.Check
			checks := e.r53.HealthChecks()
			// Read after the checks, so that each listed linked check has
			// its status: the status of a check another service controls.
			set := e.r53.LinkedStatuses()
			for _, hc := range checks {
				if hc.HealthCheckConfig != nil {
					c := healthcheck.Check{ID: aws.ToString(hc.Id), Config: *hc.HealthCheckConfig}
					if healthy, ok := set[c.ID]; ok {
						c.Status = &healthy
					}
					out = append(out, c)
				}
			}
			return out
		},
		Changed:  e.r53.HealthChecksChanged(),
		Resolver: netguard.DNS{Addr: e.dns.Addr()},
		Reach:    e.rds,
		// CLOUDWATCH_METRIC checks read CloudWatch on every refresh; an
		// alarm in a Region in outage reads as insufficient data.
		Alarms:     alarms,
		RegionDown: e.faults.RegionDown,
		Clock:      clk,
		Logger:     e.log.With("component", "healthcheck"),
	})
	e.r53.SetHealth(runner)
	e.checkers = runner
	e.done.Add(1)
	go func() {
		defer e.done.Done()
		if err := runner.Run(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("health checks stopped", "err", err)
		}
	}()
}

// CloudWatch is what Route 53 reads for CLOUDWATCH_METRIC checks.
var (
	_ healthcheck.Alarms = (*cloudwatch.Service)(nil)
	_ route53.Alarms     = (*cloudwatch.Service)(nil)
)

// alarms is CloudWatch as Route 53 reads it: the state of an alarm's metric
// data and the alarm's configuration; nil while CloudWatch is not running.
func (e *Emulator) alarms() healthcheck.Alarms {
	if e.cw == nil {
		return nil
	}
	return e.cw
}

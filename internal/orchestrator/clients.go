package orchestrator

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	arc "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/globaldb/globaldb/internal/rdstls"
)

// Target says how to reach AWS (or the emulator): the SDK's default
// credential chain and shared config, optionally with a profile and an
// endpoint URL. AWS_ENDPOINT_URL is honoured by the SDK itself; EndpointURL
// overrides it.
type Target struct {
	Profile     string
	EndpointURL string
	// Credentials replaces the default chain when set (the demo, tests).
	Credentials aws.CredentialsProvider
	// Region is the default region for calls not tied to one (STS).
	Region string
	// CABundle is a PEM file of root CAs for database TLS (AWS's
	// global-bundle.pem); "" means $PGSSLROOTCERT, else the emulator's
	// bundle when the endpoint is an emulator, else the system roots.
	CABundle string
}

// Clients are the aws-sdk-go-v2 clients the orchestrator uses: one RDS
// and one CloudWatch client per region, and the global services. Every
// call goes through Calls, which counts it.
type Clients struct {
	rds     map[string]*rds.Client
	cw      map[string]*cloudwatch.Client
	arc     map[string]*arc.Client
	Route53 *route53.Client
	IAM     *iam.Client
	STS     *sts.Client
	Calls   *CallCounter
	cfg     aws.Config
	mu      sync.Mutex

	caBundle string
	trustMu  sync.Mutex
	trust    *rdstls.Trust
}

// Connect loads the SDK configuration for t and builds clients for the
// given regions. Route 53 and IAM are global services signed for
// us-east-1.
func Connect(ctx context.Context, t Target, regions []string) (*Clients, error) {
	var opts []func(*config.LoadOptions) error
	if t.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(t.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if t.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(t.EndpointURL)
	}
	if t.Credentials != nil {
		cfg.Credentials = aws.NewCredentialsCache(t.Credentials)
	}
	if t.Region != "" {
		cfg.Region = t.Region
	}
	if cfg.Region == "" && len(regions) > 0 {
		cfg.Region = regions[0]
	}
	counter := &CallCounter{}
	cfg.APIOptions = append(cfg.APIOptions, counter.middleware)
	c := &Clients{rds: map[string]*rds.Client{}, cw: map[string]*cloudwatch.Client{}, arc: map[string]*arc.Client{}, Calls: counter, cfg: cfg, caBundle: t.CABundle}
	if c.caBundle == "" {
		c.caBundle = os.Getenv("PGSSLROOTCERT")
	}
	for _, r := range regions {
		c.rds[r] = rds.NewFromConfig(cfg, func(o *rds.Options) { o.Region = r })
	}
	c.Route53 = route53.NewFromConfig(cfg, func(o *route53.Options) { o.Region = "us-east-1" })
	c.IAM = iam.NewFromConfig(cfg, func(o *iam.Options) { o.Region = "us-east-1" })
	c.STS = sts.NewFromConfig(cfg)
	return c, nil
}

// RDS returns the RDS client for region, creating it if needed.
func (c *Clients) RDS(region string) *rds.Client {
	return regional(c, c.rds, region, func() *rds.Client {
		return rds.NewFromConfig(c.cfg, func(o *rds.Options) { o.Region = region })
	})
}

// CloudWatch returns the CloudWatch client for region, creating it if
// needed.
func (c *Clients) CloudWatch(region string) *cloudwatch.Client {
	return regional(c, c.cw, region, func() *cloudwatch.Client {
		return cloudwatch.NewFromConfig(c.cfg, func(o *cloudwatch.Options) { o.Region = region })
	})
}

// ARC returns the ARC Region switch control-plane client (plan
// management), pinned to us-east-1 as on AWS.
func (c *Clients) ARC() *arc.Client { return c.ARCRegion("us-east-1") }

// ARCRegion returns the ARC Region switch client of region: its data
// plane (executions, the …InRegion reads).
func (c *Clients) ARCRegion(region string) *arc.Client {
	return regional(c, c.arc, region, func() *arc.Client {
		return arc.NewFromConfig(c.cfg, func(o *arc.Options) { o.Region = region })
	})
}

// regional returns m's client for region, made with mk the first time.
func regional[T any](c *Clients, m map[string]T, region string, mk func() T) T {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := m[region]
	if !ok {
		cl = mk()
		m[region] = cl
	}
	return cl
}

// Account returns the caller's account ID (STS GetCallerIdentity).
func (c *Clients) Account(ctx context.Context) (string, error) {
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("who am I (sts GetCallerIdentity): %w", err)
	}
	return aws.ToString(out.Account), nil
}

// CallCounter counts API calls by service and operation (one per SDK
// operation call, retries not included).
type CallCounter struct {
	mu    sync.Mutex
	calls map[string]int
	polls int
	// before, when set, sees each call before it is counted and sent
	// (tests interrupt runs with it).
	before func(op string)
}

func (c *CallCounter) middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("globaldbCallCounter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			op := awsmiddleware.GetServiceID(ctx) + ":" + awsmiddleware.GetOperationName(ctx)
			c.mu.Lock()
			before := c.before
			c.mu.Unlock()
			if before != nil {
				before(op)
			}
			if err := ctx.Err(); err != nil {
				return middleware.InitializeOutput{}, middleware.Metadata{}, err
			}
			c.add(op, ctx.Value(pollKey{}) != nil)
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

// pollKey marks the context of calls made while waiting for a state.
type pollKey struct{}

func (c *CallCounter) add(op string, poll bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[op]++
	if poll {
		c.polls++
	}
}

// Counts is a snapshot of the calls made so far.
type Counts struct {
	Total    int `json:"total"`
	Mutating int `json:"mutating"`
	// Polls are the reads made while waiting for a state (the poller's).
	Polls int            `json:"polls"`
	ByOp  map[string]int `json:"by_operation"`
}

// Snapshot returns the counts so far.
func (c *CallCounter) Snapshot() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := Counts{ByOp: map[string]int{}, Polls: c.polls}
	for op, n := range c.calls {
		out.ByOp[op] = n
		out.Total += n
		if Mutating(op) {
			out.Mutating += n
		}
	}
	return out
}

// Since returns the calls made after the earlier snapshot.
func (c Counts) Since(earlier Counts) Counts {
	out := Counts{ByOp: map[string]int{}, Polls: c.Polls - earlier.Polls}
	for op, n := range c.ByOp {
		if d := n - earlier.ByOp[op]; d > 0 {
			out.ByOp[op] = d
			out.Total += d
			if Mutating(op) {
				out.Mutating += d
			}
		}
	}
	return out
}

// MutatingOps lists the mutating operations called, sorted.
func (c Counts) MutatingOps() []string {
	var out []string
	for op := range c.ByOp {
		if Mutating(op) {
			out = append(out, op)
		}
	}
	sort.Strings(out)
	return out
}

// Mutating reports whether an operation ("Service:Operation" or just the
// operation name) changes anything: everything but reads.
func Mutating(op string) bool {
	if i := strings.LastIndexByte(op, ':'); i >= 0 {
		op = op[i+1:]
	}
	for _, p := range []string{"Describe", "List", "Get", "Test"} {
		if strings.HasPrefix(op, p) {
			return false
		}
	}
	return true
}

// DBTrust returns the root CAs database certificates are verified against
// (see Target.CABundle), loading them at the first call; a failed load is
// retried at the next.
func (c *Clients) DBTrust(ctx context.Context) *rdstls.Trust {
	c.trustMu.Lock()
	defer c.trustMu.Unlock()
	if c.trust != nil {
		return c.trust
	}
	tr := rdstls.Load(ctx, aws.ToString(c.cfg.BaseEndpoint), c.caBundle)
	if _, err := tr.Roots(); err == nil {
		c.trust = tr
	}
	return tr
}

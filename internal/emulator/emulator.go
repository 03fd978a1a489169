// Package emulator runs the whole cloud side of globaldb on one machine:
// one HTTP listener speaking the AWS wire protocols (SigV4-verified),
// service models, the PostgreSQL engines behind them, WAN links between
// regions and a DNS server for every endpoint name.
//
//	HTTP ──► sigv4 ──► router (credential-scope service) ──► query codec ──► rdsapi ──► rds model
//	                                                                                     │ Topology
//	DNS ◄── dnsserver.Table ◄──────────── controller ◄──────────────────────────────────┘
//	                                        ├──► engine (postgres processes)
//	                                        └──► netsim (WAN links)
package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/globaldb/globaldb/internal/emulator/adminapi"
	"github.com/globaldb/globaldb/internal/emulator/awsmodel"
	"github.com/globaldb/globaldb/internal/emulator/certs"
	"github.com/globaldb/globaldb/internal/emulator/clock"
	"github.com/globaldb/globaldb/internal/emulator/cloudwatch"
	"github.com/globaldb/globaldb/internal/emulator/controller"
	"github.com/globaldb/globaldb/internal/emulator/dbauth"
	"github.com/globaldb/globaldb/internal/emulator/dnsserver"
	"github.com/globaldb/globaldb/internal/emulator/engine"
	"github.com/globaldb/globaldb/internal/emulator/faults"
	"github.com/globaldb/globaldb/internal/emulator/iam"
	"github.com/globaldb/globaldb/internal/emulator/netguard"
	"github.com/globaldb/globaldb/internal/emulator/netsim"
	"github.com/globaldb/globaldb/internal/emulator/query"
	"github.com/globaldb/globaldb/internal/emulator/rds"
	"github.com/globaldb/globaldb/internal/emulator/rdsapi"
	"github.com/globaldb/globaldb/internal/emulator/route53"
	"github.com/globaldb/globaldb/internal/emulator/sigv4"
	"github.com/globaldb/globaldb/internal/emulator/sts"
	"github.com/globaldb/globaldb/internal/emulator/wfront"
	"github.com/globaldb/globaldb/internal/regions"
)

// Config configures an Emulator. Zero values take the documented defaults.
type Config struct {
	Listen    string // HTTP listen address, default 127.0.0.1:4566
	DNSListen string // DNS listen address (UDP and TCP), default 127.0.0.1:1053
	// DataDir holds state and database files; "" uses a temporary
	// directory removed by Close.
	DataDir         string
	TimeScale       float64 // multiplies emulated delays; default 1
	AccessKeyID     string  // root credentials, default test/test
	SecretAccessKey string
	AccountID       string // default 000000000000
	Logger          *slog.Logger
	// LinkDelay overrides the one-way delay between two regions
	// (default: half the measured RTT from the regions table).
	LinkDelay func(a, b string) time.Duration
	// DNSClientRegion is the region Route 53 latency routing assumes for a
	// DNS client (default us-east-1); see ClientRegion.
	DNSClientRegion string
	// Clock is the emulated time source (default the wall clock); tests
	// use it to move emulated time, e.g. past a session's expiry.
	Clock clock.Clock
	// EnforceIAM authorises requests by principals other than root with
	// their IAM policies; without it every authenticated principal may do
	// everything.
	EnforceIAM bool
	// ResponseTap, when set, sees every API response the emulator sends
	// (not the health and admin endpoints, nor requests to a region in an
	// outage, which get no response): conformance tests validate them
	// against the service models. It is called on the request's goroutine
	// after the response is written, concurrently for concurrent requests,
	// and owns the Exchange it is given. Nil (the default) costs nothing.
	ResponseTap func(Exchange)
}

// Emulator is a running emulator. Start it, then Close it.
type Emulator struct {
	cfg     Config
	log     *slog.Logger
	tempDir bool

	httpLn  net.Listener
	httpSrv *http.Server
	dns     *dnsserver.Server
	table   *dnsserver.Table
	net     *netsim.Network
	engine  *engine.Supervisor
	admin   engine.Credentials // the servers' superuser (the fronts forward writes with it)
	rds     *rds.Service
	r53     *route53.Service
	cw      *cloudwatch.Service
	iam     *iam.Service
	dbauth  *dbauth.Server
	sts     *sts.Service
	ctrl    *controller.Controller
	faults  *faults.Registry
	router  *router
	ca      *certs.Authority

	lock   *dataDirLock
	cancel context.CancelFunc
	done   sync.WaitGroup
	ready  bool
}

// New validates cfg and prepares an emulator; nothing listens yet.
func New(cfg Config) (*Emulator, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:4566"
	}
	if cfg.DNSListen == "" {
		cfg.DNSListen = "127.0.0.1:1053"
	}
	if cfg.AccessKeyID == "" {
		cfg.AccessKeyID, cfg.SecretAccessKey = "test", "test"
	}
	if cfg.SecretAccessKey == "" {
		return nil, errors.New("new emulator: a secret access key is required with an access key id")
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.TimeScale <= 0 {
		cfg.TimeScale = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DNSClientRegion == "" {
		cfg.DNSClientRegion = "us-east-1"
	}
	if cfg.LinkDelay == nil {
		cfg.LinkDelay = regions.OneWayDelay
	}
	return &Emulator{cfg: cfg, log: cfg.Logger}, nil
}

// Start binds the listeners, restores state (bringing every instance back
// in its role) and returns once the emulator serves requests.
func (e *Emulator) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	// One emulator per data dir: lock it and bind the listeners before
	// anything (the sweep of leftover postgres processes above all) may
	// touch what another emulator is serving.
	if err := e.prepareDataDir(); err != nil {
		return err
	}
	if err := e.listenHTTP(); err != nil {
		return err
	}
	if err := e.startModels(); err != nil {
		return err
	}
	if err := e.startCA(); err != nil {
		return err
	}
	clk := e.clock()
	if err := e.startRoute53(clk); err != nil {
		return err
	}
	if err := e.startIAM(clk); err != nil {
		return err
	}
	// Long-lived parts run until Close, not until the start context ends.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.cancel = cancel
	e.table = dnsserver.NewTable("rds.amazonaws.com.")
	e.dns = dnsserver.New(e.cfg.DNSListen, e.log.With("component", "dns"), e.table, e.r53)
	if err := e.dns.Start(runCtx); err != nil {
		return fmt.Errorf("start dns server: %w", err)
	}
	if err := e.startEngine(ctx); err != nil {
		return err
	}
	e.startHealthChecks(runCtx, clk)
	e.net = netsim.NewNetwork(e.log.With("component", "netsim"), e.cfg.LinkDelay)
	if err := e.startDBAuth(runCtx); err != nil {
		return err
	}
	e.ctrl = controller.New(controller.Config{Model: e.rds, Engine: e.engine, Net: e.net, DNS: e.table,
		Root: filepath.Join(e.cfg.DataDir, "pg"), Logger: e.log.With("component", "controller"),
		DefaultDelay: e.cfg.LinkDelay, Certs: e.ca, Dial: netguard.Dialer{}.DialContext, TimeScale: e.cfg.TimeScale,
		FrontAdmin: wfront.Credentials{User: e.admin.User, Password: e.admin.Password}})
	e.faults = faults.NewRegistry(e.ctrl, func(r string) bool { _, ok := regions.Lookup(r); return ok }, time.Now)
	e.router.admin = adminapi.HandlerWith(e.faults, e.ctrl)
	e.router.regionDown = e.faults.RegionDown
	if err := e.startCloudWatch(runCtx, clk); err != nil {
		return err
	}
	e.done.Add(1)
	go func() {
		defer e.done.Done()
		if err := e.ctrl.Run(runCtx); err != nil {
			e.log.Error("controller stopped", "err", err)
		}
	}()
	return e.startHTTP()
}

func (e *Emulator) prepareDataDir() error {
	if e.cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "globaldb-emulator-")
		if err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
		e.cfg.DataDir, e.tempDir = dir, true
	}
	abs, err := filepath.Abs(e.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("resolve data dir: %w", err)
	}
	e.cfg.DataDir = abs
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if e.lock, err = lockDataDir(abs); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		// The engines run as an unprivileged user, who must reach pg/.
		if err := os.Chmod(abs, 0o711); err != nil {
			return fmt.Errorf("open data dir to the postgres user: %w", err)
		}
	}
	return nil
}

func (e *Emulator) startEngine(ctx context.Context) error {
	admin, err := adminCredentials(filepath.Join(e.cfg.DataDir, "admin.secret"))
	if err != nil {
		return err
	}
	sup, err := engine.New(engine.Config{Root: filepath.Join(e.cfg.DataDir, "pg"), Admin: admin,
		Logger: e.log.With("component", "engine")})
	if err != nil {
		return fmt.Errorf("start engine supervisor: %w", err)
	}
	e.engine = sup
	e.admin = admin
	if err := sup.Sweep(ctx); err != nil {
		return fmt.Errorf("sweep leftover servers: %w", err)
	}
	return nil
}

func (e *Emulator) startModels() error {
	alloc := newAddresses(e.cfg.DataDir)
	svc, err := rds.New(rds.Config{
		AccountID: e.cfg.AccountID, Clock: e.clock(),
		Store: rds.NewFileStore(filepath.Join(e.cfg.DataDir, "rds.json")), Addresses: alloc,
		Logger: e.log.With("service", "rds"), Regions: regionAZs,
	})
	if err != nil {
		return err
	}
	alloc.reserve(svc.UsedHosts()...)
	e.rds = svc
	rdsModel, err := awsmodel.Load("rds")
	if err != nil {
		return fmt.Errorf("load rds service model: %w", err)
	}
	e.router = &router{
		log:       e.log.With("component", "http"),
		verifier:  &sigv4.Verifier{Secrets: e},
		principal: e.principal,
		services: map[string]service{
			"rds": queryService{codec: query.NewCodec(rdsModel).WithLogger(e.log), handler: e.authorizeQuery("rds", rdsapi.New(svc))},
		},
		fallback: query.NewCodec(rdsModel),
		health:   e.health,
		rootKey:  e.cfg.AccessKeyID,
		tap:      e.cfg.ResponseTap,
	}
	return nil
}

// clock is the emulated time source, delays scaled by --time-scale.
func (e *Emulator) clock() clock.Scaled {
	base := e.cfg.Clock
	if base == nil {
		base = clock.Real{}
	}
	return clock.Scaled{Base: base, Scale: e.cfg.TimeScale}
}

func regionAZs(name string) ([]string, bool) {
	r, ok := regions.Lookup(name)
	if !ok {
		return nil, false
	}
	return r.AZs, true
}

// listenHTTP binds the HTTP listener; startHTTP serves on it once the
// emulator is ready (until then connections wait in the backlog).
func (e *Emulator) listenHTTP() error {
	ln, err := net.Listen("tcp", e.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", e.cfg.Listen, err)
	}
	e.httpLn = ln
	return nil
}

func (e *Emulator) startHTTP() error {
	ln := e.httpLn
	e.httpSrv = &http.Server{Handler: e.router, ReadHeaderTimeout: 10 * time.Second}
	e.done.Add(1)
	go func() {
		defer e.done.Done()
		if err := e.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("http server stopped", "err", err)
		}
	}()
	e.ready = true
	e.log.Info("emulator ready", "endpoint", e.Endpoint(), "dns", e.DNSAddr(), "data_dir", e.cfg.DataDir)
	return nil
}

// health is the body of GET /_globaldb/health, the emulator's
// announcement to its clients (admin.Health is its client-side shape):
// "emulator" says what answers, "dns" where its names resolve and
// "time_scale" how fast its clock runs, so that globaldb's commands and
// scripts need no --resolver or --time-scale against it.
func (e *Emulator) health() map[string]any {
	return map[string]any{"status": "ready", "emulator": "globaldb", "endpoint": e.Endpoint(), "dns": e.DNSAddr(),
		"time_scale": e.cfg.TimeScale, "services": []string{"rds", "route53", "iam", "sts", "monitoring"}}
}

// Endpoint is the emulator's base URL, for AWS_ENDPOINT_URL.
func (e *Emulator) Endpoint() string {
	if e.httpLn == nil {
		return ""
	}
	return "http://" + e.httpLn.Addr().String()
}

// DNSAddr is the DNS server's address (UDP and TCP).
func (e *Emulator) DNSAddr() string {
	if e.dns == nil {
		return ""
	}
	return e.dns.Addr()
}

// Faults is the fault registry of the running emulator, as the admin API
// and `globaldb fault` use it.
func (e *Emulator) Faults() *faults.Registry { return e.faults }

// DataDir is the directory holding state and database files.
func (e *Emulator) DataDir() string { return e.cfg.DataDir }

// Close stops serving, stops every database server and removes a
// temporary data directory. It is safe to call more than once.
func (e *Emulator) Close() error {
	var errs []error
	if e.httpSrv != nil {
		// In-flight requests get a second to finish; then every connection
		// is closed. (HTTP clients dial spare connections they may never
		// send a request on; Shutdown would wait 5 s for each.)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := e.httpSrv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			e.log.Debug("connections still open at shutdown; closing them")
			errs = append(errs, e.httpSrv.Close())
		} else {
			errs = append(errs, err)
		}
		cancel()
		e.httpSrv = nil
	}
	if e.cancel != nil {
		e.cancel()
		e.cancel = nil
	}
	e.done.Wait()
	if e.engine != nil {
		errs = append(errs, e.engine.Close(), e.engine.SetIAMAuth(nil))
		e.engine = nil
	}
	if e.dbauth != nil {
		errs = append(errs, e.dbauth.Close())
		e.dbauth = nil
	}
	if e.net != nil {
		errs = append(errs, e.net.Close())
		e.net = nil
	}
	if e.dns != nil {
		errs = append(errs, e.dns.Close())
		e.dns = nil
	}
	if e.httpLn != nil && !e.ready { // bound, never served
		if err := e.httpLn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if e.tempDir {
		errs = append(errs, os.RemoveAll(e.cfg.DataDir))
		e.tempDir = false
	}
	errs = append(errs, e.lock.release())
	e.lock = nil
	return errors.Join(errs...)
}

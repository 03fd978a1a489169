// Package healthcheck simulates Route 53's health checkers: one prober per
// health check that probes the endpoint over real sockets every
// RequestInterval of emulated time and reports the outcome as each checker
// Region's, and the rules that turn those reports into one status per check.
//
// Supported health check types:
//
//	| Type                              | probe                                                       |
//	|-----------------------------------|-------------------------------------------------------------|
//	| TCP                               | connect (real timeout tcpConnectTimeout)                    |
//	| HTTP, HTTPS                       | GET ResourcePath, Host header, 2xx/3xx within 2 s of connect |
//	| HTTP_STR_MATCH, HTTPS_STR_MATCH   | as HTTP(S), plus SearchString in the first 5,120 body bytes |
//	| CALCULATED                        | ≥ HealthThreshold healthy ChildHealthChecks, no probing     |
//	| CLOUDWATCH_METRIC                 | the state of the alarm's metric data (Config.Alarms)        |
//	| RECOVERY_CONTROL                  | not evaluated: always healthy (then Inverted applies)       |
//	| any, with Check.Status set        | the status the check's service sets (LinkedService), as is  |
//
// A check another service created and controls (Route 53's LinkedService;
// ARC Region switch's managed checks) comes with Check.Status: the Runner
// probes nothing, reports that status as is (Disabled and Inverted play
// no part) and shows it as the report of every default checker Region,
// read at each refresh, with our own wording.
//
// Rules (aws-semantics.md §3.1 and the HealthCheckConfig API docs):
//   - Per checker Region, a status changes after FailureThreshold
//     consecutive probes that contradict it: healthy → unhealthy after
//     FailureThreshold consecutive failures, unhealthy → healthy after
//     FailureThreshold consecutive successes (the API reference: "the number
//     of consecutive health checks that an endpoint must pass or fail … to
//     change the current status"). Every checker starts healthy, so a new
//     check "counts as healthy until there is data" (§3.1).
//   - A check is healthy when MORE than 18 % of its checker Regions consider
//     it healthy (§3.1), see Overall.
//   - Disabled: no probing, the check is healthy; Inverted then flips the
//     status, so Disabled+Inverted is a check forced unhealthy (the API
//     reference for Disabled: "If you want to stop routing traffic to a
//     resource, change the value of Inverted").
//   - Targets: IPAddress if set, else FullyQualifiedDomainName resolved to
//     IPv4 with Config.Resolver. Before probing, Config.Reach decides whether
//     the checkers (which are on the internet) can reach the address: a DB
//     endpoint that is not PubliclyAccessible resolves to a private address
//     Route 53 cannot check (§3.1 "Private endpoints").
//   - Loopback only: probes dial through netguard, so an address outside
//     127.0.0.0/8 and ::1, or a name the emulated world does not serve, is
//     unreachable: the probe fails with netguard's reason ("address … is
//     outside the emulated world …") and no packet is sent.
//   - CLOUDWATCH_METRIC (aws-semantics.md §3.1, cloudwatch.md): the check
//     follows the state its alarm's metric *data* gives (Alarms), never the
//     alarm's StateValue, so SetAlarmState does not move it. OK is
//     healthy, ALARM unhealthy; INSUFFICIENT_DATA follows
//     InsufficientDataHealthStatus: Healthy, Unhealthy, or LastKnownStatus
//     (the status of the last reading that had data; healthy for a check
//     that never had any). Without Config.Alarms the check is not
//     evaluated: always healthy, as before CloudWatch was emulated.
//     FailureThreshold and RequestInterval play no part: the Runner reads
//     every alarm on each refresh (RefreshInterval, 1 s of emulated time by
//     default; AWS re-reads about once a minute, undocumented), and the
//     alarm's own EvaluationPeriods are the smoothing.
//
// Deviations: timeouts are real time (the clock only paces intervals);
// all checker Regions share one probe per interval (in the emulated world
// they stand at the same place on the network), so they never disagree;
// checkers don't spread their probes over the interval; status strings
// imitate AWS's wording but the format isn't specified (§3.1).
// CLOUDWATCH_METRIC choices where AWS documents nothing: an alarm that does
// not exist (deleted after the check was created) and an alarm whose
// Region is in outage (Config.RegionDown) read as insufficient data; the
// data is evaluated with the alarm's current configuration, not the
// snapshot Route 53 took at CreateHealthCheck/UpdateHealthCheck (AWS keeps
// using the snapshot until UpdateHealthCheck); a new AlarmIdentifier
// starts a fresh history; GetHealthCheckStatus shows one observation from
// the alarm's Region with our own wording.
package healthcheck

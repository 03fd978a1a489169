// Package route53 is the Route 53 model: hosted zones, record sets, changes,
// health checks and tags, plus the authoritative DNS answers for the hosted
// zones (Service implements dnsserver.ClientSource). It holds state and
// behaviour only: no HTTP and no XML. Methods take aws-sdk-go-v2 input
// structs and return SDK output structs; errors are *awserr.Error carrying
// the botocore error shape name (NoSuchHostedZone, InvalidChangeBatch, …).
//
// Supported operations:
//
//	| operation                         | notes                                                        |
//	|-----------------------------------|--------------------------------------------------------------|
//	| CreateHostedZone                  | public, or private with a VPC; default SOA and NS            |
//	| GetHostedZone / DeleteHostedZone  | delete: HostedZoneNotEmpty while non-apex records exist      |
//	| ListHostedZones                   | creation order; Marker = zone ID of the next page            |
//	| ListHostedZonesByName             | labels-reversed name order, then ID                          |
//	| ChangeResourceRecordSets          | CREATE/DELETE/UPSERT, atomic; simple, failover, weighted,    |
//	|                                   | latency routing; alias to a record in the same zone          |
//	| ListResourceRecordSets            | labels-reversed name, then type, then SetIdentifier          |
//	| GetChange                         | PENDING until Config.ChangeDelay passed on the clock         |
//	| Create/Get/List/Update/DeleteHealthCheck, GetHealthCheckStatus          |
//	| SyncLinkedHealthChecks            | (not an API) checks another service owns (linked.go)         |
//	| ChangeTagsForResource / ListTagsForResource(s) (healthcheck, hostedzone)|
//	| TestDNSAnswer                     | the DNS answer, ResolverIP/EDNS0ClientSubnetIP for latency   |
//
// Deviations from AWS, on purpose:
//   - Record changes are answered by DNS at once; only GetChange reports
//     PENDING for ChangeDelay.
//   - Reusing a CallerReference with identical parameters returns the
//     existing hosted zone (a safe retry); different parameters give
//     HostedZoneAlreadyExists.
//   - There is one network: private zones are answered to every client, and
//     when a public and a private zone share an apex the private one wins
//     (as a resolver inside the VPC sees it), then the oldest.
//   - Alias targets must be records in the same hosted zone. Geolocation,
//     geoproximity, CIDR, multivalue and traffic-policy records are refused.
//     Wildcard names are stored but not expanded; NS records below the apex
//     are answered as plain records (no referral).
//   - Checks another service created (ARC Region switch's, through
//     SyncLinkedHealthChecks) carry LinkedService and the status that
//     service sets; UpdateHealthCheck and DeleteHealthCheck refuse them
//     with InvalidInput (AWS: "you can't edit or delete it using Amazon
//     Route 53"; its error is not documented).
//   - An unknown HealthCheckId in a change batch gives NoSuchHealthCheck
//     rather than a message inside InvalidChangeBatch.
//   - CLOUDWATCH_METRIC checks (alarm.go): with a CloudWatch view
//     (Config.Alarms) CreateHealthCheck, and UpdateHealthCheck when it
//     sends AlarmIdentifier, read the alarm and keep its
//     CloudWatchAlarmConfiguration. An alarm that does not exist, or one
//     Route 53 does not support (extended statistic, period under 60 s,
//     DatapointsToAlarm < EvaluationPeriods, metric math), gives
//     InvalidInput with our own message: AWS documents the limits but not
//     its answer. Endpoint and CALCULATED fields on a CLOUDWATCH_METRIC
//     check give InvalidInput; RequestInterval and FailureThreshold are
//     kept when sent but play no part.
package route53

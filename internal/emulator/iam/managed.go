package iam

import "time"

// AWS managed policies the emulator knows. The documents are written from
// the published content of these policies (AWS Managed Policy Reference;
// summarised in /work/shared/reference/aws-semantics.md §5.1): they are
// plausible renderings of the real statements, not byte-for-byte copies
// of a particular version.
//
//   - AmazonRDSFullAccess: rds:*, plus application-autoscaling, cloudwatch,
//     ec2:Describe*, sns, logs reads, Performance Insights on RDS metrics,
//     and iam:CreateServiceLinkedRole only for RDS's service names. No
//     iam:PassRole.
//   - AmazonRoute53FullAccess: route53:*, route53domains:* and the read
//     helpers the console uses for alias targets.
//   - AmazonRDSEnhancedMonitoringRole: the RDS* log groups and streams.
//   - AmazonRDSServiceRolePolicy (RDS's service-linked role): EC2
//     networking, SNS, logs, Kinesis for activity streams, CloudWatch
//     metrics in RDS namespaces, RDS-owned secrets and
//     rds:CrossRegionCommunication. No Route 53 actions.

const amazonRDSFullAccess = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AmazonRDSFullAccess",
            "Effect": "Allow",
            "Action": [
                "rds:*",
                "application-autoscaling:DeleteScalingPolicy",
                "application-autoscaling:DeregisterScalableTarget",
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:DescribeScalingActivities",
                "application-autoscaling:DescribeScalingPolicies",
                "application-autoscaling:PutScalingPolicy",
                "application-autoscaling:RegisterScalableTarget",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:GetMetricStatistics",
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:ListMetrics",
                "cloudwatch:GetMetricData",
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeCoipPools",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeLocalGatewayRouteTablePermissions",
                "ec2:DescribeLocalGatewayRouteTables",
                "ec2:DescribeLocalGatewayRouteTableVpcAssociations",
                "ec2:DescribeLocalGateways",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcAttribute",
                "ec2:DescribeVpcs",
                "ec2:GetCoipPoolUsage",
                "sns:ListSubscriptions",
                "sns:ListTopics",
                "sns:Publish",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
                "outposts:GetOutpostInstanceTypes",
                "devops-guru:GetResourceCollection"
            ],
            "Resource": "*"
        },
        {
            "Sid": "PerformanceInsightsFullAccess",
            "Effect": "Allow",
            "Action": "pi:*",
            "Resource": [
                "arn:aws:pi:*:*:metrics/rds/*",
                "arn:aws:pi:*:*:perf-reports/rds/*"
            ]
        },
        {
            "Sid": "CreateServiceLinkedRole",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "*",
            "Condition": {
                "StringLike": {
                    "iam:AWSServiceName": [
                        "rds.amazonaws.com",
                        "rds.application-autoscaling.amazonaws.com"
                    ]
                }
            }
        }
    ]
}`

const amazonRoute53FullAccess = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "route53:*",
                "route53domains:*",
                "cloudfront:ListDistributions",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:GetMetricStatistics",
                "cloudwatch:GetMetricData",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeRegions",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticbeanstalk:DescribeEnvironments",
                "es:ListDomainNames",
                "es:DescribeDomains",
                "lightsail:GetContainerServices",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetBucketWebsite",
                "sns:ListTopics",
                "sns:ListSubscriptionsByTopic"
            ],
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "apigateway:GET",
            "Resource": "arn:aws:apigateway:*::/domainnames"
        }
    ]
}`

const amazonRDSEnhancedMonitoringRole = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "EnableCreationAndManagementOfRDSCloudwatchLogGroups",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:PutRetentionPolicy"
            ],
            "Resource": [
                "arn:aws:logs:*:*:log-group:RDS*"
            ]
        },
        {
            "Sid": "EnableCreationAndManagementOfRDSCloudwatchLogStreams",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents"
            ],
            "Resource": [
                "arn:aws:logs:*:*:log-group:RDS*:log-stream:*"
            ]
        }
    ]
}`

const amazonRDSServiceRolePolicy = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Ec2Networking",
            "Effect": "Allow",
            "Action": [
                "ec2:AllocateAddress",
                "ec2:AssignPrivateIpAddresses",
                "ec2:AssociateAddress",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:CreateNetworkInterface",
                "ec2:CreateSecurityGroup",
                "ec2:CreateVpcEndpoint",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteSecurityGroup",
                "ec2:DeleteVpcEndpoints",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeCoipPools",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeLocalGatewayRouteTablePermissions",
                "ec2:DescribeLocalGatewayRouteTables",
                "ec2:DescribeLocalGatewayRouteTableVpcAssociations",
                "ec2:DescribeLocalGateways",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcAttribute",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
                "ec2:DisassociateAddress",
                "ec2:ModifyNetworkInterfaceAttribute",
                "ec2:ModifyVpcEndpoint",
                "ec2:ReleaseAddress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:UnassignPrivateIpAddresses"
            ],
            "Resource": "*"
        },
        {
            "Sid": "Notifications",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": "*"
        },
        {
            "Sid": "LogGroups",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:PutRetentionPolicy"
            ],
            "Resource": "arn:aws:logs:*:*:log-group:/aws/rds/*"
        },
        {
            "Sid": "LogStreams",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents"
            ],
            "Resource": "arn:aws:logs:*:*:log-group:/aws/rds/*:log-stream:*"
        },
        {
            "Sid": "ActivityStreams",
            "Effect": "Allow",
            "Action": [
                "kinesis:CreateStream",
                "kinesis:PutRecord",
                "kinesis:PutRecords",
                "kinesis:DescribeStream",
                "kinesis:SplitShard",
                "kinesis:MergeShards",
                "kinesis:DeleteStream",
                "kinesis:UpdateShardCount"
            ],
            "Resource": "arn:aws:kinesis:*:*:stream/aws-rds-das-*"
        },
        {
            "Sid": "Metrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "cloudwatch:namespace": [
                        "AWS/DocDB",
                        "AWS/Neptune",
                        "AWS/RDS",
                        "AWS/Usage"
                    ]
                }
            }
        },
        {
            "Sid": "CrossRegionCommunication",
            "Effect": "Allow",
            "Action": "rds:CrossRegionCommunication",
            "Resource": "*"
        },
        {
            "Sid": "ManagedSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:PutSecretValue",
                "secretsmanager:RotateSecret",
                "secretsmanager:UpdateSecretVersionStage",
                "secretsmanager:TagResource",
                "secretsmanager:UntagResource"
            ],
            "Resource": "arn:aws:secretsmanager:*:*:secret:rds!*",
            "Condition": {
                "StringLike": {
                    "secretsmanager:ResourceTag/aws:secretsmanager:owningService": "rds"
                }
            }
        }
    ]
}`

// ARNs of the AWS managed policies the emulator uses by name.
const (
	AmazonRDSFullAccessARN             = "arn:aws:iam::aws:policy/AmazonRDSFullAccess"
	AmazonRoute53FullAccessARN         = "arn:aws:iam::aws:policy/AmazonRoute53FullAccess"
	AmazonRDSEnhancedMonitoringRoleARN = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
	AmazonRDSServiceRolePolicyARN      = "arn:aws:iam::aws:policy/aws-service-role/AmazonRDSServiceRolePolicy"
)

// awsManagedPolicies returns the built-in AWS managed policies. IDs are
// fixed emulator values of the real form (ANPA + 17), dates fixed.
func awsManagedPolicies() map[string]*ManagedPolicy {
	created := time.Date(2015, 2, 6, 18, 40, 0, 0, time.UTC)
	updated := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	list := []struct {
		name, path, id, desc, doc string
	}{
		{"AmazonRDSFullAccess", "/", "ANPAI3R4QMOG6Q5A4VWVG",
			"Provides full access to Amazon RDS via the AWS Management Console.", amazonRDSFullAccess},
		{"AmazonRoute53FullAccess", "/", "ANPAJWVDLG5RPST6PHQ3A",
			"Provides full access to all Amazon Route 53 via the AWS Management Console.", amazonRoute53FullAccess},
		{"AmazonRDSEnhancedMonitoringRole", "/service-role/", "ANPAJV7BS425S4PTSSVGK",
			"Provides access to Cloudwatch for RDS Enhanced Monitoring", amazonRDSEnhancedMonitoringRole},
		{"AmazonRDSServiceRolePolicy", "/aws-service-role/", "ANPAIPEU5ZOBJWKWHUKY4",
			"Allows Amazon RDS to manage AWS resources on your behalf", amazonRDSServiceRolePolicy},
	}
	out := map[string]*ManagedPolicy{}
	for _, p := range list {
		arn := "arn:aws:iam::aws:policy" + p.path + p.name
		out[arn] = &ManagedPolicy{
			ARN: arn, Name: p.name, Path: p.path, ID: p.id, Description: p.desc,
			Created: created, Updated: updated, DefaultVersion: "v1", NextVersion: 2,
			Versions:   map[string]*PolicyVersion{"v1": {Document: p.doc, Created: updated}},
			AWSManaged: true,
		}
	}
	return out
}

#!/usr/bin/env python3
"""Drive the emulator's CloudWatch with boto3: rpcservice_test.go runs it.

Usage: cloudwatch_boto3.py ENDPOINT_URL

Prints one JSON object: the protocol botocore chose, what GetMetricData
and DescribeAlarms returned, and the codes of the errors it caught.
Credentials and region come from the environment.
"""
import datetime
import json
import sys

import boto3
import botocore

UTC = datetime.timezone.utc


def main(endpoint):
    cw = boto3.client("cloudwatch", endpoint_url=endpoint,
                      config=botocore.config.Config(retries={"max_attempts": 1}))
    out = {"botocore": botocore.__version__}
    t0 = datetime.datetime(2026, 12, 5, 10, 1, 0, tzinfo=UTC)
    t1 = datetime.datetime(2026, 12, 5, 10, 2, 30, 250000, tzinfo=UTC)
    cw.put_metric_data(Namespace="globaldb/boto3", MetricData=[
        {"MetricName": "Healthy", "Dimensions": [{"Name": "Region", "Value": "ap-southeast-2"}],
         "Timestamp": t0, "Value": 1.0, "Unit": "Count"},
        {"MetricName": "Healthy", "Dimensions": [{"Name": "Region", "Value": "ap-southeast-2"}],
         "Timestamp": t1, "Value": 0.0, "Unit": "Count"},
    ])
    got = cw.get_metric_data(
        MetricDataQueries=[{"Id": "h", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "globaldb/boto3", "MetricName": "Healthy",
                       "Dimensions": [{"Name": "Region", "Value": "ap-southeast-2"}]},
            "Period": 60, "Stat": "Minimum"}}],
        StartTime=t0 - datetime.timedelta(minutes=5), EndTime=t1 + datetime.timedelta(minutes=5))
    res = got["MetricDataResults"][0]
    out["get_metric_data"] = {
        "Id": res["Id"], "StatusCode": res["StatusCode"], "Values": res["Values"],
        "Timestamps": [t.isoformat() for t in res["Timestamps"]],
        "TimestampsAware": all(t.tzinfo is not None for t in res["Timestamps"]),
    }
    alarms = cw.describe_alarms(AlarmNames=["orders-lag"])
    a = alarms["MetricAlarms"][0]
    out["describe_alarms"] = {
        "AlarmName": a["AlarmName"], "StateValue": a["StateValue"],
        "Dimensions": a["Dimensions"], "AlarmActions": a["AlarmActions"],
        "Threshold": a["Threshold"], "EvaluationPeriods": a["EvaluationPeriods"],
        "StateUpdatedTimestamp": a["StateUpdatedTimestamp"].isoformat(),
        "CompositeAlarms": len(alarms["CompositeAlarms"]),
    }
    errors = {}
    try:
        cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="test")
    except cw.exceptions.ResourceNotFound as e:
        errors["set_alarm_state"] = {"modeled": True, "code": e.response["Error"]["Code"],
                                     "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    except botocore.exceptions.ClientError as e:
        errors["set_alarm_state"] = {"modeled": False, "code": e.response["Error"]["Code"]}
    try:
        cw.put_metric_data(Namespace="AWS/RDS", MetricData=[{"MetricName": "x", "Value": 1.0}])
    except cw.exceptions.InvalidParameterValueException as e:
        errors["put_metric_data"] = {"modeled": True, "code": e.response["Error"]["Code"]}
    except botocore.exceptions.ClientError as e:
        errors["put_metric_data"] = {"modeled": False, "code": e.response["Error"]["Code"]}
    out["errors"] = errors
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Parse one emulator response with botocore's own parser, as the aws CLI does.

Usage: botoparse.py --serve, then lines "SERVICE OPERATION STATUS FILE";
each is answered with problem lines and "END <code>" (0 valid, 1 problems,
2 usage error), as tools/validate_shapes.py --serve does.

Checks, beyond tools/validate_*.py (which check the XML against the shapes):
botocore's parser for the service's protocol (query or rest-xml) parses the
body without raising; an error status yields a non-empty Error.Code; when
that code is one of the service's modeled errors with an httpStatusCode, the
response status is that one; a success status is 200 for the Query protocol.
"""
import sys

import botocore.parsers
import botocore.session

PARSERS = {"query": botocore.parsers.QueryParser, "rest-xml": botocore.parsers.RestXMLParser}
_models = {}
_statuses = {}


def model_of(service):
    if service not in _models:
        _models[service] = botocore.session.get_session().get_service_model(service)
    return _models[service]


def modeled_status(model, code):
    """The httpStatusCode of the modeled error with this code, or None."""
    key = model.service_name
    if key not in _statuses:
        statuses = {}
        for shape in model.error_shapes:
            err = shape.metadata.get("error") or {}
            statuses[err.get("code", shape.name)] = err.get("httpStatusCode")
        _statuses[key] = statuses
    return _statuses[key].get(code)


def check(service, op_name, status, path, out):
    try:
        model = model_of(service)
        op = model.operation_model(op_name)
        status = int(status)
        with open(path, "rb") as f:
            body = f.read()
    except Exception as e:  # unknown service/operation, bad status, unreadable file
        print(f"botoparse: {e}", file=out)
        return 2
    problems = []
    # Services that speak several protocols (CloudWatch: CBOR, JSON,
    # query) are sent here only for their XML (query) responses.
    protocol = model.metadata["protocol"]
    if protocol not in PARSERS and "query" in model.metadata.get("protocols", []):
        protocol = "query"
    parser = PARSERS[protocol]()
    try:
        parsed = parser.parse({"body": body, "headers": {}, "status_code": status}, op.output_shape)
    except Exception as e:  # botocore raising is exactly what we test for
        print(f"botocore: {type(parser).__name__} raised {type(e).__name__}: {e}", file=out)
        return 1
    if status >= 300:
        code = parsed.get("Error", {}).get("Code")
        if not code:
            problems.append(f"botocore: no error code in the {status} response: {parsed.get('Error')}")
        else:
            want = modeled_status(model, code)
            if want is not None and want != status:
                problems.append(f"status: {status} for modeled error {code}, want {want}")
    elif model.metadata["protocol"] == "query" and status != 200:
        problems.append(f"status: {status}, want 200")
    for p in problems:
        print(p, file=out)
    return 1 if problems else 0


def main():
    for line in sys.stdin:
        parts = line.split()
        code = check(*parts, sys.stdout) if len(parts) == 4 else 2
        print(f"END {code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

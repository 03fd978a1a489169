#!/usr/bin/env python3
"""Strictly validate one AWS REST-XML response body against botocore.

Usage: validate_restxml.py SERVICE OPERATION STATUS FILE.xml

For a success STATUS (2xx) the status must be the operation's
http.responseCode (else 200), and the body is checked against the output
shape with the same strict rules as validate_shapes.py (namespace, known
members only, list item element names, scalars that parse); members bound
to headers or the status code must not appear in the body. The root element
is not checked: botocore and the SDKs ignore its name.

For an error STATUS the body must be an <ErrorResponse> envelope or Route
53's <InvalidChangeBatch> (with Messages/Message items); in both cases
botocore's own RestXMLParser must find a non-empty Error Code in it.

Finally botocore's RestXMLParser must parse the response without raising.

Exit 0 when valid; otherwise print one problem per line and exit 1.
Exit 2 on usage errors (unknown service or operation, unreadable file).
"""
import os
import sys
import xml.etree.ElementTree as ET

import botocore.parsers
import botocore.session

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate_shapes import Validator, local, split_tag, validate_error  # noqa: E402


def body_members(shape):
    """Return a copy-like view of shape without non-body members."""
    return {
        name: m for name, m in shape.members.items()
        if m.serialization.get("location") in (None, "")
    }


def validate_success(v, op, status, root):
    want_status = op.http.get("responseCode", 200)
    if status != want_status:
        v.problem("status", f"{status}, want {want_status}")
    out = op.output_shape
    path = "/" + local(root)
    if out is None:
        for c in root:
            v.problem(f"{path}/{local(c)}", "operation has no output")
        return
    members = body_members(out)
    for child in root:
        tag = local(child)
        for name, m in out.members.items():
            loc = m.serialization.get("location")
            if loc and m.serialization.get("name", name) == tag:
                v.problem(f"{path}/{tag}", f"member bound to {loc} must not be in the body")
    # Validate against the structure restricted to body members.
    by_name = {m.serialization.get("name", n): m for n, m in members.items()}
    seen = set()
    for child in root:
        tag = local(child)
        member = by_name.get(tag)
        cpath = f"{path}/{tag}"
        if member is None:
            if not any(m.serialization.get("name", n) == tag for n, m in out.members.items()):
                v.problem(cpath, f"not a member of {out.name}")
            continue
        flat = member.type_name == "list" and member.serialization.get("flattened")
        if tag in seen and not flat:
            v.problem(cpath, "member repeated")
        seen.add(tag)
        v.value(child, member, cpath)


def validate_invalid_change_batch(v, root):
    path = "/InvalidChangeBatch"
    msgs = [c for c in root if local(c) == "Messages"]
    if len(msgs) != 1:
        v.problem(path, "must hold one Messages")
    else:
        items = list(msgs[0])
        if not items:
            v.problem(path + "/Messages", "must hold at least one Message")
        for i, c in enumerate(items, 1):
            if local(c) != "Message":
                v.problem(f"{path}/Messages/{local(c)}[{i}]", "list item element must be <Message>")
    ids = [c for c in root if local(c) == "RequestId"]
    if len(ids) != 1 or not (ids[0].text or "").strip():
        v.problem(path, "must hold one non-empty RequestId")


def botocore_parse(v, op, status, body, is_error):
    parser = botocore.parsers.RestXMLParser()
    response = {"body": body, "headers": {}, "status_code": status}
    try:
        parsed = parser.parse(response, op.output_shape)
    except Exception as e:  # botocore raising is exactly what we test for
        v.problem("botocore", f"RestXMLParser raised {type(e).__name__}: {e}")
        return
    if is_error and not parsed.get("Error", {}).get("Code"):
        v.problem("botocore", f"RestXMLParser finds no error code: {parsed.get('Error')}")


def validate(model, op_name, status, body):
    v = Validator()
    op = model.operation_model(op_name)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        v.problem("body", f"not well-formed XML: {e}")
        return v.problems
    ns, tag = split_tag(root.tag)
    want_ns = model.metadata.get("xmlNamespace") or (
        op.input_shape.serialization.get("xmlNamespace", {}).get("uri", "")
        if op.input_shape is not None else "")
    if want_ns and ns != want_ns:
        v.problem("/" + tag, f"namespace {ns!r}, want {want_ns!r}")
    is_error = status >= 300
    if is_error:
        if tag == "ErrorResponse":
            validate_error(v, root, model)
        elif tag == "InvalidChangeBatch":
            validate_invalid_change_batch(v, root)
        else:
            v.problem("/" + tag, "error root must be ErrorResponse or InvalidChangeBatch")
    else:
        validate_success(v, op, status, root)
    botocore_parse(v, op, status, body, is_error)
    return v.problems


def check(service, op_name, status, path, out):
    try:
        model = botocore.session.get_session().get_service_model(service)
        model.operation_model(op_name)
        status = int(status)
        with open(path, "rb") as f:
            body = f.read()
    except Exception as e:  # unknown service/operation, bad status, unreadable file
        print(f"validate_restxml: {e}", file=out)
        return 2
    problems = validate(model, op_name, status, body)
    for p in problems:
        print(p, file=out)
    return 1 if problems else 0


def serve():
    """--serve: read "SERVICE OPERATION STATUS FILE" lines, answer each
    with its problems and a line "END <code>" (botocore loads once)."""
    for line in sys.stdin:
        parts = line.split()
        code = check(*parts, sys.stdout) if len(parts) == 4 else 2
        print(f"END {code}", flush=True)
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--serve":
        return serve()
    if len(argv) != 5:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    service, op_name, status, path = argv[1:]
    try:
        model = botocore.session.get_session().get_service_model(service)
        model.operation_model(op_name)
        status = int(status)
        with open(path, "rb") as f:
            body = f.read()
    except Exception as e:  # unknown service/operation, bad status, unreadable file
        print(f"validate_restxml: {e}", file=sys.stderr)
        return 2
    problems = validate(model, op_name, status, body)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Strictly validate one AWS JSON or Smithy RPC v2 CBOR response body
against botocore.

Usage: validate_rpc.py PROTOCOL SERVICE OPERATION FILE

PROTOCOL is json or smithy-rpc-v2-cbor. FILE holds the raw response body.

A success body is checked against the operation's output shape: every key
is a known member (its serialized name), no nulls, every value of its
shape's type: strings, booleans, integers (not floats), doubles (numbers,
or "Infinity"/"-Infinity"/"NaN" in JSON), timestamps (JSON: epoch-second
numbers; CBOR: tag 1 holding a number), blobs (JSON: base64 text; CBOR:
byte strings), lists and maps; then botocore's own parser for the protocol
must read it. A body with "__type" is checked as an error: __type and
message are strings.

Exit 0 when valid; otherwise print one problem per line and exit 1.
Exit 2 on usage errors (unknown protocol, service or operation, unreadable
file).

validate_rpc.py --serve reads "PROTOCOL SERVICE OPERATION FILE" lines on
stdin and answers each with its problem lines followed by a line
"END <code>", so a test run pays botocore's start-up once.
"""
import base64
import binascii
import io
import json
import sys

import botocore.session
from botocore import parsers


class Timestamp:
    """A CBOR tag 1 value, kept apart from plain numbers."""

    def __init__(self, value):
        self.value = value


class RawCBOR(parsers.RpcV2CBORParser):
    """botocore's CBOR reader, keeping tag 1 visible."""

    def _parse_tag(self, stream, additional_info):
        tag = self._parse_unsigned_integer(stream, additional_info)
        value = self.parse_data_item(stream)
        if tag != 1:
            raise ValueError(f"CBOR tag {tag} is not a timestamp")
        return Timestamp(value)

    def read(self, body):
        stream = self.get_peekable_stream_from_bytes(body)
        item = self.parse_data_item(stream)
        if stream.read(1):
            raise ValueError("data after the CBOR data item")
        return item


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Validator:
    def __init__(self, protocol):
        self.cbor = protocol == "smithy-rpc-v2-cbor"
        self.problems = []

    def problem(self, path, msg):
        self.problems.append(f"{path}: {msg}")

    def key(self, name, member):
        if self.cbor:
            return name
        return member.serialization.get("name", name)

    def value(self, v, shape, path):
        kind = shape.type_name
        if v is None:
            self.problem(path, "null (nulls must be omitted)")
        elif kind == "structure":
            self.structure(v, shape, path)
        elif kind == "list":
            if not isinstance(v, list):
                self.problem(path, f"list is {type(v).__name__}")
                return
            for i, item in enumerate(v):
                self.value(item, shape.member, f"{path}[{i}]")
        elif kind == "map":
            if not isinstance(v, dict):
                self.problem(path, f"map is {type(v).__name__}")
                return
            for k, item in v.items():
                if not isinstance(k, str):
                    self.problem(path, f"map key {k!r} is not a string")
                self.value(item, shape.value, f"{path}[{k}]")
        else:
            self.scalar(v, shape, path)

    def scalar(self, v, shape, path):
        kind = shape.type_name
        ok = True
        if kind == "string":
            ok = isinstance(v, str)
        elif kind == "boolean":
            ok = isinstance(v, bool)
        elif kind in ("integer", "long"):
            ok = isinstance(v, int) and not isinstance(v, bool)
        elif kind in ("double", "float"):
            ok = is_number(v) or (not self.cbor and v in ("Infinity", "-Infinity", "NaN"))
        elif kind == "timestamp":
            if self.cbor:
                ok = isinstance(v, Timestamp) and is_number(v.value)
            else:
                ok = is_number(v)
        elif kind == "blob":
            if self.cbor:
                ok = isinstance(v, bytes)
            else:
                try:
                    ok = isinstance(v, str) and base64.b64decode(v, validate=True) is not None
                except binascii.Error:
                    ok = False
        if not ok:
            shown = v.value if isinstance(v, Timestamp) else v
            self.problem(path, f"{kind} {shown!r} ({type(v).__name__}) has the wrong wire type")

    def structure(self, v, shape, path):
        if not isinstance(v, dict):
            self.problem(path, f"structure is {type(v).__name__}")
            return
        by_key = {self.key(n, m): m for n, m in shape.members.items()}
        for k, item in v.items():
            member = by_key.get(k)
            if member is None:
                self.problem(f"{path}/{k}", f"not a member of {shape.name}")
                continue
            self.value(item, member, f"{path}/{k}")


def read_body(protocol, body):
    if protocol == "json":
        return json.loads(body.decode("utf-8")) if body else {}
    return RawCBOR().read(body) if body else {}


def check(protocol, service, op_name, path, out):
    if protocol not in ("json", "smithy-rpc-v2-cbor"):
        print(f"validate_rpc: unknown protocol {protocol}", file=out)
        return 2
    try:
        model = botocore.session.get_session().get_service_model(service)
        op = model.operation_model(op_name)
        with open(path, "rb") as f:
            body = f.read()
    except Exception as e:  # unknown service/operation, unreadable file
        print(f"validate_rpc: {e}", file=out)
        return 2
    try:
        doc = read_body(protocol, body)
    except Exception as e:
        print(f"{path}: not a well-formed {protocol} body: {e}", file=out)
        return 1
    v = Validator(protocol)
    if isinstance(doc, dict) and "__type" in doc:
        for name in ("__type", "message"):
            if not isinstance(doc.get(name), str):
                v.problem("/", f"error body needs a string {name}")
    elif op.output_shape is None:
        if doc:
            v.problem("/", "operation has no output")
    else:
        v.structure(doc, op.output_shape, "")
        if not v.problems:
            try:
                parser = parsers.create_parser(protocol)
                parser.parse({"status_code": 200, "headers": {}, "body": body}, op.output_shape)
            except Exception as e:
                v.problem("/", f"botocore's {protocol} parser rejects it: {e}")
    for p in v.problems:
        print(p, file=out)
    return 1 if v.problems else 0


def serve():
    for line in sys.stdin:
        parts = line.split()
        code = check(*parts, sys.stdout) if len(parts) == 4 else 2
        print(f"END {code}", flush=True)
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--serve":
        return serve()
    if len(argv) != 5:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    return check(*argv[1:], sys.stdout)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

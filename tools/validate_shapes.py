#!/usr/bin/env python3
"""Strictly validate one AWS Query-protocol XML response against botocore.

Usage: validate_shapes.py SERVICE OPERATION FILE.xml

Checks a success response (<OpResponse>) against the operation's output
shape: the namespace, the Result wrapper (when the model has one) and
ResponseMetadata/RequestId; every element is a known member with the right
list wrapper and member element names; scalars parse as their type
(booleans true/false, integers, doubles, ISO 8601 timestamps). An
<ErrorResponse> is checked for the error envelope instead.

Exit 0 when valid; otherwise print one problem per line and exit 1.
Exit 2 on usage errors (unknown service or operation, unreadable file).

validate_shapes.py --serve reads "SERVICE OPERATION FILE" lines on stdin
and answers each with its problem lines followed by a line "END <code>",
so a test run pays botocore's start-up once.
"""
import re
import sys
import xml.etree.ElementTree as ET

import botocore.session

ISO8601 = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)$")
INTEGER = re.compile(r"^-?\d+$")


def split_tag(tag):
    if tag.startswith("{"):
        ns, local = tag[1:].split("}", 1)
        return ns, local
    return "", tag


def local(el):
    return split_tag(el.tag)[1]


class Validator:
    def __init__(self):
        self.problems = []

    def problem(self, path, msg):
        self.problems.append(f"{path}: {msg}")

    def no_children(self, el, path):
        for child in el:
            self.problem(path, f"unexpected element <{local(child)}> in scalar")

    def no_text(self, el, path):
        if el.text and el.text.strip():
            self.problem(path, f"unexpected text {el.text.strip()!r}")

    def value(self, el, shape, path):
        kind = shape.type_name
        if kind == "structure":
            self.structure(el, shape, path)
        elif kind == "list":
            self.list(el, shape, path)
        elif kind == "map":
            self.map(el, shape, path)
        else:
            self.scalar(el, shape, path)

    def scalar(self, el, shape, path):
        self.no_children(el, path)
        text = el.text or ""
        kind = shape.type_name
        if kind == "boolean" and text not in ("true", "false"):
            self.problem(path, f"boolean {text!r} is not true/false")
        elif kind in ("integer", "long") and not INTEGER.match(text):
            self.problem(path, f"{kind} {text!r} does not parse")
        elif kind in ("double", "float"):
            try:
                float(text)
            except ValueError:
                self.problem(path, f"{kind} {text!r} does not parse")
        elif kind == "timestamp":
            fmt = shape.serialization.get("timestampFormat", "iso8601")
            if fmt == "iso8601" and not ISO8601.match(text):
                self.problem(path, f"timestamp {text!r} is not ISO 8601")

    def structure(self, el, shape, path):
        self.no_text(el, path)
        by_name = {}
        for name, member in shape.members.items():
            by_name[member.serialization.get("name", name)] = member
        seen = set()
        for child in el:
            tag = local(child)
            member = by_name.get(tag)
            cpath = f"{path}/{tag}"
            if member is None:
                self.problem(cpath, f"not a member of {shape.name}")
                continue
            flat = member.type_name == "list" and member.serialization.get("flattened")
            if tag in seen and not flat:
                self.problem(cpath, "member repeated")
            seen.add(tag)
            self.value(child, member, cpath)

    def list(self, el, shape, path):
        if shape.serialization.get("flattened"):
            self.value(el, shape.member, path)
            return
        self.no_text(el, path)
        want = shape.member.serialization.get("name", "member")
        for i, child in enumerate(el, 1):
            cpath = f"{path}/{local(child)}[{i}]"
            if local(child) != want:
                self.problem(cpath, f"list item element must be <{want}>")
                continue
            self.value(child, shape.member, cpath)

    def map(self, el, shape, path):
        self.no_text(el, path)
        kname = shape.key.serialization.get("name", "key")
        vname = shape.value.serialization.get("name", "value")
        for i, entry in enumerate(el, 1):
            epath = f"{path}/{local(entry)}[{i}]"
            if local(entry) != "entry":
                self.problem(epath, "map item element must be <entry>")
                continue
            tags = [local(c) for c in entry]
            if sorted(tags) != sorted([kname, vname]):
                self.problem(epath, f"entry must hold <{kname}> and <{vname}>, has {tags}")
                continue
            for c in entry:
                sub = shape.key if local(c) == kname else shape.value
                self.value(c, sub, f"{epath}/{local(c)}")


def check_metadata(v, el, path):
    if el is None:
        v.problem(path, "missing ResponseMetadata")
        return
    ids = [c for c in el if local(c) == "RequestId"]
    if len(ids) != 1 or not (ids[0].text or "").strip():
        v.problem(path + "/ResponseMetadata", "must hold one non-empty RequestId")


def validate_error(v, root, model):
    path = "/ErrorResponse"
    errors = [c for c in root if local(c) == "Error"]
    if len(errors) != 1:
        v.problem(path, "must hold one Error")
        return
    fields = {local(c): (c.text or "") for c in errors[0]}
    if fields.get("Type") not in ("Sender", "Receiver"):
        v.problem(path + "/Error/Type", "must be Sender or Receiver")
    for name in ("Code", "Message"):
        if name not in fields:
            v.problem(path + "/Error", f"missing {name}")
    ids = [c for c in root if local(c) == "RequestId"]
    if len(ids) != 1 or not (ids[0].text or "").strip():
        v.problem(path, "must hold one non-empty RequestId")


def validate(model, op_name, root):
    v = Validator()
    ns, tag = split_tag(root.tag)
    want_ns = model.metadata.get("xmlNamespace", "")
    if want_ns and ns != want_ns:
        v.problem("/" + tag, f"namespace {ns!r}, want {want_ns!r}")
    if tag == "ErrorResponse":
        validate_error(v, root, model)
        return v.problems
    if tag != op_name + "Response":
        v.problem("/" + tag, f"root element must be <{op_name}Response>")
        return v.problems
    op = model.operation_model(op_name)
    out = op.output_shape
    wrapper = out.serialization.get("resultWrapper") if out is not None else None
    path = "/" + tag
    children = list(root)
    meta = [c for c in children if local(c) == "ResponseMetadata"]
    rest = [c for c in children if local(c) != "ResponseMetadata"]
    check_metadata(v, meta[0] if len(meta) == 1 else None, path)
    if out is None:
        for c in rest:
            v.problem(f"{path}/{local(c)}", "operation has no output")
    elif wrapper:
        if len(rest) != 1 or local(rest[0]) != wrapper:
            v.problem(path, f"must hold exactly one <{wrapper}> besides ResponseMetadata")
        else:
            v.structure(rest[0], out, f"{path}/{wrapper}")
    else:
        fake = ET.Element(root.tag)
        fake.extend(rest)
        v.structure(fake, out, path)
    return v.problems


def check(service, op_name, path, out):
    try:
        model = botocore.session.get_session().get_service_model(service)
        model.operation_model(op_name)
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        print(f"{path}: not well-formed XML: {e}", file=out)
        return 1
    except Exception as e:  # unknown service/operation, unreadable file
        print(f"validate_shapes: {e}", file=out)
        return 2
    problems = validate(model, op_name, root)
    for p in problems:
        print(p, file=out)
    return 1 if problems else 0


def serve():
    for line in sys.stdin:
        parts = line.split()
        code = check(*parts, sys.stdout) if len(parts) == 3 else 2
        print(f"END {code}", flush=True)
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--serve":
        return serve()
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    service, op_name, path = argv[1:]
    try:
        model = botocore.session.get_session().get_service_model(service)
        model.operation_model(op_name)
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        print(f"{path}: not well-formed XML: {e}")
        return 1
    except Exception as e:  # unknown service/operation, unreadable file
        print(f"validate_shapes: {e}", file=sys.stderr)
        return 2
    problems = validate(model, op_name, root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

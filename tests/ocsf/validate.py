#!/usr/bin/env python3
"""Validates hookwall's OCSF events against the official OCSF 1.5.0 schema.

Run by scripts/test.sh, after scripts/setup-ocsf.sh and examples/ocsf_dump.rs:

    cargo run --example ocsf_dump -- target/ocsf
    .tools/ocsf-venv/bin/python tests/ocsf/validate.py target/ocsf

Each event (OUT/<dir>/<name>.json, and <name>.raw.json with raw_data) is checked twice, both from
the schema that pydantic-ocsf ships (ocsf/schemas/v1_5_0.json), never from a list of our own:

- pydantic-ocsf's model of the class its class_uid names, in strict mode: required attributes,
  types (no "1" for 1), enum values, id/caption pairs (severity_id and severity...), and that
  category_uid, class_uid and type_uid fit the class;
- a pass over the raw schema for what the models let through: every attribute, at every depth, is
  one the class or object declares (the models allow extras; only `unmapped` is free-form), every
  attribute the schema requires is present (the models fill in type_uid), the schema's
  at_least_one/just_one constraints hold, and type_uid is class_uid * 100 + activity_id for the
  Base Event too (which the models leave unchecked).

Then per file: metadata.version is 1.5.0; raw_data is absent by default, and when asked for it is
the payload hookwall forwards (the golden CloudEvent's data.payload, secrets redacted).

Negative self-test: mutations of valid events (a required attribute dropped, a uid made
inconsistent, a value of the wrong type, an unknown attribute, an out-of-range enum, a broken
constraint) must each be refused; a check that lets one through fails the run.
"""

import copy
import json
import sys
from importlib import resources
from pathlib import Path

import ocsf.v1_5_0
from ocsf.v1_5_0 import events as models

VERSION = "1.5.0"
ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads(
    resources.files("ocsf").joinpath("schemas/v1_5_0.json").read_text(encoding="utf-8")
)
DICTIONARY = SCHEMA["dictionary"]["attributes"]
CATEGORIES = {name: c["uid"] for name, c in SCHEMA["categories_meta"]["attributes"].items()}


def category_of(name):
    """The category uid of an event class, following `extends`; 0 for the Base Event."""
    spec = SCHEMA["events"][name]
    if spec.get("category") in CATEGORIES:
        return CATEGORIES[spec["category"]]
    parent = spec.get("extends")
    return category_of(parent) if parent in SCHEMA["events"] else 0


def class_uids():
    """class_uid -> event class name: category * 1000 + the class's number in it."""
    out = {0: "base_event"}
    for name, spec in SCHEMA["events"].items():
        if "uid" in spec:
            out[category_of(name) * 1000 + spec["uid"]] = name
    return out


CLASSES = class_uids()
MODELS = {}


def model_of(name):
    """pydantic-ocsf's model of an event class. Models are built on first use; their forward
    references resolve once every model they use is built, hence rebuild_all after each."""
    if name not in MODELS:
        MODELS[name] = getattr(models, "".join(part.capitalize() for part in name.split("_")))
        ocsf.v1_5_0.rebuild_all()
    return MODELS[name]


def attributes(kind, name):
    """A class's or object's attributes, inherited ones included, merged with the dictionary."""
    spec = SCHEMA[kind][name]
    parent = spec.get("extends")
    out = dict(attributes(kind, parent)) if parent in SCHEMA[kind] else {}
    for attr, local in spec.get("attributes", {}).items():
        if not attr.startswith("$"):
            out[attr] = {**DICTIONARY.get(attr, {}), **out.get(attr, {}), **local}
    return out


def constraints(kind, name):
    spec = SCHEMA[kind][name]
    if "constraints" in spec:
        return spec["constraints"]
    parent = spec.get("extends")
    return constraints(kind, parent) if parent in SCHEMA[kind] else {}


def lookup(value, dotted):
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def check_shape(value, kind, name, path, problems):
    """Unknown attributes, missing required ones and broken constraints, at every depth."""
    if not isinstance(value, dict):
        return  # the model reports the type
    declared = attributes(kind, name)
    for attr, spec in declared.items():
        if spec.get("requirement") == "required" and attr not in value:
            problems.append(f"{path}{attr}: required by {name}, missing")
    for rule, attrs in constraints(kind, name).items():
        present = sum(lookup(value, a) is not None for a in attrs)
        if (rule == "at_least_one" and present < 1) or (rule == "just_one" and present != 1):
            problems.append(f"{path.rstrip('.') or name}: {rule} of {attrs}, has {present}")
    for attr, item in value.items():
        spec = declared.get(attr)
        if spec is None:
            problems.append(f"{path}{attr}: not an attribute of {name}")
            continue
        child = spec.get("object_type") or spec.get("type")
        if child not in SCHEMA["objects"] or child == "object":
            continue  # a scalar (the model checks it) or free-form (unmapped)
        for i, element in enumerate(item if spec.get("is_array") and isinstance(item, list) else [item]):
            where = f"{path}{attr}[{i}]." if spec.get("is_array") else f"{path}{attr}."
            check_shape(element, "objects", child, where, problems)


def problems_of(event):
    """Everything wrong with one OCSF event, as messages; empty when it is valid."""
    if not isinstance(event, dict):
        return ["not a JSON object"]
    name = CLASSES.get(event.get("class_uid"))
    if name is None:
        return [f"class_uid {event.get('class_uid')!r} names no OCSF {VERSION} class"]
    problems = []
    try:
        model_of(name).model_validate_json(json.dumps(event), strict=True)
    except ValueError as e:  # pydantic's ValidationError
        problems.append(str(e))
    check_shape(event, "events", name, "", problems)
    if event.get("category_uid") != category_of(name):
        problems.append(f"category_uid {event.get('category_uid')!r}: {name} is in {category_of(name)}")
    activity = event.get("activity_id")
    if isinstance(activity, int) and event.get("type_uid") != event["class_uid"] * 100 + activity:
        problems.append(f"type_uid {event.get('type_uid')!r} is not class_uid * 100 + activity_id")
    if lookup(event, "metadata.version") != VERSION:
        problems.append(f"metadata.version {lookup(event, 'metadata.version')!r}, not {VERSION}")
    return problems


def golden_payload(directory, stem):
    """The payload hookwall forwards for a fixture: its golden CloudEvent's data.payload."""
    golden = ROOT / "fixtures" / "expected" / directory / f"{stem}.json"
    return json.loads(golden.read_text(encoding="utf-8"))["data"]["payload"]


def check_file(path):
    event = json.loads(path.read_text(encoding="utf-8"))
    problems = problems_of(event)
    directory, raw = path.parent.name, path.name.endswith(".raw.json")
    stem = path.name.removesuffix(".raw.json" if raw else ".json")
    if not raw and "raw_data" in event:
        problems.append("raw_data present though not asked for")
    if raw:
        try:
            if json.loads(event["raw_data"]) != golden_payload(directory, stem):
                problems.append("raw_data is not the forwarded (redacted) payload")
        except (KeyError, TypeError, ValueError) as e:
            problems.append(f"raw_data: {e!r}")
    return event, problems


# Mutations of a valid event that a correct check must refuse: (what, class it applies to, edit).
def drop(*path):
    def edit(event):
        parent = lookup(event, ".".join(path[:-1])) if len(path) > 1 else event
        del parent[path[-1]]
    return edit


def put(value, *path):
    def edit(event):
        parent = lookup(event, ".".join(path[:-1])) if len(path) > 1 else event
        parent[path[-1]] = value
    return edit


MUTATIONS = [
    ("a required attribute dropped: time", None, drop("time")),
    ("a required attribute dropped: type_uid", None, drop("type_uid")),
    ("a required attribute dropped: metadata.product", None, drop("metadata", "product")),
    ("a required attribute dropped: finding_info", 2004, drop("finding_info")),
    ("a required attribute dropped: finding_info.uid", 2004, drop("finding_info", "uid")),
    ("a required attribute dropped: user", 3001, drop("user")),
    ("a required attribute dropped: app", 6002, drop("app")),
    ("a required attribute dropped: entity", 3004, drop("entity")),
    ("class_uid inconsistent with category_uid", 2004, put(3001, "class_uid")),
    ("category_uid inconsistent with class_uid", None, put(4, "category_uid")),
    ("type_uid inconsistent with class_uid and activity_id", None, lambda e: e.update(type_uid=e["type_uid"] + 1)),
    ("Base Event's type_uid inconsistent", 0, put(42, "type_uid")),
    ("an activity the class does not have", 2004, lambda e: e.update(activity_id=4, type_uid=200404)),
    ("wrong type: time as text", None, lambda e: e.update(time=str(e["time"]))),
    ("wrong type: severity_id as text", None, lambda e: e.update(severity_id=str(e["severity_id"]))),
    ("wrong type: message as a number", None, put(1, "message")),
    ("wrong type: is_alert as text", 2004, put("true", "is_alert")),
    ("wrong type: finding_info.types as a string", 2004, put("alert", "finding_info", "types")),
    ("wrong type: metadata.uid as a number", None, put(1, "metadata", "uid")),
    ("severity_id out of range", None, put(7, "severity_id")),
    ("severity_id inconsistent with severity", None, lambda e: e.update(severity="Critical" if e["severity_id"] != 5 else "Low")),
    ("an unknown attribute", None, put("x", "hookwall_extra")),
    ("an unknown attribute in metadata", None, put("x", "metadata", "extra")),
    ("an attribute of another class", 2004, put({"name": "x"}, "user")),
    ("a broken constraint: an empty evidence", 2004, put([{}], "evidences")),
    ("a broken constraint: a user with neither name nor uid", 3001, put({}, "user")),
    ("metadata.version of another OCSF version", None, put("1.4.0", "metadata", "version")),
]


def self_test(valid):
    """Each mutation, applied to each valid event of its class, must be refused."""
    failures, applied = [], 0
    for what, class_uid, edit in MUTATIONS:
        targets = [e for e in valid if class_uid is None or e["class_uid"] == class_uid]
        if not targets:
            failures.append(f"no valid event of class {class_uid} to mutate for: {what}")
        for event in targets:
            broken = copy.deepcopy(event)
            edit(broken)
            applied += 1
            if not problems_of(broken):
                failures.append(f"accepted ({what}): {event['metadata']['event_code']}")
    return failures, applied


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: validate.py OUT_DIR (written by `cargo run --example ocsf_dump -- OUT_DIR`)")
    files = sorted(Path(sys.argv[1]).glob("*/*.json"))
    if not files:
        sys.exit(f"validate.py: no OCSF events in {sys.argv[1]}")
    failures, valid = [], []
    for path in files:
        event, problems = check_file(path)
        failures += [f"{path}: {p}" for p in problems]
        if not problems:
            valid.append(event)
    classes = sorted({e["class_uid"] for e in valid})
    refused, applied = self_test(valid)
    failures += [f"self-test: {f}" for f in refused]
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"{len(files)} OCSF events valid against OCSF {VERSION} (classes {classes}); "
          f"{applied} broken copies refused")


if __name__ == "__main__":
    main()

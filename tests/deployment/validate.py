#!/usr/bin/env python3
"""Validates the deployment files against Envoy's and Istio's official schemas.

Run by scripts/test.sh, after scripts/setup-deployment.sh, with the venv's Python:

    .tools/deployment-venv/bin/python tests/deployment/validate.py [-v]

- envoy/envoy.yaml is read as Envoy's v3 Bootstrap with envoy-data-plane (Envoy's data-plane-api
  protos as Python dataclasses). Every typed_config (an Any) is read as the message its "@type"
  names, whose module is imported first, so that the HTTP connection manager, the Wasm filter, the
  router and the StringValue inside are all checked, at any depth. The parser refuses unknown
  fields, wrong enums and out-of-range numbers; a round trip (the parsed message written back) then
  catches what it lets through silently: a member it dropped (a StringValue's unknown keys) or a
  scalar of the wrong type (a string where a bool goes).
- The Istio resources (envoy/istio/*.yaml) go through tests/deployment/istio.mjs: the validators
  that @kubernetes-models/istio generates from Istio's CRDs, plus a strict pass that refuses fields
  the CRDs do not declare. The free-form parts (x-kubernetes-preserve-unknown-fields) must be the
  expected ones: a WasmPlugin's pluginConfig (hookwall's own configuration, checked by
  envoy/tests/deployment.rs) and an EnvoyFilter's patch.value, which is Envoy configuration and is
  read here with envoy-data-plane as the type its applyTo names (HTTP_FILTER: an HttpFilter).
- In every file, the plugin JSON's "allow_on_headers_stop_iteration" must equal the Wasm
  PluginConfig's (a WasmPlugin cannot set the PluginConfig's, so its plugin JSON must not either),
  and the JSON between the "# plugin-config-begin"/"-end" markers must be the plugin JSON.
- Negative self-test: for every field of every file (outside hookwall's own configuration and
  label maps), a copy of the file with that field misspelled (one letter dropped), a copy with the
  field moved up into its parent, and for every object a copy with an unknown field added, must
  each be refused. A validator that lets one through fails the run.
"""

import copy
import importlib
import json
import subprocess
import sys
from pathlib import Path

import betterproto2
import yaml
from envoy_data_plane.envoy.config.bootstrap.v3 import Bootstrap
from envoy_data_plane.envoy.extensions.filters.network.http_connection_manager.v3 import HttpFilter
from envoy_data_plane.google.protobuf import Any as AnyMessage  # noqa: F401 (registers WKTs)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ENVOY_FILES = ["envoy/envoy.yaml"]
ISTIO_FILES = ["envoy/istio/wasmplugin.yaml", "envoy/istio/envoyfilter.yaml", "envoy/istio/access.yaml"]

# The Envoy message an EnvoyFilter patch value is, by applyTo (only those the files use).
PATCH_TYPES = {"HTTP_FILTER": HttpFilter}

# Where a resource may hold free-form content, by kind (see the module doc).
FREE_FORM = {
    "WasmPlugin": lambda r: {"spec.pluginConfig"},
    "EnvoyFilter": lambda r: {f"spec.configPatches[{i}].patch.value" for i, p in
                              enumerate(r["spec"]["configPatches"]) if "value" in p.get("patch", {})},
}

VERBOSE = "-v" in sys.argv[1:]


# ---------------------------------------------------------------------------------------------
# Envoy


def type_urls(node):
    """Every "@type" under node."""
    if isinstance(node, dict):
        if isinstance(node.get("@type"), str):
            yield node["@type"]
        for value in node.values():
            yield from type_urls(value)
    elif isinstance(node, list):
        for value in node:
            yield from type_urls(value)


def import_types(doc):
    """Imports the module of every Any type in doc, so the parser knows (and checks) it."""
    errors = []
    for url in set(type_urls(doc)):
        package = url.removeprefix("type.googleapis.com/").rpartition(".")[0]
        try:
            importlib.import_module(f"envoy_data_plane.{package}")
        except ImportError:
            errors.append(f"@type {url}: no such Envoy API package")
    return errors


def same_shape(given, parsed, path):
    """What the parser silently dropped or coerced: given is the file's, parsed the round trip's."""
    where = path or "(root)"
    if isinstance(given, dict):
        if not isinstance(parsed, dict):
            return [f"{where}: an object where the schema has {type(parsed).__name__}"]
        errors = []
        for key, value in given.items():
            snake = betterproto2.casing.snake_case(key) if key != "@type" else key
            name = key if key in parsed else snake
            if name not in parsed:
                errors.append(f"{path}.{key}: not a field of the schema here (the parser dropped it)")
            else:
                errors += same_shape(value, parsed[name], f"{path}.{key}" if path else key)
        return errors
    if isinstance(given, list):
        if not isinstance(parsed, list) or len(parsed) != len(given):
            return [f"{where}: a list where the schema has {type(parsed).__name__}"]
        return [e for i, (g, p) in enumerate(zip(given, parsed)) for e in same_shape(g, p, f"{path}[{i}]")]
    if isinstance(parsed, bool) != isinstance(given, bool):
        return [f"{where}: {given!r} where the schema has a {type(parsed).__name__}"]
    if isinstance(parsed, (dict, list)):
        return [f"{where}: {given!r} where the schema has a {type(parsed).__name__}"]
    if isinstance(given, str) and not isinstance(parsed, str):
        try:
            ok = float(given) == float(parsed)
        except ValueError:
            ok = False
        if not ok:
            return [f"{where}: {given!r} where the schema has a number"]
    if isinstance(parsed, str) and isinstance(given, (int, float)) and str(given) != parsed:
        return [f"{where}: {given!r} where the schema has a string"]
    return []


def envoy_errors(message_type, doc, path=""):
    """Errors of doc read as message_type (an envoy-data-plane message class)."""
    errors = import_types(doc)
    if errors:
        return errors
    try:
        message = message_type().from_dict(doc)
    except Exception as e:  # the parser's refusals: KeyError, ValueError, TypeError, pydantic's
        text = " ".join(str(e).split())
        return [f"{path or message_type.__name__}: {type(e).__name__}: {text[:300]}"]
    parsed = message.to_dict(casing=betterproto2.Casing.SNAKE, include_default_values=True)
    return same_shape(doc, parsed, path)


# ---------------------------------------------------------------------------------------------
# Istio


def istio_results(resources):
    """istio.mjs's verdict on each resource: {"errors": [...], "free_form": [...]}."""
    run = subprocess.run(["node", str(HERE / "istio.mjs")], input=json.dumps(resources),
                         capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"istio.mjs failed:\n{run.stderr}")
    return json.loads(run.stdout)


def get(doc, path):
    """The value at a path like spec.configPatches[0].patch.value."""
    node = doc
    for part in path.replace("[", ".[").split("."):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node


def istio_errors(resource, result):
    errors = list(result["errors"])
    kind = resource.get("kind")
    expected = FREE_FORM.get(kind, lambda r: set())(resource) if not errors else set(result["free_form"])
    if set(result["free_form"]) != expected:
        errors.append(f"free-form parts {sorted(result['free_form'])}, expected {sorted(expected)}")
    if kind == "EnvoyFilter" and not errors:
        for i, patch in enumerate(resource["spec"]["configPatches"]):
            value = patch.get("patch", {}).get("value")
            if value is None:
                continue
            message_type = PATCH_TYPES.get(patch.get("applyTo"))
            if message_type is None:
                errors.append(f"spec.configPatches[{i}]: no Envoy type for applyTo {patch.get('applyTo')}")
                continue
            errors += envoy_errors(message_type, value, f"spec.configPatches[{i}].patch.value")
    return errors


# ---------------------------------------------------------------------------------------------
# The plugin configuration's allow_on_headers_stop_iteration, against the PluginConfig's


def plugin_configs(node):
    """Every Wasm PluginConfig under node (an object with vm_config and configuration)."""
    if isinstance(node, dict):
        if "vm_config" in node and "configuration" in node:
            yield node
        for value in node.values():
            yield from plugin_configs(value)
    elif isinstance(node, list):
        for value in node:
            yield from plugin_configs(value)


def marked_json(text):
    """The JSON between the plugin-config markers, as envoy/tests/deployment.rs extracts it."""
    block = text[text.index("# plugin-config-begin"):text.index("# plugin-config-end")]
    start = block.index("{")
    lines = block[start:].splitlines()
    return json.loads("\n".join(lines))


def consistency_errors(name, text, docs):
    errors = []
    plugin_jsons = []
    for doc in docs:
        if doc.get("kind") == "WasmPlugin":
            plugin = doc["spec"]["pluginConfig"]
            plugin_jsons.append(plugin)
            if plugin.get("allow_on_headers_stop_iteration", False):
                errors.append("a WasmPlugin cannot set PluginConfig.allow_on_headers_stop_iteration: "
                              "its plugin JSON must not claim it")
            continue
        for config in plugin_configs(doc):
            plugin = json.loads(config["configuration"]["value"])
            plugin_jsons.append(plugin)
            envoy_side = bool(config.get("allow_on_headers_stop_iteration", False))
            plugin_side = plugin.get("allow_on_headers_stop_iteration", False)
            if plugin_side != envoy_side:
                errors.append(f"plugin JSON says allow_on_headers_stop_iteration {plugin_side}, "
                              f"the PluginConfig {envoy_side}")
    if plugin_jsons:
        if len(plugin_jsons) != 1:
            errors.append(f"{len(plugin_jsons)} plugin configurations; the markers can hold one")
        elif marked_json(text) != plugin_jsons[0]:
            errors.append("the JSON between the plugin-config markers is not the plugin configuration")
    return errors


# ---------------------------------------------------------------------------------------------
# The files, and their mutations


def load(name):
    text = (ROOT / name).read_text()
    return text, [doc for doc in yaml.safe_load_all(text) if doc is not None]


def check_envoy_doc(doc):
    return envoy_errors(Bootstrap, doc)


def keys(node, path=()):
    """(path, key) of every object member under node."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key
            yield from keys(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from keys(value, path + (i,))


def at(doc, path):
    for part in path:
        doc = doc[part]
    return doc


def dotted(path, key):
    out = ""
    for part in (*path, key):
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def misspell(key):
    """The key with one letter dropped (the middle one), e.g. failStrategy -> failStrtegy."""
    i = len(key) // 2
    return key[:i] + key[i + 1:] if len(key) > 1 else key + key


def objects(node, path=()):
    """The path of every object under node, node included."""
    if isinstance(node, dict):
        yield path
        for key, value in node.items():
            yield from objects(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from objects(value, path + (i,))


def mutations(doc, skip):
    """(description, mutated copy) pairs: each member misspelled, each moved into its parent, and
    an unknown member added to each object."""
    out = []
    skipped = lambda where: any(where == s or where.startswith(s + ".") or where.startswith(s + "[")
                                for s in skip)
    for path in objects(doc):
        where = dotted(path[:-1], path[-1]) if path else ""
        if skipped(where):
            continue
        mutated = copy.deepcopy(doc)
        at(mutated, path)["unknown_field"] = True
        out.append((f"an unknown field added to {where or '(root)'}", mutated))
    for path, key in keys(doc):
        where = dotted(path, key)
        if any(where.startswith(s + ".") or where.startswith(s + "[") for s in skip):
            continue
        parent = at(doc, path)
        wrong = misspell(key)
        if wrong not in parent:
            mutated = copy.deepcopy(doc)
            node = at(mutated, path)
            node[wrong] = node.pop(key)
            out.append((f"{where} misspelled {wrong}", mutated))
        # Moved up: into the nearest enclosing object. Not "name": most objects of both schemas
        # have one (a filter chain and its filters, a filter chain match and its filter match).
        up = path[:-1]
        while up and isinstance(at(doc, up), list):
            up = up[:-1]
        if path and key != "name" and isinstance(at(doc, up), dict) and key not in at(doc, up):
            mutated = copy.deepcopy(doc)
            value = at(mutated, path).pop(key)
            at(mutated, up)[key] = value
            out.append((f"{where} moved up to {dotted(up, key)}", mutated))
    return out


NAMED = [
    # (file, path to the object, key, wrong key): the misspellings a reviewer asked for by name.
    ("envoy/envoy.yaml", ("static_resources", "listeners", 0, "filter_chains", 0, "filters", 0,
                          "typed_config", "http_filters", 0, "typed_config", "config"),
     "allow_on_headers_stop_iteration", "allow_on_header_stop_iteration"),
    ("envoy/envoy.yaml", ("static_resources", "listeners", 0, "filter_chains", 0, "filters", 0,
                          "typed_config"), "use_remote_address", "use_remote_adress"),
    ("envoy/istio/wasmplugin.yaml", ("spec",), "failStrategy", "failStrateg"),
    ("envoy/istio/envoyfilter.yaml", ("spec", "configPatches", 0, "patch", "value", "typed_config",
                                      "config"), "allow_on_headers_stop_iteration",
     "allow_on_header_stop_iteration"),
]


def main():
    failures = []
    files = {name: load(name) for name in ENVOY_FILES + ISTIO_FILES}

    # The files as they are.
    istio_docs = [(name, doc) for name in ISTIO_FILES for doc in files[name][1]]
    results = istio_results([doc for _, doc in istio_docs])
    istio_verdict = {}
    for (name, doc), result in zip(istio_docs, results):
        errors = istio_errors(doc, result)
        istio_verdict[id(doc)] = result
        failures += [f"{name}: {doc.get('kind')} {e}" for e in errors]
    for name in ENVOY_FILES:
        for doc in files[name][1]:
            failures += [f"{name}: {e}" for e in check_envoy_doc(doc)]
    for name, (text, docs) in files.items():
        failures += [f"{name}: {e}" for e in consistency_errors(name, text, docs)]
    for name, (_, docs) in files.items():
        types = sorted({url.rpartition(".")[2] for doc in docs for url in type_urls(doc)})
        kinds = ", ".join(doc.get("kind", "Bootstrap") for doc in docs)
        print(f"  {name}: {kinds}" + (f" (typed configs: {', '.join(types)})" if types else ""))
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)

    # Every field misspelled, every field moved up: each copy must be refused.
    cases = []  # (file, description, kind, doc)
    for name in ENVOY_FILES:
        for doc in files[name][1]:
            cases += [(name, d, "envoy", m) for d, m in mutations(doc, skip=())]
    for name, doc in istio_docs:
        # hookwall's own configuration is checked by envoy/tests/deployment.rs, not by a schema;
        # label and annotation maps take any key.
        result = istio_verdict[id(doc)]
        skip = {p for p in result["free_form"] if doc.get("kind") != "EnvoyFilter"} | set(result["maps"])
        cases += [(name, d, "istio", m) for d, m in mutations(doc, skip)]
    for name, path, key, wrong in NAMED:
        for doc in files[name][1]:
            try:
                node = at(copy.deepcopy(doc), ())
                target = at(node, path)
            except (KeyError, IndexError, TypeError):
                continue
            if key not in target:
                failures.append(f"{name}: {dotted(path, key)} is missing (named mutation)")
                continue
            target[wrong] = target.pop(key)
            description = f"{dotted(path, key)} misspelled {wrong}"
            if not any(c[0] == name and c[1] == description for c in cases):
                cases.append((name, description, "istio" if name in ISTIO_FILES else "envoy", node))

    istio_cases = [c for c in cases if c[2] == "istio"]
    istio_out = istio_results([c[3] for c in istio_cases]) if istio_cases else []
    verdicts = {}
    for case, result in zip(istio_cases, istio_out):
        verdicts[id(case)] = istio_errors(case[3], result)
    for case in cases:
        if case[2] == "envoy":
            verdicts[id(case)] = check_envoy_doc(case[3])
    accepted = [c for c in cases if not verdicts[id(c)]]
    for name, description, _, _ in accepted:
        failures.append(f"{name}: a copy with {description} was accepted")
    for case in cases:
        if VERBOSE or case[1].endswith(tuple(w for *_, w in NAMED)):
            errors = verdicts[id(case)]
            if errors:
                print(f"  refused, as it must be: {case[0]} with {case[1]}: {errors[0]}")
    print(f"  {len(cases)} mutated copies (each field misspelled, each moved up, an unknown one added "
          f"to each object): "
          f"{len(cases) - len(accepted)} refused", flush=True)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

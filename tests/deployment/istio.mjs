// Validates Istio custom resources against the schemas of Istio's CRDs, as packaged by
// @kubernetes-models/istio (validators generated from Istio's crd-all.gen.yaml; the version is
// pinned in package.json). Called by validate.py: reads a JSON array of resources on stdin and
// prints, for each, {"errors": [...], "free_form": [...], "maps": [...]} (the paths of the objects
// the schema leaves free-form, and of those it reads as maps: labels and the like).
//
// Two passes over each resource:
// 1. The package's own validation: required fields, types, enums, formats and the CRDs' CEL-free
//    constraints. It does not refuse unknown fields (a CRD's structural schema prunes them
//    instead), so a misspelled field would pass silently.
// 2. A strict pass, as `kubectl apply --validate=strict` does: every field of the resource must be
//    one the schema declares. The package ships its schemas compiled into validator functions,
//    not as JSON, so the strict pass watches the compiled validator run: each object of the
//    resource is wrapped in a Proxy that records which members the validator looks up. A
//    validator looks up every property its schema declares (allErrors mode), enumerates the keys
//    of a map (additionalProperties), and looks at nothing inside an object whose schema declares
//    no properties (x-kubernetes-preserve-unknown-fields). So: a key the validator never looked
//    up, in an object that is neither a map nor free-form, is unknown to the schema. Free-form
//    objects are reported back (validate.py checks that only the expected ones are, and validates
//    their content itself).

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "node_modules", "@kubernetes-models", "istio");

// apiVersion/kind -> [model module, compiled schema module] inside the package.
const RESOURCES = {
  "extensions.istio.io/v1alpha1/WasmPlugin": [
    "extensions.istio.io/v1alpha1/WasmPlugin.js",
    "_schemas/ExtensionsIstioIoV1alpha1WasmPlugin.js",
  ],
  "networking.istio.io/v1alpha3/EnvoyFilter": [
    "networking.istio.io/v1alpha3/EnvoyFilter.js",
    "_schemas/NetworkingIstioIoV1alpha3EnvoyFilter.js",
  ],
  "security.istio.io/v1/PeerAuthentication": [
    "security.istio.io/v1/PeerAuthentication.js",
    "_schemas/SecurityIstioIoV1PeerAuthentication.js",
  ],
  "security.istio.io/v1/AuthorizationPolicy": [
    "security.istio.io/v1/AuthorizationPolicy.js",
    "_schemas/SecurityIstioIoV1AuthorizationPolicy.js",
  ],
};

const load = (file) => import(pathToFileURL(join(pkg, file)).href);

/** Wraps `root` so that every object and array under it records what the validator reads. */
function traced(root) {
  const nodes = [];
  const wrap = (value, path) => {
    if (value === null || typeof value !== "object") return value;
    const node = { path, value, read: new Set(), enumerated: false, isArray: Array.isArray(value) };
    nodes.push(node);
    const children = new Map();
    return new Proxy(value, {
      get(target, key, receiver) {
        const child = Reflect.get(target, key, receiver);
        if (typeof key !== "string") return child;
        node.read.add(key);
        if (child === null || typeof child !== "object" || !Object.hasOwn(target, key)) return child;
        if (!children.has(key)) {
          const childPath = node.isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key;
          children.set(key, wrap(child, childPath));
        }
        return children.get(key);
      },
      has(target, key) {
        if (typeof key === "string") node.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        node.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
  };
  return { proxy: wrap(root, ""), nodes };
}

async function check(resource) {
  const errors = [];
  const key = `${resource?.apiVersion}/${resource?.kind}`;
  const files = RESOURCES[key];
  if (!files) return { errors: [`no schema for ${key}`], free_form: [], maps: [] };
  const [modelModule, schemaModule] = await Promise.all(files.map(load));

  // 1. The package's validation (types, enums, required fields).
  const Model = modelModule[resource.kind];
  try {
    new Model(resource).validate();
  } catch (e) {
    for (const err of e.errors ?? [e]) {
      const at = err.instancePath || "/";
      errors.push(`${at}: ${err.message ?? String(err)}${err.params ? " " + JSON.stringify(err.params) : ""}`);
    }
  }

  // 2. The strict pass: run the compiled schema over a traced copy of the resource.
  const copy = JSON.parse(JSON.stringify(resource));
  const { proxy, nodes } = traced(copy);
  schemaModule.validate(proxy);
  const freeForm = [];
  const maps = [];
  for (const node of nodes) {
    if (node.isArray) continue;
    if (node.enumerated) {
      maps.push(node.path);
      continue;
    }
    if (node.read.size === 0) {
      freeForm.push(node.path);
      continue;
    }
    for (const member of Object.keys(node.value)) {
      if (!node.read.has(member)) {
        errors.push(`${node.path ? node.path + "." : ""}${member}: unknown field (not in ${resource.kind}'s schema)`);
      }
    }
  }
  return { errors, free_form: freeForm, maps };
}

const input = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const resource of input) results.push(await check(resource));
process.stdout.write(JSON.stringify(results));

// CPU time per request of the Worker's own code, in workerd: tests/worker/cpu-worker.mjs calls
// the built handler in a loop with instant stand-ins for the ledger, the queue, the outbound
// fetch and log output, and the workerd process's CPU time (/proc, Linux) is read around two loop
// lengths; the slope is the time per request. Same isolate, same run, for hookwall and the
// baseline; then with the real ledger (its Durable Object's SQLite work and the call to it
// counted too); then hookwall's queue mode again with three destinations instead of the
// FORWARD_URL shorthand.
import { Miniflare } from "miniflare";
import { CONFIG, FORWARD_TOKEN, SIGNING_KEY, providerRequest, fixture, workerdTicks } from "./harness.mjs";

const N = Number(process.env.CPU_ITERATIONS ?? 10000);
const root = new URL("../../", import.meta.url).pathname;

/** workerd running cpu-worker.mjs; `bindings` are the Worker's destinations. */
async function start(bindings) {
  const mf = new Miniflare({
    modules: true,
    modulesRoot: root,
    modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
    scriptPath: new URL("cpu-worker.mjs", import.meta.url).pathname,
    compatibilityDate: "2026-04-26",
    cf: false,
    bindings: { HOOKWALL_CONFIG: JSON.stringify(CONFIG), ...bindings },
    durableObjects: { LEDGER: { className: "Ledger", useSQLite: true } },
  });
  await mf.ready;
  return mf;
}
const forward = { FORWARD_URL: "http://127.0.0.1:9/events", FORWARD_TOKEN, FORWARD_SIGNING_KEY: SIGNING_KEY };
/** Three destinations that all take the event: OCSF, Slack and the bare JSON event. */
const three = {
  HOOKWALL_DESTINATIONS: JSON.stringify({ destinations: ["ocsf", "slack", "json"].map((format) => (
    { name: format, url_secret: "DESTINATION_URL", format, match: { min_severity: "info" } })) }),
  DESTINATION_URL: "http://127.0.0.1:9/events",
};
let mf = await start(forward);

const body = fixture("crowdsec", "alert_triggered.json").toString();
async function loop(spec, n) {
  const res = await mf.dispatchFetch("http://bench.test/", { method: "POST", body: JSON.stringify({ ...spec, n }) });
  return res.json();
}
async function perRequest(name, { target = "hookwall", queue = false, ledger = "stand-in", extra = {} } = {}) {
  const { path, init } = providerRequest("crowdsec", body, extra);
  const spec = { target, queue, ledger, path, headers: init.headers, body };
  await loop(spec, N / 10);
  const t0 = workerdTicks();
  await loop(spec, N / 10);
  const t1 = workerdTicks();
  const statuses = await loop(spec, N);
  const t2 = workerdTicks();
  const us = ((t2 - t1) - (t1 - t0)) * 10_000 / (N - N / 10);
  console.log(`${name.padEnd(36)} ${us.toFixed(0).padStart(5)} µs CPU/request   statuses ${JSON.stringify(statuses)}`);
  return us;
}

try {
  const base = await perRequest("baseline (reads the body, 200)", { target: "baseline" });
  const direct = await perRequest("hookwall direct: delivered");
  await perRequest("hookwall queue: enqueued", { queue: true });
  await perRequest("hookwall denied on its head (401)", { extra: { authorization: "Bearer wrong" } });
  console.log(`hookwall direct minus baseline: ${(direct - base).toFixed(0)} µs CPU/request`);
  const real = await perRequest("hookwall direct, real ledger", { ledger: "real" });
  await perRequest("hookwall queue, real ledger", { queue: true, ledger: "real" });
  console.log(`the ledger's Durable Object and the call to it: ${(real - direct).toFixed(0)} µs CPU/request`);
  await mf.dispose();
  mf = await start(three);
  await perRequest("hookwall queue: enqueued, 3 destinations", { queue: true });
} finally {
  await mf.dispose();
}

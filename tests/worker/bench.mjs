// Requests/second of hookwall and of a Worker that only answers 200 (built the same way), both
// in workerd on loopback, same run, with the CPU time the workerd process spent per request
// (/proc, Linux; it includes Miniflare's entry worker and the ledger's Durable Object).
// hookwall runs in direct mode, delivering each event to a loopback receiver, each event claimed
// and settled in its ledger as deployed. Figures only, no thresholds.
import autocannon from "autocannon";
import { Receiver, startWorker, providerRequest, fixture, workerdTicks } from "./harness.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 16;

// Every request is a distinct event (its event_id varies), so none is answered as a duplicate.
const EVENT_ID = "5b53be3e83ce9b0a914047f655632863";
const body = fixture("crowdsec", "alert_triggered.json").toString();
const receiver = await new Receiver().start();

async function load(name, options) {
  const mf = await startWorker({ receiver, port: 0, ...options });
  try {
    const url = await mf.ready;
    const { path, init } = providerRequest("crowdsec", body);
    let n = 0;
    const setupRequest = (req) => ({ ...req, body: init.body.replace(EVENT_ID, `${EVENT_ID}-${n++}`) });
    const ticks = workerdTicks();
    const node = process.cpuUsage();
    const r = await autocannon({ url: new URL(path, url).href, method: "POST", headers: init.headers,
      body: init.body, requests: [{ setupRequest }], connections: CONNECTIONS, duration: SECONDS });
    const workerdUs = (workerdTicks() - ticks) * 10_000 / r.requests.total;
    const nodeCpu = process.cpuUsage(node);
    const nodeUs = (nodeCpu.user + nodeCpu.system) / r.requests.total;
    console.log(`${name.padEnd(24)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  ` +
      `non-2xx ${r.non2xx}  errors ${r.errors}  workerd ${workerdUs.toFixed(0)} µs CPU/req  load tool + receiver ${nodeUs.toFixed(0)} µs CPU/req`);
    return r.requests.average;
  } finally {
    await mf.dispose();
  }
}

console.log(`${SECONDS} s each, ${CONNECTIONS} connections, crowdsec alert_triggered (${body.length} bytes)`);
const baseline = await load("baseline", { script: "tests/worker/baseline/build/index.js" });
const hookwall = await load("hookwall (ledger)", {});
await receiver.down();
console.log(`ratio hookwall/baseline: ${(hookwall / baseline).toFixed(2)}`);

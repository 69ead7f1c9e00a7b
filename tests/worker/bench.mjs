// Requests/second of hookwall (direct mode, loopback receiver) and of a Worker that only answers
// 200, both in workerd on loopback, same run; figures only, no thresholds.
import autocannon from "autocannon";
import { Receiver, startWorker, providerRequest, fixture } from "./harness.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const receiver = await new Receiver().start();

async function load(url, init) {
  let n = 0;
  const setupRequest = (req) => ({ ...req, body: init.body.replace(EVENT_ID, `${EVENT_ID}-${n++}`) });
  return autocannon({ url, method: "POST", headers: init.headers, body: init.body,
    requests: [{ setupRequest }], connections: 16, duration: SECONDS });
}

// Every request is a distinct event (its event_id varies), so none is answered as a duplicate.
const EVENT_ID = "5b53be3e83ce9b0a914047f655632863";
const body = fixture("crowdsec", "alert_triggered.json").toString();
const results = {};
for (const [name, script] of [["baseline", "tests/worker/baseline/build/index.js"], ["hookwall", "worker/build/index.js"]]) {
  const mf = await startWorker({ receiver, port: 0, script });
  const url = await mf.ready;
  const { path, init } = providerRequest("crowdsec", body);
  results[name] = await load(new URL(path, url).href, init);
  await mf.dispose();
}
await receiver.down();
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(9)} ${r.requests.average.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`);
}
console.log(`ratio hookwall/baseline: ${(results.hookwall.requests.average / results.baseline.requests.average).toFixed(2)}`);

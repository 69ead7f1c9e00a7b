// Runs inside workerd for tests/worker/cpu.mjs: invokes a built Worker's fetch handler `n` times
// in this isolate with instant stand-ins for what the runtime does outside it (the ledger, the
// queue, the outbound fetch, log output), so that the workerd process's CPU time over the call
// is the Worker's own JS glue and wasm. With `ledger: "real"`, the real Ledger Durable Object
// (SQLite, same workerd process) answers instead, and its CPU time counts too.
import Hookwall from "../../worker/entry.js";
import Baseline from "./baseline/build/index.js";

export { Ledger } from "../../worker/entry.js";

/** Numbers the events across calls, so that none is a duplicate of an earlier call's. */
let sequence = 0;

class WorkerQueue { async send() {} async sendBatch() {} }

/**
 * A ledger that claims every delivery for the caller at once, as a new event's claim does, and
 * answers as instantly as the KV build's stand-in did (a `get` answering null, a `put` doing
 * nothing): the answer is made once, and a call is told apart by its first member, not parsed
 * (parsing it is the object's work, timed with `ledger: "real"`).
 */
class DurableObjectNamespace {
  constructor(copies) {
    this.claimed = JSON.stringify({ standings: Array(copies).fill("claimed"), new: true });
  }
  getByName() {
    const claimed = this.claimed;
    return {
      async call(text) {
        return text.startsWith('{"call":"claim"') ? claimed : "null";
      },
    };
  }
}

/** How many destinations take every event: the document's, or the FORWARD_URL shorthand's one. */
function destinations(env) {
  return env.HOOKWALL_DESTINATIONS ? JSON.parse(env.HOOKWALL_DESTINATIONS).destinations.length : 1;
}

export default {
  async fetch(request, env) {
    const { target, queue, ledger, n, path, headers, body } = await request.json();
    globalThis.fetch = async () => new Response("{}", { status: 200 });
    console.log = () => {};
    const workerEnv = { ...env, LEDGER: ledger === "real" ? env.LEDGER : new DurableObjectNamespace(destinations(env)) };
    if (queue) workerEnv.EVENTS = new WorkerQueue();
    const Worker = target === "baseline" ? Baseline : Hookwall;
    const worker = new Worker({ waitUntil() {}, passThroughOnException() {} }, workerEnv);
    const statuses = {};
    const encoder = new TextEncoder();
    for (let i = 0; i < n; i++) {
      // A distinct event each time, so none is answered as a duplicate; with its length
      // declared, as the providers send it.
      const bytes = encoder.encode(body.replace("5b53be3e83ce9b0a914047f655632863", `event-${sequence++}`));
      const res = await worker.fetch(new Request(`http://hookwall.test${path}`,
        { method: "POST", headers: { ...headers, "content-length": String(bytes.length) }, body: bytes }));
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
    return Response.json(statuses);
  },
};

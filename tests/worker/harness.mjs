// The real built Worker in workerd (Miniflare 4) and a loopback receiver the tests control.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { readFileSync, readdirSync } from "node:fs";
import { afterEach } from "node:test";
import { Miniflare } from "miniflare";

const root = new URL("../../", import.meta.url);
export const SIGNING_KEY = "test-signing-key";
export const FORWARD_TOKEN = "Bearer receiver-token";
export const ADMIN_TOKEN = "test-admin-token";
export const ADMIN_TOKEN_SHA256 = createHash("sha256").update(ADMIN_TOKEN).digest("hex");

export const CONFIG = {
  sources: [
    { name: "crowdsec", path: "/hooks/crowdsec", provider: "crowdsec",
      auth: [{ bearer: { token: "crowdsec-token" } }], max_body_bytes: 65536 },
    { name: "cloud66", path: "/hooks/cloud66", provider: "cloud66",
      auth: [{ query: { name: "token", value: "cloud66-token" } }] },
    { name: "sectigo", path: "/hooks/sectigo", provider: "sectigo",
      auth: [{ basic: { username: "sectigo", password: "sectigo-password" } }],
      allow_ips: ["203.0.113.0/24"], unknown_events: "reject" },
  ],
  trusted_proxies: ["10.0.0.0/8"],
};

/** How each provider calls: path, credentials and address. */
export function providerRequest(provider, body, extra = {}) {
  const headers = { "content-type": "application/json", "cf-connecting-ip": "198.51.100.9" };
  let path = `/hooks/${provider}`;
  if (provider === "crowdsec") headers.authorization = "Bearer crowdsec-token";
  if (provider === "cloud66") path += "?token=cloud66-token";
  if (provider === "sectigo") {
    headers.authorization = "Basic " + Buffer.from("sectigo:sectigo-password").toString("base64");
    headers["cf-connecting-ip"] = "203.0.113.7";
  }
  return { path, init: { method: "POST", headers: { ...headers, ...extra }, body } };
}

export function fixture(provider, name) {
  return readFileSync(new URL(`fixtures/${provider}/${name}`, root));
}

/** Checks `t=<unix>,v1=<hex>` the way a receiver should. */
export function signatureValid(header, body, key = SIGNING_KEY) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  const expected = createHmac("sha256", key).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2], "hex"));
}

/**
 * A loopback receiver: `up`, `fail` (answers 500), `hang` (reads the request, never answers),
 * `hold` (reads the request and answers it as `up` once `release()` is called) or `down`
 * (refuses connections). `hits` has the time of every request it read, answered or not.
 */
export class Receiver {
  received = [];
  hits = [];
  mode = "up";
  #held = [];
  #server;
  port = 0;

  async start() {
    this.#server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        this.hits.push(Date.now());
        if (this.mode === "hang") return;
        if (this.mode === "fail") { res.writeHead(500).end(); return; }
        if (this.mode === "hold") { this.#held.push(() => this.#accept(req, res, chunks)); return; }
        this.#accept(req, res, chunks);
      });
    });
    await new Promise((ok) => this.#server.listen(this.port, "127.0.0.1", ok));
    this.port = this.#server.address().port;
    this.mode = "up";
    return this;
  }

  /** Answers every held request (200) and takes the next ones at once. */
  release() {
    this.mode = "up";
    for (const answer of this.#held.splice(0)) answer();
  }

  #accept(req, res, chunks) {
    const body = Buffer.concat(chunks).toString("utf8");
    this.received.push({ headers: req.headers, body, event: JSON.parse(body), at: Date.now(),
      signatureOk: signatureValid(req.headers["x-hookwall-signature"], body) });
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  }

  async down() {
    this.mode = "down";
    this.#server.closeAllConnections();
    await new Promise((ok) => this.#server.close(ok));
  }

  get url() { return `http://127.0.0.1:${this.port}/events`; }
}

/** The Worker's console output, kept raw: `lines` splits it wherever any log reader might. */
export class Logs {
  text = "";
  get lines() { return this.text.split(/\r\n|[\r\n\u0085\u2028\u2029]/).filter((l) => l !== ""); }
}

/**
 * Under `node --test`, what every workerd prints (most of it log lines the tests provoke on
 * purpose: refusals, failed deliveries) is kept and shown only after a test that failed, so a
 * passing run prints its results alone. Other scripts (the demo, the benchmarks) see it as before.
 */
const underTest = process.env.NODE_TEST_CONTEXT !== undefined;
let workerOutput = "";
if (underTest) {
  afterEach((t) => {
    // `passed` is Node 20.12's; without it, speak rather than hide.
    if (t.passed === false || (t.passed === undefined && workerOutput)) {
      console.log(`--- what workerd printed during "${t.name}" ---\n${workerOutput}--- end ---`);
    }
    workerOutput = "";
  });
}

/** The `FORWARD_URL` shorthand's bindings for `receiver`. */
function forwardBindings(receiver) {
  return { FORWARD_URL: receiver.url, FORWARD_TOKEN, FORWARD_SIGNING_KEY: SIGNING_KEY };
}

/**
 * Starts the built Worker with its ledger (the `Ledger` Durable Object, SQLite-backed, as
 * wrangler.toml binds it) and the admin token `ADMIN_TOKEN`; `queue: true` binds the producer
 * and the consumers of the queue and its dead-letter queue (`maxRetries` before a message is
 * dead-lettered), `vars` adds or overrides bindings (e.g. the delivery timeouts, or
 * HOOKWALL_DESTINATIONS and its secrets together with `receiver: null`, which leaves out the
 * FORWARD_URL shorthand; HOOKWALL_ADMIN_TOKEN_SHA256: "" closes the admin API), `logs` (a
 * `Logs`) captures the Worker's output instead of printing it, and `persist` (a directory)
 * keeps the ledger's storage there, so that a second Worker started on it finds it.
 */
export async function startWorker({ receiver, queue = false, maxRetries = 20, config = JSON.stringify(CONFIG), port, script = "worker/entry.js", vars = {}, logs, persist } = {}) {
  const worker = {
    name: "hookwall",
    modules: true,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    scriptPath: new URL(script, root).pathname,
    compatibilityDate: "2026-04-26",
    bindings: {
      HOOKWALL_CONFIG: config,
      ...(receiver ? forwardBindings(receiver) : {}),
      RETRY_DELAY_SECONDS: "1",
      HOOKWALL_ADMIN_TOKEN_SHA256: ADMIN_TOKEN_SHA256,
      DEAD_LETTER_QUEUE: "hookwall-dlq",
      ...vars,
    },
    durableObjects: { LEDGER: { className: "Ledger", useSQLite: true } },
    ...(persist ? { durableObjectsPersist: persist } : {}),
  };
  if (queue) {
    worker.queueProducers = { EVENTS: "hookwall-events" };
    worker.queueConsumers = {
      "hookwall-events": { maxBatchTimeout: 1, maxRetries, deadLetterQueue: "hookwall-dlq" },
      "hookwall-dlq": { maxBatchTimeout: 1 },
    };
  }
  const options = { cf: false };
  if (port !== undefined) Object.assign(options, { host: "127.0.0.1", port });
  if (logs || underTest) {
    options.handleRuntimeStdio = (stdout, stderr) => {
      stdout.setEncoding("utf8").on("data", (text) => {
        if (logs) logs.text += text;
        if (underTest) workerOutput += text;
      });
      // Written rather than piped: a pipe adds five listeners to the one process.stderr and
      // removes them when this stream ends, which Miniflare's never does, even once disposed.
      stderr.setEncoding("utf8").on("data", (text) => {
        if (underTest) workerOutput += text; else process.stderr.write(text);
      });
    };
  }
  Object.assign(options, worker);
  const mf = new Miniflare(options);
  await mf.ready;
  return mf;
}

/** Polls `predicate` (which may be async) until it holds. */
export async function waitFor(predicate, what, { tries = 200, everyMs = 100 } = {}) {
  for (let i = 0; i < tries; i++) {
    if (await predicate()) return;
    await new Promise((ok) => setTimeout(ok, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The admin API of `mf`: `get(path)` and `post(path, body)` with the admin token, answering
 * `{ status, body }` (the body parsed). */
export function admin(mf, token = ADMIN_TOKEN) {
  const call = async (method, path, body) => {
    const init = { method, headers: { authorization: `Bearer ${token}` } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await mf.dispatchFetch(`http://hookwall.test${path}`, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  return { get: (path) => call("GET", path), post: (path, body) => call("POST", path, body) };
}

/** Every event of the ledger, following `next` (checking no page repeats an event). */
export async function allEvents(mf, query = "") {
  const events = [];
  let cursor = null;
  do {
    const q = [query, cursor && `cursor=${cursor}`].filter(Boolean).join("&");
    const { status, body } = await admin(mf).get(`/_hookwall/events${q ? `?${q}` : ""}`);
    if (status !== 200) throw new Error(`listing answered ${status}: ${JSON.stringify(body)}`);
    events.push(...body.events);
    cursor = body.next;
  } while (cursor);
  return events;
}

/** Polls the ledger until `predicate(events)` holds; answers the events. */
export async function ledgerUntil(mf, predicate, what, query = "") {
  let events = [];
  await waitFor(async () => predicate(events = await allEvents(mf, query)), what);
  return events;
}

/** CPU ticks (1/100 s) used so far by every workerd process. */
export function workerdTicks() {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let stat;
    try { stat = readFileSync(`/proc/${pid}/stat`, "utf8"); } catch { continue; }
    if (!stat.includes("(workerd)")) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

// Destinations in workerd: fan-out to three loopback receivers in three formats with three
// matches, one receiver down in each mode, schema-valid OCSF, well-formed Slack messages, no
// secret in any body, and every faulty configuration refused as a whole.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG, Receiver, Logs, startWorker, providerRequest, fixture, waitFor, allEvents, ledgerUntil, signatureValid } from "./harness.mjs";

const root = new URL("../../", import.meta.url);
const PROVIDERS = ["crowdsec", "cloud66", "sectigo"];
/** fixtures/sectigo/user_reset_password.json's temporary password: never in any body. */
const SECRET_IN_PAYLOAD = "Tmp#9fQ2-xL7v";
const HEC_TOKEN = "Splunk hec-token-0123";
const SIEM_KEY = "siem-signing-key";
/** Secrets pasted where their names belong: the log names the field, never the value. */
const PASTED_URL = "https://hooks.slack.com/services/T0/B0/pasted-webhook";
const PASTED_KEY = "a9f3c2pasted0key";
const cleanup = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

/** Every fixture with its golden severity and provider. */
function fixtures() {
  return PROVIDERS.flatMap((provider) =>
    readdirSync(new URL(`fixtures/${provider}/`, root)).map((name) => {
      const golden = JSON.parse(readFileSync(new URL(`fixtures/expected/${provider}/${name}`, root), "utf8"));
      return { provider, name, id: golden.data.id, severity: golden.data.severity };
    }));
}

/** siem: every event as OCSF, with a HEC header and a signature; chat: critical and high as
 * Slack messages; crowdsec: CrowdSec's events as the bare JSON event. */
function destinations(receivers) {
  const vars = {
    SIEM_URL: receivers.siem.url,
    SIEM_HEADERS: JSON.stringify({ Authorization: HEC_TOKEN }),
    SIEM_SIGNING_KEY: SIEM_KEY,
    SLACK_WEBHOOK_URL: receivers.chat.url,
    CROWDSEC_URL: receivers.crowdsec.url,
  };
  const list = [
    { name: "siem", url_secret: "SIEM_URL", format: "ocsf", headers_secret: "SIEM_HEADERS",
      signing_key_secret: "SIEM_SIGNING_KEY", match: { min_severity: "info" } },
    { name: "chat", url_secret: "SLACK_WEBHOOK_URL", format: "slack", match: { min_severity: "high" } },
    { name: "crowdsec", url_secret: "CROWDSEC_URL", format: "data", match: { providers: ["crowdsec"] } },
  ];
  return { ...vars, HOOKWALL_DESTINATIONS: JSON.stringify({ destinations: list }) };
}

/** Three receivers and the Worker delivering to them; `dispose` stops them all (once). */
async function setup(opts = {}) {
  const receivers = {};
  for (const name of ["siem", "chat", "crowdsec"]) receivers[name] = await new Receiver().start();
  const mf = await startWorker({ receiver: null, ...opts, vars: { ...destinations(receivers), ...opts.vars } });
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    await mf.dispose();
    for (const r of Object.values(receivers)) if (r.mode !== "down") await r.down();
  };
  cleanup.push(dispose);
  const send = ({ path, init }) => mf.dispatchFetch(`http://hookwall.test${path}`, init);
  return { receivers, mf, send, dispose };
}

const HIGH = new Set(["high", "critical"]);

/** The ids each receiver should have: siem all, chat critical and high, crowdsec CrowdSec's. */
function expectedIds(all) {
  return {
    siem: all.map((f) => f.id).sort(),
    chat: all.filter((f) => HIGH.has(f.severity)).map((f) => f.id).sort(),
    crowdsec: all.filter((f) => f.provider === "crowdsec").map((f) => f.id).sort(),
  };
}

/** The event id in each format's body. */
function idOf(name, event) {
  if (name === "siem") return event.metadata.uid;
  if (name === "crowdsec") return event.id;
  return /· id (.+)$/.exec(event.blocks.at(-1).elements[0].text)[1];
}

function receivedIds(receivers) {
  return Object.fromEntries(Object.entries(receivers).map(([name, r]) => [name, r.received.map((x) => idOf(name, x.event)).sort()]));
}

/** Slack's incoming-webhook shape, kept to what Mattermost and Discord also render. */
function assertSlackMessage(message, where) {
  assert.deepEqual(Object.keys(message).sort(), ["blocks", "text"], where);
  assert.equal(typeof message.text, "string");
  // Mattermost and Discord show `text` alone; Discord takes at most 2,000 characters.
  assert.match(message.text, /^\[(CRITICAL|HIGH|MEDIUM|LOW|INFO)\] (crowdsec|cloud66|sectigo): ./, where);
  assert.ok(message.text.length <= 2000 && message.blocks.length >= 2, where);
  for (const block of message.blocks) {
    assert.ok(["section", "context"].includes(block.type), `${where}: block ${block.type}`);
    const texts = block.type === "section" ? [block.text] : block.elements;
    for (const t of texts) {
      assert.equal(t.type, "mrkdwn", where);
      assert.equal(t.verbatim, true, where);
      assert.ok(typeof t.text === "string" && t.text.length <= 3000, where);
      // Slack's escaping: no bare < or > (links, mentions), every & starts an entity.
      assert.ok(!/[<>]/.test(t.text) && !/&(?!amp;|lt;|gt;)/.test(t.text), `${where}: ${t.text}`);
    }
  }
}

/** Validates the OCSF bodies with tests/ocsf/validate.py (pydantic-ocsf, OCSF 1.5.0). */
function validateOcsf(bodies) {
  const dir = mkdtempSync(join(tmpdir(), "hookwall-ocsf-"));
  try {
    mkdirSync(join(dir, "worker"));
    bodies.forEach((body, i) => writeFileSync(join(dir, "worker", `${i}.json`), body));
    const python = new URL(".tools/ocsf-venv/bin/python", root).pathname;
    return execFileSync(python, [new URL("tests/ocsf/validate.py", root).pathname, dir], { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertNoSecret(receivers) {
  for (const [name, r] of Object.entries(receivers)) {
    for (const { body } of r.received) {
      assert.ok(!body.includes(SECRET_IN_PAYLOAD), `${name}: the temporary password`);
      for (const secret of [HEC_TOKEN, SIEM_KEY, "127.0.0.1"]) assert.ok(!body.includes(secret), `${name}: ${secret}`);
    }
  }
}

test("direct mode: every fixture fans out to three destinations by format and match, once each", async () => {
  const { receivers, send } = await setup();
  const all = fixtures();
  for (const { provider, name } of all) {
    const res = await send(providerRequest(provider, fixture(provider, name)));
    assert.equal(res.status, 200, `${provider}/${name}: ${await res.clone().text()}`);
    assert.equal((await res.json()).status, "delivered");
  }
  assert.deepEqual(receivedIds(receivers), expectedIds(all));
  const siem = receivers.siem.received;
  for (const r of siem) {
    assert.equal(r.headers.authorization, HEC_TOKEN);
    assert.equal(r.headers["content-type"], "application/json");
    assert.ok(signatureValid(r.headers["x-hookwall-signature"], r.body, SIEM_KEY));
    assert.equal(r.event.metadata.version, "1.5.0");
  }
  for (const r of [...receivers.chat.received, ...receivers.crowdsec.received]) {
    assert.equal(r.headers.authorization, undefined, "no header a destination did not ask for");
    assert.equal(r.headers["x-hookwall-signature"], undefined, "unsigned without a key");
  }
  for (const r of receivers.chat.received) assertSlackMessage(r.event, r.event.text);
  for (const r of receivers.crowdsec.received) assert.equal(r.event.provider, "crowdsec");
  assert.ok(receivers.siem.received.some((r) => r.event.metadata.product.vendor_name), "OCSF bodies");
  assertNoSecret(receivers);
  const report = validateOcsf(siem.map((r) => r.body));
  assert.match(report, /^36 OCSF events valid against OCSF 1\.5\.0/);
});

test("direct mode: one destination down gets a 503; the retry sends it alone, the others never twice", async () => {
  const { receivers, mf, send } = await setup();
  await receivers.chat.down();
  const body = fixture("crowdsec", "alert_triggered.json"); // high: all three take it
  const first = await send(providerRequest("crowdsec", body));
  assert.equal(first.status, 503);
  assert.equal((await first.json()).error, "delivery_failed");
  assert.equal(receivers.siem.received.length, 1);
  assert.equal(receivers.crowdsec.received.length, 1);
  const [failed] = await allEvents(mf);
  assert.deepEqual(failed.deliveries.map((d) => [d.destination, d.status]),
    [["chat", "failed"], ["crowdsec", "delivered"], ["siem", "delivered"]]);
  assert.match(failed.deliveries[0].last_error, /^receiver unreachable/);
  await receivers.chat.start();
  const retry = await send(providerRequest("crowdsec", body));
  assert.equal(retry.status, 200);
  assert.equal((await retry.json()).status, "delivered");
  assert.equal(receivers.chat.received.length, 1, "the failed destination got it on the retry");
  assert.equal(receivers.siem.received.length, 1, "not sent twice");
  assert.equal(receivers.crowdsec.received.length, 1, "not sent twice");
  assert.equal((await (await send(providerRequest("crowdsec", body))).json()).status, "duplicate");
});

test("queue mode: one destination down, the others get each event once; it is retried to success with no duplicate", async () => {
  const { receivers, mf, send } = await setup({ queue: true });
  await receivers.siem.down();
  const all = fixtures().filter((f) => f.provider !== "sectigo");
  for (const { provider, name } of all) {
    const res = await send(providerRequest(provider, fixture(provider, name)));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, "enqueued");
  }
  const want = expectedIds(all);
  await waitFor(() => receivers.chat.received.length >= want.chat.length && receivers.crowdsec.received.length >= want.crowdsec.length, "the destinations that are up");
  await new Promise((ok) => setTimeout(ok, 1500)); // at least one retry for siem meanwhile
  assert.equal(receivers.siem.received.length, 0);
  await receivers.siem.start();
  await waitFor(() => receivers.siem.received.length >= want.siem.length, "the destination that was down, once back");
  await ledgerUntil(mf, (events) => events.filter((e) => e.deliveries.some((d) => d.destination === "siem" && d.status === "delivered")).length === want.siem.length, "siem's deliveries in the ledger");
  await new Promise((ok) => setTimeout(ok, 2500)); // any redelivery would land by now
  assert.deepEqual(receivedIds(receivers), want, "each event once per destination");
  assertNoSecret(receivers);
});

test("a chat message cannot mention everyone, spoof a line or carry a live link", async () => {
  const { receivers, send } = await setup();
  const alert = JSON.parse(fixture("crowdsec", "alert_triggered.json"));
  alert.details.scenario = "@everyone <!channel>\n*[INFO]* all clear https://evil.example/x";
  alert.details.source.as_name = "<".repeat(200);
  const res = await send(providerRequest("crowdsec", JSON.stringify(alert)));
  assert.equal((await res.json()).status, "delivered");
  assert.equal(receivers.chat.received.length, 1);
  const { event: message, body, headers } = receivers.chat.received[0];
  assert.equal(headers["content-type"], "application/json");
  assertSlackMessage(message, body);
  const texts = [message.text, ...message.blocks.flatMap((b) => (b.type === "section" ? [b.text] : b.elements)).map((t) => t.text)];
  for (const text of texts) {
    for (const live of ["@everyone", "<!channel>", "https://", "evil.example"]) assert.ok(!text.includes(live), `${live} in ${text}`);
    assert.ok(text.split("\n").every((line) => !line.startsWith("*[INFO]*")), text);
  }
  assert.ok(texts.some((t) => t.includes("hxxps://evil[.]example/x")), body);
});

test("an event no destination takes is acknowledged and sent nowhere", async () => {
  const { receivers, send } = await setup({
    vars: { HOOKWALL_DESTINATIONS: JSON.stringify({ destinations: [
      { name: "chat", url_secret: "SLACK_WEBHOOK_URL", format: "slack", match: { min_severity: "critical" } }] }) },
  });
  const res = await send(providerRequest("cloud66", fixture("cloud66", "server.backon.json")));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, "unrouted");
  assert.equal(receivers.chat.hits.length, 0);
});

test("every faulty destinations configuration is a config_error, logged without a secret", async () => {
  const good = { name: "siem", url_secret: "SIEM_URL", format: "ocsf", match: { min_severity: "info" } };
  const doc = (...list) => JSON.stringify({ destinations: list });
  const cases = {
    "unknown format": { HOOKWALL_DESTINATIONS: doc({ ...good, format: "xml" }) },
    "missing url secret": { HOOKWALL_DESTINATIONS: doc({ ...good, url_secret: "NOT_SET" }) },
    "missing headers secret": { HOOKWALL_DESTINATIONS: doc({ ...good, headers_secret: "NOT_SET" }) },
    "missing signing key secret": { HOOKWALL_DESTINATIONS: doc({ ...good, signing_key_secret: "NOT_SET" }) },
    "headers secret not an object": { HOOKWALL_DESTINATIONS: doc({ ...good, headers_secret: "SIEM_HEADERS" }), SIEM_HEADERS: `"${HEC_TOKEN}"` },
    "header value with CR LF": { HOOKWALL_DESTINATIONS: doc({ ...good, headers_secret: "SIEM_HEADERS" }), SIEM_HEADERS: JSON.stringify({ Authorization: `${HEC_TOKEN}\r\nx-evil: 1` }) },
    "duplicate name": { HOOKWALL_DESTINATIONS: doc(good, { ...good, format: "json" }) },
    "empty match": { HOOKWALL_DESTINATIONS: doc({ ...good, match: {} }) },
    "empty providers": { HOOKWALL_DESTINATIONS: doc({ ...good, match: { providers: [] } }) },
    "unknown category": { HOOKWALL_DESTINATIONS: doc({ ...good, match: { categories: ["threats"] } }) },
    "unknown severity": { HOOKWALL_DESTINATIONS: doc({ ...good, match: { min_severity: "urgent" } }) },
    "unknown field": { HOOKWALL_DESTINATIONS: doc({ ...good, url: "https://inline.example/" }) },
    "no destination": { HOOKWALL_DESTINATIONS: doc() },
    "not JSON": { HOOKWALL_DESTINATIONS: "[{" },
    "URL not http": { HOOKWALL_DESTINATIONS: doc(good), SIEM_URL: "ftp://siem.example/" },
    "FORWARD_URL too": { HOOKWALL_DESTINATIONS: doc(good), FORWARD_URL: "https://forward.example/" },
    "URL pasted as url_secret": { HOOKWALL_DESTINATIONS: doc({ ...good, url_secret: PASTED_URL }) },
    "headers pasted as headers_secret": { HOOKWALL_DESTINATIONS: doc({ ...good, headers_secret: JSON.stringify({ Authorization: HEC_TOKEN }) }) },
    "key pasted as signing_key_secret": { HOOKWALL_DESTINATIONS: doc({ ...good, signing_key_secret: PASTED_KEY }) },
    // HOOKWALL_DESTINATIONS empty counts as unset: the FORWARD_URL shorthand is read.
    "FORWARD_URL ftp": { HOOKWALL_DESTINATIONS: "", FORWARD_URL: "ftp://siem.example/", FORWARD_SIGNING_KEY: "k" },
    "FORWARD_URL misspelt": { HOOKWALL_DESTINATIONS: "", FORWARD_URL: "htps://siem.example/", FORWARD_SIGNING_KEY: "k" },
  };
  for (const [what, vars] of Object.entries(cases)) {
    const logs = new Logs();
    for (const queue of [false, true]) {
      const { receivers, send, dispose } = await setup({ vars, queue, logs });
      const res = await send(providerRequest("crowdsec", fixture("crowdsec", "alert_triggered.json")));
      assert.equal(res.status, 500, `${what}: ${res.status}`);
      assert.equal((await res.json()).error, "config_error", what);
      for (const r of Object.values(receivers)) assert.equal(r.hits.length, 0, what);
      await dispose();
    }
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.reason === "config_error");
    assert.ok(line?.message, `${what}: logged`);
    for (const secret of [HEC_TOKEN, "127.0.0.1", "siem.example", PASTED_URL, PASTED_KEY]) assert.ok(!line.message.includes(secret), `${what}: ${line.message}`);
  }
});

test("queue mode: one message per destination; after its retries a delivery is dead in the ledger, the others delivered", async () => {
  const logs = new Logs();
  // Two retries a second apart, then the dead-letter queue, which the Worker reads itself.
  const { receivers, mf, send } = await setup({ queue: true, maxRetries: 2, logs, vars: { RETRY_MAX_DELAY_SECONDS: "1" } });
  await receivers.siem.down();
  const all = fixtures().filter((f) => f.provider !== "sectigo");
  for (const { provider, name } of all) {
    const res = await send(providerRequest(provider, fixture(provider, name)));
    assert.equal((await res.json()).status, "enqueued");
  }
  const want = expectedIds(all);
  const siemOf = (e) => e.deliveries.find((d) => d.destination === "siem");
  const events = await ledgerUntil(mf, (list) => list.length === all.length && list.every((e) => siemOf(e).status === "dead"), "siem's deliveries dead");
  for (const e of events) {
    const siem = siemOf(e);
    assert.equal(siem.attempts, 3, "the first delivery and two retries");
    assert.match(siem.last_error, /^receiver unreachable/);
    assert.equal(siem.delivered_at, null);
    for (const d of e.deliveries.filter((x) => x.destination !== "siem")) assert.equal(d.status, "delivered", `${e.id} ${d.destination}`);
    for (const secret of [HEC_TOKEN, SIEM_KEY, "127.0.0.1"]) assert.ok(!JSON.stringify(e).includes(secret), `the ledger shows ${secret}`);
  }
  // The others had each event once, from their own messages, long before siem's were given up.
  const { siem, ...others } = receivedIds(receivers);
  assert.deepEqual(siem, []);
  assert.deepEqual(others, { chat: want.chat, crowdsec: want.crowdsec });
  const lines = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.source === "queue");
  const failed = lines.filter((l) => l.reason === "delivery_failed" && !l.message.startsWith("dead-lettered"));
  // Each of siem's messages failed three times: the first delivery and two retries.
  assert.equal(failed.length, 3 * want.siem.length, "retried alone, never with the others");
  assert.ok(failed.every((l) => l.destination === "siem"), "each retry names its destination");
  assert.equal(lines.filter((l) => l.reason === "delivered").length, want.chat.length + want.crowdsec.length);
  assertNoSecret(receivers);
});

/** Three destinations that carry the payload (chat takes only high and critical events), and a
 * Sectigo event with `bytes` of note in it, under the given id. */
const PAYLOAD_DESTINATIONS = JSON.stringify({ destinations: [
  { name: "siem", url_secret: "SIEM_URL", format: "json", match: { min_severity: "info" } },
  { name: "crowdsec", url_secret: "CROWDSEC_URL", format: "cloudevent", match: { min_severity: "info" } },
  { name: "chat", url_secret: "SLACK_WEBHOOK_URL", format: "json", match: { min_severity: "high" } },
] });
const LARGE_BODIES = JSON.stringify({ ...CONFIG, sources: CONFIG.sources.map((s) => (s.name === "sectigo" ? { ...s, max_body_bytes: 1048576 } : s)) });
function sized(name, id, bytes) {
  const event = JSON.parse(fixture("sectigo", name));
  return JSON.stringify({ ...event, id, body: { ...event.body, note: "x".repeat(bytes) } });
}

test("queue mode: bodies over the queue's 128 KB are delivered whole: a message names the delivery, the body waits in the ledger", async () => {
  const logs = new Logs();
  const { receivers, send } = await setup({ queue: true, logs, config: LARGE_BODIES, vars: { HOOKWALL_DESTINATIONS: PAYLOAD_DESTINATIONS } });
  const enqueue = async (name, id, bytes) => {
    const res = await send(providerRequest("sectigo", sized(name, id, bytes)));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await res.json()).status, "enqueued");
  };
  await enqueue("user_create.json", 900001, 70_000);
  // Three copies of about 101 KB: over one sendBatch's 256 KB were they carried.
  await enqueue("website_malware_issue_found.json", 900002, 100_000);
  await enqueue("user_create.json", 900003, 140_000);
  await waitFor(() => receivers.siem.received.length === 3 && receivers.crowdsec.received.length === 3 && receivers.chat.received.length === 1, "every event");
  const ids = (r, pick) => r.received.map((x) => pick(x.event)).sort();
  const three = ["900001", "900002", "900003"];
  assert.deepEqual(ids(receivers.siem, (e) => e.id), three);
  assert.deepEqual(ids(receivers.crowdsec, (e) => e.data.id), three);
  assert.deepEqual(ids(receivers.chat, (e) => e.id), ["900002"]);
  for (const r of [...receivers.siem.received, ...receivers.crowdsec.received]) {
    const note = (r.event.data ?? r.event).payload.body.note;
    const id = r.event.id ?? r.event.data.id;
    assert.equal(note.length, { "900001": 70_000, "900002": 100_000, "900003": 140_000 }[id], "each with its whole payload");
  }
  assert.equal(logs.lines.filter((l) => l.includes("delivery_failed")).length, 0, "no delivery failed");
});

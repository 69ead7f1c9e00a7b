// The ledger (SQLite-backed Durable Objects in workerd) and the admin API, against the built
// Worker: one delivery per destination under concurrent copies, every event listed and paged,
// failed and dead deliveries recovered once, resend, admin authentication, retention, and the
// account in the event identity (issue 19 item 3), and a lease outliving a Worker that died.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, Receiver, startWorker, providerRequest, fixture, waitFor, admin, allEvents, ledgerUntil } from "./harness.mjs";

const root = new URL("../../", import.meta.url);
const PROVIDERS = ["crowdsec", "cloud66", "sectigo"];
const cleanup = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

/** Two destinations, each on its own receiver, taking every event as JSON. */
const TWO = JSON.stringify({ destinations: [
  { name: "alpha", url_secret: "ALPHA_URL", format: "json", match: { min_severity: "info" } },
  { name: "beta", url_secret: "BETA_URL", format: "cloudevent", match: { min_severity: "info" } },
] });

async function setup(opts = {}) {
  const alpha = await new Receiver().start();
  const beta = await new Receiver().start();
  const vars = { HOOKWALL_DESTINATIONS: TWO, ALPHA_URL: alpha.url, BETA_URL: beta.url, ...opts.vars };
  const mf = await startWorker({ receiver: null, ...opts, vars });
  // Once only, whether a test stopped the Worker itself or not (Miniflare's second dispose throws).
  let stopped;
  const stop = () => (stopped ??= mf.dispose());
  cleanup.push(stop, ...[alpha, beta].map((r) => () => r.mode !== "down" && r.down()));
  const send = ({ path, init }) => mf.dispatchFetch(`http://hookwall.test${path}`, init);
  return { alpha, beta, mf, send, stop };
}

const ALERT = fixture("crowdsec", "alert_triggered.json");

for (const copies of [2, 5, 20]) {
  test(`direct mode: ${copies} concurrent copies while the receivers hold the first give one delivery per destination; no other copy hears 200 before it is delivered`, async () => {
    const { alpha, beta, send } = await setup();
    alpha.mode = "hold";
    beta.mode = "hold";
    const answers = [];
    const pending = Array.from({ length: copies }, () =>
      send(providerRequest("crowdsec", ALERT)).then(async (res) => {
        answers.push({ status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() });
      }));
    // Every copy but the one delivering is answered while the receivers still hold it.
    await waitFor(() => answers.length === copies - 1 && alpha.hits.length === 1 && beta.hits.length === 1, "the other copies answered");
    for (const a of answers) {
      assert.equal(a.status, 503, JSON.stringify(a));
      assert.equal(a.body.error, "duplicate_in_flight");
      assert.ok(Number(a.retryAfter) > 0, "Retry-After");
    }
    alpha.release();
    beta.release();
    await Promise.all(pending);
    const delivered = answers.filter((a) => a.status === 200);
    assert.deepEqual(delivered.map((a) => a.body.status), ["delivered"]);
    const later = await send(providerRequest("crowdsec", ALERT));
    assert.equal((await later.json()).status, "duplicate");
    assert.equal(alpha.received.length, 1, "alpha once");
    assert.equal(beta.received.length, 1, "beta once");
  });
}

test("queue mode: 20 concurrent copies are enqueued and delivered once per destination", async () => {
  const { alpha, beta, mf, send } = await setup({ queue: true });
  const answers = await Promise.all(Array.from({ length: 20 }, async () => {
    const res = await send(providerRequest("crowdsec", ALERT));
    return { status: res.status, body: await res.json() };
  }));
  const statuses = answers.map((a) => a.status === 200 ? a.body.status : a.body.error);
  assert.equal(statuses.filter((s) => s === "enqueued").length, 1, statuses.join());
  assert.ok(statuses.every((s) => ["enqueued", "duplicate", "duplicate_in_flight"].includes(s)), statuses.join());
  await ledgerUntil(mf, ([e]) => e?.deliveries.every((d) => d.status === "delivered"), "both delivered");
  await new Promise((ok) => setTimeout(ok, 2000)); // a second message would be consumed by now
  assert.equal(alpha.received.length, 1);
  assert.equal(beta.received.length, 1);
});

test("direct mode: partly delivered, a provider's retry sends only to the destination that failed", async () => {
  const { alpha, beta, mf, send } = await setup();
  await beta.down();
  const first = await send(providerRequest("crowdsec", ALERT));
  assert.equal(first.status, 503);
  const [event] = await allEvents(mf);
  assert.deepEqual(event.deliveries.map((d) => [d.destination, d.status]), [["alpha", "delivered"], ["beta", "failed"]]);
  await beta.start();
  const retry = await send(providerRequest("crowdsec", ALERT));
  assert.equal((await retry.json()).status, "delivered");
  assert.equal(alpha.received.length, 1);
  assert.equal(beta.received.length, 1);
});

/** Every fixture with its golden type, category and severity. */
function goldens() {
  return PROVIDERS.flatMap((provider) => readdirSync(new URL(`fixtures/${provider}/`, root)).map((name) => {
    const { data } = JSON.parse(readFileSync(new URL(`fixtures/expected/${provider}/${name}`, root), "utf8"));
    return { provider, name, type: data.event_type, category: data.category, severity: data.severity };
  }));
}

test("the 36 fixtures are listed newest first with their type, category and severity, paged by 10 without a repeat or a gap", async () => {
  const { mf, send } = await setup();
  const all = goldens();
  assert.equal(all.length, 36);
  for (const { provider, name } of all) {
    const res = await send(providerRequest(provider, fixture(provider, name)));
    assert.equal(res.status, 200, `${provider}/${name}`);
  }
  const api = admin(mf);
  const pages = [];
  let cursor = null;
  do {
    const { status, body } = await api.get(`/_hookwall/events?limit=10${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(status, 200, JSON.stringify(body));
    pages.push(body.events);
    cursor = body.next;
    if (pages.length === 1) {
      // An event arriving between two pages is newer than the cursor: no later page shows it.
      await send(providerRequest("cloud66", Buffer.from(JSON.stringify({ ...JSON.parse(fixture("cloud66", "server.stopped.json")), uid: "between-pages" }))));
    }
  } while (cursor);
  assert.deepEqual(pages.map((p) => p.length), [10, 10, 10, 6]);
  const events = pages.flat();
  assert.equal(new Set(events.map((e) => e.key)).size, 36, "no repeat");
  const times = events.map((e) => e.received_at);
  assert.deepEqual(times, [...times].sort().reverse(), "newest first");
  const listed = events.map((e) => `${e.provider} ${e.type} ${e.category} ${e.severity}`).sort();
  assert.deepEqual(listed, all.map((f) => `${f.provider} ${f.type} ${f.category} ${f.severity}`).sort());
  for (const e of events) {
    assert.deepEqual(Object.keys(e), ["key", "source", "event_source", "id", "provider", "type", "category", "severity", "received_at", "deliveries"]);
    assert.match(e.received_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(e.deliveries.map((d) => Object.keys(d)), [["destination", "status", "attempts", "last_error", "delivered_at"], ["destination", "status", "attempts", "last_error", "delivered_at"]]);
  }
  // The filters: by source, by state, and one event by its key.
  const sectigo = await allEvents(mf, "source=sectigo");
  assert.equal(sectigo.length, all.filter((f) => f.provider === "sectigo").length);
  assert.equal((await allEvents(mf, "status=failed")).length, 0);
  assert.equal((await allEvents(mf, "status=delivered&destination=alpha")).length, 37);
  assert.equal((await allEvents(mf, "source=nowhere")).length, 0);
  const { status, body } = await api.get(`/_hookwall/events/${events[3].key}`);
  assert.equal(status, 200);
  assert.deepEqual(body, events[3]);
  for (const bad of ["limit=0", "limit=501", "status=lost", "since=yesterday", "cursor=abc", "colour=red"]) {
    const res = await api.get(`/_hookwall/events?${bad}`);
    assert.equal(res.status, 400, bad);
    assert.equal(res.body.error, "bad_request");
  }
  assert.equal((await api.get(`/_hookwall/events/${"0".repeat(64)}`)).status, 404);
  assert.equal((await api.get("/_hookwall/events/not-a-key")).status, 404);
});

test("direct mode: deliveries to a destination that was down are failed, recover sends each once in pages, a second recover sends nothing", async () => {
  // A short deadline: each event fails within a second.
  const { alpha, beta, mf, send } = await setup({ vars: { DIRECT_DEADLINE_MS: "1000" } });
  await beta.down();
  const since = new Date().toISOString();
  const names = readdirSync(new URL("fixtures/crowdsec/", root)).concat(readdirSync(new URL("fixtures/sectigo/", root)));
  assert.ok(names.length > 20, "more than one recover page");
  for (const name of names) {
    const provider = readdirSync(new URL("fixtures/crowdsec/", root)).includes(name) ? "crowdsec" : "sectigo";
    const res = await send(providerRequest(provider, fixture(provider, name)));
    assert.equal(res.status, 503, name);
  }
  const failed = await allEvents(mf, "status=failed&destination=beta");
  assert.equal(failed.length, names.length);
  assert.ok(failed.every((e) => e.deliveries.find((d) => d.destination === "beta").last_error.startsWith("receiver unreachable")));
  await beta.start();
  const api = admin(mf);
  const first = await api.post("/_hookwall/recover", { destination: "beta", since });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.requeued, 20);
  assert.equal(typeof first.body.next, "string");
  const rest = await api.post("/_hookwall/recover", { destination: "beta", since, cursor: first.body.next });
  assert.deepEqual(rest.body, { requeued: names.length - 20, next: null });
  assert.equal(beta.received.length, names.length);
  assert.equal(new Set(beta.received.map((r) => r.body)).size, names.length, "each once");
  const again = await api.post("/_hookwall/recover", { destination: "beta", since });
  assert.deepEqual(again.body, { requeued: 0, next: null });
  assert.equal(beta.received.length, names.length, "the second recover sent nothing");
  assert.equal(alpha.received.length, names.length, "alpha never twice");
  assert.equal((await allEvents(mf, "status=failed")).length, 0);
  for (const [body, error] of [[{ destination: "gamma", since }, "bad_request"], [{ destination: "beta" }, "bad_request"], [{ destination: "beta", since: "now" }, "bad_request"], [{ destination: "beta", since, extra: 1 }, "bad_request"]]) {
    const res = await api.post("/_hookwall/recover", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error, error);
  }
});

test("queue mode: deliveries dead after their retries are recovered once; a second recover sends nothing", async () => {
  const { alpha, beta, mf, send } = await setup({ queue: true, maxRetries: 1, vars: { RETRY_MAX_DELAY_SECONDS: "1" } });
  await beta.down();
  const since = new Date().toISOString();
  const names = readdirSync(new URL("fixtures/cloud66/", root));
  for (const name of names) {
    const res = await send(providerRequest("cloud66", fixture("cloud66", name)));
    assert.equal((await res.json()).status, "enqueued");
  }
  const beta_ = (e) => e.deliveries.find((d) => d.destination === "beta");
  const dead = await ledgerUntil(mf, (events) => events.length === names.length && events.every((e) => beta_(e).status === "dead"), "beta's deliveries dead");
  for (const e of dead) {
    assert.equal(beta_(e).attempts, 2, "the first delivery and one retry");
    assert.match(beta_(e).last_error, /^receiver unreachable/);
  }
  assert.equal(alpha.received.length, names.length);
  await beta.start();
  const api = admin(mf);
  const first = await api.post("/_hookwall/recover", { destination: "beta", since, source: "cloud66" });
  assert.deepEqual(first.body, { requeued: names.length, next: null });
  const second = await api.post("/_hookwall/recover", { destination: "beta", since });
  assert.deepEqual(second.body, { requeued: 0, next: null }, "enqueued already: nothing more to recover");
  await ledgerUntil(mf, (events) => events.every((e) => beta_(e).status === "delivered"), "recovered");
  await new Promise((ok) => setTimeout(ok, 2000));
  assert.equal(beta.received.length, names.length, "each once");
  assert.equal(new Set(beta.received.map((r) => r.event.id)).size, names.length);
  assert.deepEqual((await api.post("/_hookwall/recover", { destination: "beta", since })).body, { requeued: 0, next: null });
  assert.equal(alpha.received.length, names.length, "alpha never twice");
});

for (const queue of [false, true]) {
  test(`${queue ? "queue" : "direct"} mode: resend sends one delivered delivery again and counts the attempt`, async () => {
    const { alpha, beta, mf, send } = await setup({ queue });
    const res = await send(providerRequest("crowdsec", ALERT));
    assert.equal(res.status, 200);
    const [event] = await ledgerUntil(mf, ([e]) => e?.deliveries.every((d) => d.status === "delivered"), "delivered");
    const api = admin(mf);
    const resent = await api.post(`/_hookwall/events/${event.key}/resend?destination=beta`, {});
    assert.equal(resent.status, 200, JSON.stringify(resent.body));
    assert.equal(resent.body.key, event.key);
    await waitFor(() => beta.received.length === 2, "the second copy");
    const [after] = await ledgerUntil(mf, ([e]) => e.deliveries.find((d) => d.destination === "beta").status === "delivered", "delivered again");
    assert.equal(after.deliveries.find((d) => d.destination === "beta").attempts, 2);
    assert.equal(after.deliveries.find((d) => d.destination === "alpha").attempts, 1);
    assert.equal(beta.received[1].body, beta.received[0].body.replace(/"time":"[^"]*"/, (t) => t), "the body kept");
    assert.equal(alpha.received.length, 1);
    for (const [path, status] of [
      [`/_hookwall/events/${event.key}/resend?destination=gamma`, 404],
      [`/_hookwall/events/${event.key}/resend`, 400],
      [`/_hookwall/events/${"0".repeat(64)}/resend?destination=beta`, 404],
    ]) assert.equal((await api.post(path, {})).status, status, path);
  });
}

test("admin authentication: no token, a wrong one or a provider's credential get 401; the secret unset makes every admin path 404", async () => {
  const { mf } = await setup();
  const paths = [["GET", "/_hookwall/events"], ["GET", `/_hookwall/events/${"a".repeat(64)}`], ["POST", "/_hookwall/recover"], ["POST", `/_hookwall/events/${"a".repeat(64)}/resend?destination=alpha`], ["GET", "/_hookwall/anything"]];
  const providerCredentials = [
    { authorization: "Bearer crowdsec-token" },
    { authorization: "Basic " + Buffer.from("sectigo:sectigo-password").toString("base64") },
    {},
  ];
  for (const [method, path] of paths) {
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${ADMIN_TOKEN}` }, { authorization: `bearer ${ADMIN_TOKEN}` }, ...providerCredentials]) {
      const url = headers === providerCredentials[2] ? `http://hookwall.test${path}${path.includes("?") ? "&" : "?"}token=cloud66-token` : `http://hookwall.test${path}`;
      const res = await mf.dispatchFetch(url, { method, headers });
      assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
      assert.equal((await res.json()).error, "unauthorized");
      assert.match(res.headers.get("www-authenticate"), /^Bearer/);
    }
  }
  const ok = await admin(mf).get("/_hookwall/events");
  assert.equal(ok.status, 200);
  assert.equal((await admin(mf).get("/_hookwall/anything")).status, 404);
  assert.equal((await admin(mf).post("/_hookwall/events")).status, 405);

  const closed = await startWorker({ receiver: null, vars: { HOOKWALL_DESTINATIONS: TWO, ALPHA_URL: "http://127.0.0.1:9/", BETA_URL: "http://127.0.0.1:9/", HOOKWALL_ADMIN_TOKEN_SHA256: "" } });
  cleanup.push(() => closed.dispose());
  for (const [method, path] of [...paths, ["GET", "/_hookwall"], ["GET", "/_hookwall/"]]) {
    const res = await closed.dispatchFetch(`http://hookwall.test${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal((await res.json()).error, "unknown_route", "as any unknown path");
  }
});

test("retention: the ledger's alarm deletes events older than LEDGER_RETENTION_DAYS and keeps the others", async () => {
  const { mf, send } = await setup();
  assert.equal((await send(providerRequest("crowdsec", ALERT))).status, 200);
  // An event received eight days ago, recorded as the Worker records one (the default keeps 7).
  const ledger = await mf.getDurableObjectNamespace("LEDGER");
  const stub = ledger.get(ledger.idFromName("crowdsec"));
  const old = { key: "f".repeat(64), source: "crowdsec", event_source: "https://app.crowdsec.net", id: "old-1", provider: "crowdsec",
    type: "alert_triggered", category: "threat", severity: "high", received_ms: Date.now() - 8 * 86_400_000 };
  const claimed = await stub.call(JSON.stringify({ call: "claim", event: old, copies: [{ destination: "alpha", body: "{}" }], lease: { token: "t", ms: 1 }, mode: "direct" }));
  assert.deepEqual(JSON.parse(claimed), { standings: ["claimed"], new: true });
  const left = await ledgerUntil(mf, (events) => events.length === 1, "the old event deleted");
  assert.equal(left[0].type, "alert_triggered");
  assert.notEqual(left[0].key, old.key);
  assert.equal((await admin(mf).get(`/_hookwall/events/${old.key}`)).status, 404);
});

test("a Worker that dies while delivering: after a restart on its storage, a copy within the lease hears 503, one after it is delivered once", async () => {
  const persist = mkdtempSync(join(tmpdir(), "hookwall-ledger-"));
  cleanup.push(() => rmSync(persist, { recursive: true, force: true }));
  // A lease holds the deadline plus a 5 s margin (worker/src/ledger/client.rs): 15 s here, long
  // enough for workerd's restart on a loaded machine.
  const lease = 15_000;
  const opts = { persist, vars: { DIRECT_DEADLINE_MS: String(lease - 5_000) } };
  const first = await setup(opts);
  first.alpha.mode = "hang";
  first.beta.mode = "hang";
  const dying = first.send(providerRequest("crowdsec", ALERT)).catch(() => "died");
  await waitFor(() => first.alpha.hits.length === 1 && first.beta.hits.length === 1, "the first attempt under way");
  const claimedAt = Date.now();
  await first.stop();
  assert.equal(await dying, "died");
  const { alpha, beta, send } = await setup(opts);
  const early = await send(providerRequest("crowdsec", ALERT));
  assert.ok(Date.now() - claimedAt < lease, "the copy came within the lease");
  assert.equal(early.status, 503);
  assert.equal((await early.json()).error, "duplicate_in_flight");
  assert.ok(Number(early.headers.get("retry-after")) > 0, "Retry-After");
  assert.equal(alpha.hits.length + beta.hits.length, 0, "nothing sent while the dead attempt's lease holds");
  await new Promise((ok) => setTimeout(ok, Math.max(0, claimedAt + lease + 500 - Date.now())));
  const late = await send(providerRequest("crowdsec", ALERT));
  assert.equal(late.status, 200);
  assert.equal((await late.json()).status, "delivered");
  assert.equal((await (await send(providerRequest("crowdsec", ALERT))).json()).status, "duplicate");
  assert.equal(alpha.received.length, 1, "alpha once");
  assert.equal(beta.received.length, 1, "beta once");
});

test("the event identity knows the account: a second Sectigo partner's or CrowdSec organization's event with the same id is delivered; a true retry is not", async () => {
  const { alpha, send } = await setup();
  const user = JSON.parse(fixture("sectigo", "user_create.json"));
  const partner2 = JSON.stringify({ ...user, partner: { ...user.partner, id: 2 } });
  const alert = JSON.parse(ALERT);
  const org2 = JSON.stringify({ ...alert, details: { ...alert.details, organization_id: "87654321-4321-4321-4321-210987654321" } });
  const answers = [];
  for (const [provider, body] of [["sectigo", JSON.stringify(user)], ["sectigo", partner2], ["crowdsec", ALERT.toString()], ["crowdsec", org2], ["sectigo", partner2], ["crowdsec", org2]]) {
    const res = await send(providerRequest(provider, Buffer.from(body)));
    answers.push((await res.json()).status);
  }
  assert.deepEqual(answers, ["delivered", "delivered", "delivered", "delivered", "duplicate", "duplicate"]);
  assert.deepEqual(alpha.received.map((r) => `${r.event.provider} ${r.event.account} ${r.event.id}`), [
    `sectigo 1 ${user.id}`, `sectigo 2 ${user.id}`,
    `crowdsec ${alert.details.organization_id} ${alert.details.event_id}`, `crowdsec 87654321-4321-4321-4321-210987654321 ${alert.details.event_id}`,
  ]);
});

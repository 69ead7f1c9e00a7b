// The built Worker in workerd against a loopback receiver: delivery, denials, failure modes.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { Receiver, Logs, startWorker, providerRequest, fixture, waitFor, allEvents, ledgerUntil, CONFIG, FORWARD_TOKEN } from "./harness.mjs";

const PROVIDERS = ["crowdsec", "cloud66", "sectigo"];
const cleanup = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

async function setup(opts = {}) {
  const receiver = await new Receiver().start();
  const mf = await startWorker({ receiver, ...opts });
  cleanup.push(() => mf.dispose(), () => receiver.mode !== "down" && receiver.down());
  const send = ({ path, init }) => mf.dispatchFetch(`http://hookwall.test${path}`, init);
  return { receiver, mf, send };
}

test("direct mode: every fixture delivered once as a signed CloudEvent", async () => {
  const { receiver, send } = await setup();
  let count = 0;
  for (const provider of PROVIDERS) {
    for (const name of readdirSync(new URL(`../../fixtures/${provider}/`, import.meta.url))) {
      const res = await send(providerRequest(provider, fixture(provider, name)));
      assert.equal(res.status, 200, `${provider}/${name}: ${await res.clone().text()}`);
      const ack = await res.json();
      count += 1;
      assert.equal(receiver.received.length, count, `${provider}/${name} delivered`);
      const got = receiver.received.at(-1);
      assert.equal(got.headers["content-type"], "application/cloudevents+json");
      assert.equal(got.headers.authorization, FORWARD_TOKEN);
      assert.ok(got.signatureOk, `${provider}/${name} signature verifies`);
      assert.equal(got.event.specversion, "1.0");
      assert.equal(got.event.data.id, ack.id);
    }
  }
  assert.equal(count, 36);
});

test("a retried delivery is acknowledged without a second delivery", async () => {
  const { receiver, mf, send } = await setup();
  const body = fixture("crowdsec", "alert_triggered.json");
  const first = await send(providerRequest("crowdsec", body));
  assert.equal(first.status, 200);
  const { id } = await first.json();
  const [event] = await allEvents(mf);
  assert.equal(event.id, `alert_triggered:${id}`);
  assert.deepEqual(event.deliveries.map((d) => [d.destination, d.status, d.attempts]), [["forward", "delivered", 1]]);
  const again = await send(providerRequest("crowdsec", body));
  assert.equal(again.status, 200);
  assert.equal((await again.json()).status, "duplicate");
  assert.equal(receiver.received.length, 1);
});

test("an event id of 600 bytes is still deduplicated, under a 64-digit key", async () => {
  const { receiver, mf, send } = await setup();
  const event = JSON.parse(fixture("sectigo", "user_create.json"));
  event.id = "x".repeat(600);
  const body = JSON.stringify(event);
  const first = await send(providerRequest("sectigo", body));
  assert.equal(first.status, 200, await first.clone().text());
  const [{ key }] = await allEvents(mf);
  assert.match(key, /^[0-9a-f]{64}$/);
  const again = await send(providerRequest("sectigo", body));
  assert.equal((await again.json()).status, "duplicate");
  assert.equal(receiver.received.length, 1);
});

/** The `event_id` CrowdSec's documentation gives all 15 examples: "ID of the source event", which
 * notifications of different types about one source event share. */
const DOCS_EVENT_ID = "c6d468d4f1084ebca84165c33f97fbc4";

/** The docs' 15 CrowdSec examples with their shared id: the fixtures, whose ids were made
 * distinct, with `event_id` set back to the docs' and every other byte as it is. */
function crowdsecDocsExamples() {
  const names = readdirSync(new URL("../../fixtures/crowdsec/", import.meta.url));
  assert.equal(names.length, 15);
  return names.map((name) => {
    const text = fixture("crowdsec", name).toString("utf8");
    const body = text.replace(/("event_id"\s*:\s*)"[^"]*"/, `$1"${DOCS_EVENT_ID}"`);
    assert.equal(JSON.parse(body).details?.event_id ?? JSON.parse(body).event_id, DOCS_EVENT_ID, name);
    return { name, body };
  });
}

/** Sends the 15 examples, then a real retry of one; returns the answers' statuses. */
async function sendDocsExamples(send, mf) {
  const statuses = [];
  for (const { name, body } of crowdsecDocsExamples()) {
    const res = await send(providerRequest("crowdsec", body));
    assert.equal(res.status, 200, `${name}: ${await res.clone().text()}`);
    const ack = await res.json();
    assert.equal(ack.id, DOCS_EVENT_ID, name);
    statuses.push(ack.status);
  }
  const retry = await send(providerRequest("crowdsec", fixture("crowdsec", "alert_triggered.json").toString("utf8")
    .replace(/("event_id"\s*:\s*)"[^"]*"/, `$1"${DOCS_EVENT_ID}"`)));
  assert.equal(retry.status, 200);
  statuses.push((await retry.json()).status);
  return statuses;
}

/** The event types the receiver got, each with the docs' shared id. */
function receivedTypes(receiver) {
  assert.ok(receiver.received.every((r) => r.event.data.id === DOCS_EVENT_ID && r.signatureOk));
  return receiver.received.map((r) => r.event.data.event_type).sort();
}

test("direct mode: the CrowdSec docs' 15 examples, one event_id, are each delivered once; a retry is a duplicate", async () => {
  const { receiver, mf, send } = await setup();
  const statuses = await sendDocsExamples(send, mf);
  assert.deepEqual(statuses, [...Array(15).fill("delivered"), "duplicate"]);
  const types = receivedTypes(receiver);
  assert.equal(types.length, 15);
  assert.equal(new Set(types).size, 15, `one each: ${types}`);
});

test("queue mode: the CrowdSec docs' 15 examples, one event_id, are each delivered once; a retry is a duplicate", async () => {
  const { receiver, mf, send } = await setup({ queue: true });
  const statuses = await sendDocsExamples(send, mf);
  assert.deepEqual(statuses, [...Array(15).fill("enqueued"), "duplicate"]);
  await waitFor(() => receiver.received.length >= 15, "15 queued deliveries");
  await ledgerUntil(mf, (events) => events.length === 15 && events.every((e) => e.deliveries[0].status === "delivered"), "15 delivered in the ledger");
  await new Promise((ok) => setTimeout(ok, 2000));
  const types = receivedTypes(receiver);
  assert.equal(types.length, 15, `nothing doubled: ${types}`);
  assert.equal(new Set(types).size, 15, `one each: ${types}`);
});

test("two Sectigo sources sending the same numeric id both deliver; each one's retry is a duplicate", async () => {
  const partnerB = { ...CONFIG.sources.find((s) => s.name === "sectigo"), name: "sectigo-partner-b", path: "/hooks/sectigo-partner-b" };
  const config = JSON.stringify({ ...CONFIG, sources: [...CONFIG.sources, partnerB] });
  const { receiver, mf, send } = await setup({ config });
  const event = JSON.parse(fixture("sectigo", "user_create.json"));
  const bodyA = JSON.stringify(event);
  const bodyB = JSON.stringify({ ...event, partner: { id: 2 } });
  const fromA = () => providerRequest("sectigo", bodyA);
  const fromB = () => ({ ...providerRequest("sectigo", bodyB), path: partnerB.path });
  for (const request of [fromA(), fromB()]) {
    const res = await send(request);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { status: "delivered", id: String(event.id) });
  }
  const sources = (await allEvents(mf)).map((e) => [e.source, e.event_source, e.id]).sort();
  assert.deepEqual(sources, [["sectigo", "https://wsp.sectigo.com/partners/1", String(event.id)],
    ["sectigo-partner-b", "https://wsp.sectigo.com/partners/2", String(event.id)]]);
  for (const request of [fromA(), fromB()]) assert.equal((await (await send(request)).json()).status, "duplicate");
  assert.deepEqual(receiver.received.map((r) => r.event.source),
    ["https://wsp.sectigo.com/partners/1", "https://wsp.sectigo.com/partners/2"]);
});

/** An undocumented type and, for CrowdSec, an event id that try to inject a header or a log line. */
const EVIL_TYPE = "new_thing\r\nx-evil: 1";
const EVIL_ID = "id\r\nx-evil: 2\u0000\u2028" + "x".repeat(5000);

function evilPayloads() {
  const crowdsec = JSON.stringify({ metadata: { version: 1, issuer: "crowdsec.net" },
    details: { event_id: EVIL_ID, organization_id: "12345678-1234-1234-1234-123456789012",
      event_timestamp: "2021-07-29T12:00:00+00:00", event_type: EVIL_TYPE } });
  const cloud66 = JSON.stringify({ ...JSON.parse(fixture("cloud66", "server.stopped.json")), event_type: EVIL_TYPE });
  return [["crowdsec", crowdsec, EVIL_ID], ["cloud66", cloud66, null]];
}

/** Only RFC 9110 field values: visible ASCII, spaces and tabs. */
function assertCleanHeaders(headers, where) {
  for (const [name, value] of Object.entries(headers)) {
    assert.ok(!name.startsWith("x-evil"), `${where}: injected header ${name}`);
    for (const v of [value].flat()) assert.match(v, /^[\t\x20-\x7e]*$/, `${where}: ${name}`);
  }
}

for (const queue of [false, true]) {
  test(`${queue ? "queue" : "direct"} mode: CR, LF, NUL and 5,000 bytes in an event type or id reach no header, ledger key or log line raw`, async () => {
    const logs = new Logs();
    const { receiver, mf, send } = await setup({ queue, logs });
    for (const [provider, body, id] of evilPayloads()) {
      const before = receiver.received.length;
      const res = await send(providerRequest(provider, body));
      assert.equal(res.status, 200, `${provider}: ${await res.clone().text()}`);
      assertCleanHeaders(Object.fromEntries(res.headers), `${provider} answer`);
      const ack = await res.json();
      assert.equal(ack.status, queue ? "enqueued" : "delivered");
      // The core cuts an id too long to be one (keeping a digest of the rest): it stays unique.
      if (id) assert.ok(ack.id.length < 200 && id.startsWith(ack.id.split("…")[0]), ack.id);
      await waitFor(() => receiver.received.length === before + 1, `${provider} delivered`);
      const got = receiver.received.at(-1);
      assertCleanHeaders(got.headers, `${provider} delivery`);
      assert.ok(got.signatureOk);
      assert.equal(got.event.data.event_type, EVIL_TYPE, "the payload's type reaches the receiver intact, in JSON");
      assert.equal(got.event.data.id, ack.id);

      const retry = await send(providerRequest(provider, body));
      assert.equal((await retry.json()).status, "duplicate", `${provider} retry`);
    }
    const events = await ledgerUntil(mf, (all) => all.length === 2 && all.every((e) => e.deliveries[0].status === "delivered"), "both delivered");
    await new Promise((ok) => setTimeout(ok, queue ? 2000 : 200));
    assert.equal(receiver.received.length, 2, "each delivered exactly once");
    for (const e of events) {
      assert.match(e.key, /^[0-9a-f]{64}$/);
      assert.equal(e.type, EVIL_TYPE, "the ledger keeps the type as sent, in JSON");
    }

    const lines = logs.lines;
    const logged = lines.map((line) => JSON.parse(line)).filter((l) => l.type === EVIL_TYPE);
    // Direct: accepted and duplicate, twice; queue: also one consumer line per delivery.
    assert.equal(logged.length, queue ? 6 : 4, lines.join("\n"));
    for (const l of logged.filter((e) => e.id?.startsWith("id"))) {
      assert.ok(EVIL_ID.startsWith(l.id.split("…")[0]) && l.id.includes("…") && l.id.length < 300, "the id is cut short");
    }
  });
}

test("a FORWARD_TOKEN that is no header value is a configuration error, never sent", async () => {
  const { receiver, send } = await setup({ vars: { FORWARD_TOKEN: "Bearer t\r\nx-evil: 1" } });
  const res = await send(providerRequest("crowdsec", fixture("crowdsec", "alert_triggered.json")));
  assert.equal(res.status, 500);
  assert.equal((await res.json()).error, "config_error");
  assert.equal(receiver.hits.length, 0);
});

test("every deny rule answers its status with a JSON error body, and logs it under the route's source", async () => {
  const logs = new Logs();
  const { receiver, send } = await setup({ logs });
  const good = fixture("crowdsec", "alert_triggered.json");
  const cases = [
    [404, "unknown_route", { path: "/hooks/nope", init: providerRequest("crowdsec", good).init }],
    [405, "method_not_allowed", { path: "/hooks/crowdsec", init: { method: "GET", headers: providerRequest("crowdsec", good).init.headers } }],
    [415, "unsupported_media_type", providerRequest("crowdsec", good, { "content-type": "text/plain" })],
    [413, "body_too_large", providerRequest("crowdsec", Buffer.alloc(70000, 32))],
    [401, "unauthorized", providerRequest("crowdsec", good, { authorization: "Bearer wrong" })],
    [403, "forbidden_address", providerRequest("sectigo", fixture("sectigo", "user_create.json"), { "cf-connecting-ip": "192.0.2.1" })],
    [400, "malformed_json", providerRequest("crowdsec", "{\"event\":")],
    [422, "provider_mismatch", providerRequest("crowdsec", fixture("cloud66", "server.stopped.json"))],
  ];
  for (const [status, reason, request] of cases) {
    const res = await send(request);
    assert.equal(res.status, status, reason);
    assert.match(res.headers.get("content-type"), /application\/json/);
    assert.equal((await res.json()).error, reason);
  }
  const expected = cases.map(([status, reason, { path }]) =>
    ({ verdict: "deny", reason, status, source: CONFIG.sources.find((s) => s.path === path)?.name ?? null }));
  const denied = () => logs.lines.map((l) => JSON.parse(l)).filter((l) => l.verdict === "deny")
    .map(({ verdict, reason, status, source }) => ({ verdict, reason, status, source }));
  await waitFor(() => denied().length === cases.length, "a log line per refusal");
  assert.deepEqual(denied(), expected);
  const health = await send({ path: "/healthz", init: { method: "GET" } });
  assert.equal(health.status, 200);
  assert.equal(receiver.received.length, 0);
});

test("direct mode: receiver down gives 503 and no acknowledgement, then delivery on retry", async () => {
  const { receiver, send } = await setup();
  await receiver.down();
  const body = fixture("sectigo", "user_create.json");
  const res = await send(providerRequest("sectigo", body));
  assert.equal(res.status, 503);
  assert.ok(res.headers.get("retry-after"));
  await receiver.start();
  const retried = await send(providerRequest("sectigo", body));
  assert.equal(retried.status, 200);
  assert.equal((await retried.json()).status, "delivered");
  assert.equal(receiver.received.length, 1);
});

test("direct mode: a receiver that never answers gives 503 within the deadline, not acknowledged", async () => {
  // Short timings so the test is quick; the defaults are 8 s per attempt and 20 s in all.
  const deadline = 1000;
  const { receiver, send } = await setup({ vars: { FORWARD_TIMEOUT_MS: "300", DIRECT_DEADLINE_MS: String(deadline) } });
  receiver.mode = "hang";
  const body = fixture("crowdsec", "alert_triggered.json");
  const started = Date.now();
  const res = await send(providerRequest("crowdsec", body));
  const took = Date.now() - started;
  assert.equal(res.status, 503);
  assert.equal((await res.json()).error, "delivery_failed");
  // Without the deadline, three 300 ms attempts and the 250 ms and 1 s pauses take 2.15 s at least.
  assert.ok(took < deadline + 700, `answered after ${took} ms, deadline ${deadline} ms`);
  assert.ok(receiver.hits.length >= 2, `retried within the deadline (${receiver.hits.length} attempts)`);
  assert.equal(receiver.received.length, 0);
  receiver.mode = "up";
  const retried = await send(providerRequest("crowdsec", body));
  assert.equal(retried.status, 200);
  assert.equal((await retried.json()).status, "delivered", "the timed-out event was not marked");
});

test("delivery timings and the ledger's retention outside their bounds are a configuration error, never a longer wait", async () => {
  for (const vars of [{ DIRECT_DEADLINE_MS: "60000" }, { FORWARD_TIMEOUT_MS: "0" }, { RETRY_MAX_DELAY_SECONDS: "soon" }, { LEDGER_RETENTION_DAYS: "0" }, { LEDGER_RETENTION_DAYS: "367" }]) {
    const { receiver, send } = await setup({ vars });
    const res = await send(providerRequest("crowdsec", fixture("crowdsec", "alert_triggered.json")));
    assert.equal(res.status, 500, JSON.stringify(vars));
    assert.equal((await res.json()).error, "config_error");
    assert.equal(receiver.hits.length, 0);
  }
});

/** POSTs `chunks` chunk by chunk without a Content-Length, one every `everyMs`; resolves with
 * the answer and how many bytes had been sent when it arrived. */
function sendChunked(url, path, headers, chunks, everyMs = 10) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(new URL(path, url), { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } }, (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      const parts = [];
      res.on("data", (c) => parts.push(c));
      res.on("end", () => { req.destroy(); resolve({ status: res.statusCode, body: Buffer.concat(parts).toString(), sentWhenAnswered }); });
    });
    req.on("error", (e) => { if (!answered) reject(e); });
    const next = (i) => {
      if (answered) return;
      if (i === chunks.length) { req.end(); return; }
      req.write(chunks[i], () => { sent += chunks[i].length; setTimeout(() => next(i + 1), everyMs); });
    };
    next(0);
  });
}

test("a chunked body is refused with 413 as soon as it passes the limit, and accepted within it", async () => {
  const receiver = await new Receiver().start();
  const mf = await startWorker({ receiver, port: 0 });
  cleanup.push(() => mf.dispose(), () => receiver.mode !== "down" && receiver.down());
  const url = await mf.ready;
  const { path, init } = providerRequest("crowdsec", "");
  // The crowdsec source allows 65,536 bytes; 200 chunks of 16 KiB would be 3.2 MB, paced so
  // that a Worker buffering the whole body could only answer after the last one.
  const chunk = Buffer.alloc(16384, 32);
  const big = await sendChunked(url, path, init.headers, Array(200).fill(chunk));
  assert.equal(big.status, 413);
  assert.equal(JSON.parse(big.body).error, "body_too_large");
  assert.ok(big.sentWhenAnswered < 1_000_000, `answered after ${big.sentWhenAnswered} bytes`);

  const good = fixture("crowdsec", "alert_triggered.json");
  const pieces = [good.subarray(0, 100), good.subarray(100, 300), good.subarray(300)];
  const ok = await sendChunked(url, path, init.headers, pieces);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(receiver.received.length, 1);
  assert.equal(receiver.received[0].event.data.event_type, "alert_triggered");
});

test("queue mode: failed deliveries are retried with exponential backoff up to the cap", async () => {
  // RETRY_DELAY_SECONDS is 1 in the tests and the cap is set to 2: the waits are 1 s, 2 s, then
  // 2 s again rather than 4 (each plus up to the 1 s batch timeout).
  const { receiver, send } = await setup({ queue: true, vars: { RETRY_MAX_DELAY_SECONDS: "2" } });
  receiver.mode = "fail";
  const res = await send(providerRequest("cloud66", fixture("cloud66", "server.stopped.json")));
  assert.equal(res.status, 200);
  await waitFor(() => receiver.hits.length >= 3, "three failed attempts");
  receiver.mode = "up";
  await waitFor(() => receiver.received.length === 1, "delivery once the receiver is back");
  const gaps = receiver.hits.slice(1).map((t, i) => (t - receiver.hits[i]) / 1000);
  assert.equal(gaps.length, 3, `attempts at ${receiver.hits}`);
  const [first, second, capped] = gaps;
  // The lower bounds show the doubling, the third's upper bound the cap (uncapped it is 4 s).
  assert.ok(first >= 0.9 && first < 2.9, `first wait ${first} s`);
  assert.ok(second >= 1.9 && second < 3.9, `second wait ${second} s`);
  assert.ok(capped >= 1.9 && capped < 3.9, `third wait ${capped} s, capped at 2`);
});

test("queue mode: receiver down gives 200 now and one delivery once it is back", async () => {
  const { receiver, send } = await setup({ queue: true });
  await receiver.down();
  const names = readdirSync(new URL("../../fixtures/cloud66/", import.meta.url));
  for (const name of names) {
    const res = await send(providerRequest("cloud66", fixture("cloud66", name)));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, "enqueued");
  }
  await new Promise((ok) => setTimeout(ok, 1500));
  await receiver.start();
  await waitFor(() => receiver.received.length >= names.length, "queued deliveries");
  await new Promise((ok) => setTimeout(ok, 2500));
  const ids = receiver.received.map((r) => r.event.id);
  assert.equal(new Set(ids).size, names.length, "nothing lost");
  assert.equal(ids.length, names.length, "nothing doubled");
  assert.ok(receiver.received.every((r) => r.signatureOk));
});

test("a flood of malformed bodies, then good requests still pass", async () => {
  const { receiver, send } = await setup();
  const bad = ["", "{", "[]", "null", "{\"a\":".repeat(2000), "\u0000\u00ff", "{\"id\":1}".repeat(100)];
  for (let i = 0; i < 300; i++) {
    const res = await send(providerRequest("crowdsec", bad[i % bad.length]));
    assert.ok(res.status >= 400 && res.status < 500, `malformed body ${i % bad.length} gave ${res.status}`);
    await res.arrayBuffer();
  }
  const res = await send(providerRequest("crowdsec", fixture("crowdsec", "payment_failed.json")));
  assert.equal(res.status, 200);
  assert.equal(receiver.received.length, 1);
});

test("hostile heads (Latin-1 header bytes, odd paths and queries) get a 4xx, never a 500", async () => {
  const receiver = await new Receiver().start();
  const mf = await startWorker({ receiver, port: 0 });
  cleanup.push(() => mf.dispose(), () => receiver.mode !== "down" && receiver.down());
  const url = await mf.ready;
  const good = fixture("crowdsec", "alert_triggered.json");
  const { headers } = providerRequest("crowdsec", good).init;
  const cases = [
    ["/hooks/crowdsec", { authorization: "Bearer \xff\xfe\x80" }],
    ["/hooks/crowdsec", { authorization: "Basic \xe9\xe9\xe9" }],
    ["/hooks/sectigo", { "cf-connecting-ip": "\xff.\xfe.1.1", authorization: "Basic " + "A".repeat(5000) }],
    ["/hooks/cloud66?token=%ff%fe&token=x", {}],
    ["/hooks/cloud66?token=" + "%".repeat(300), {}],
    ["/hooks/%2e%2e/crowdsec", {}],
    ["/hooks/crowdsec/../crowdsec?%00", { authorization: "Bearer \xff", "x-forwarded-for": "\xff, ::ffff:999.1.1.1" }],
  ];
  for (const [path, extra] of cases) {
    const status = await new Promise((resolve, reject) => {
      // A connection each: workerd closes one whose request body a denial left unread.
      const req = httpRequest(new URL(path, url), { method: "POST", agent: false, headers: { ...headers, ...extra, "content-length": good.length } },
        (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); });
      req.on("error", reject);
      req.end(good);
    });
    assert.ok(status >= 400 && status < 500, `${path} ${JSON.stringify(extra).slice(0, 80)} gave ${status}`);
  }
  const res = await mf.dispatchFetch(new URL("/hooks/crowdsec", url), providerRequest("crowdsec", good).init);
  assert.equal(res.status, 200);
  assert.equal(receiver.received.length, 1);
});

test("an invalid HOOKWALL_CONFIG fails every request with 500, never permissive", async () => {
  const bad = JSON.stringify({ sources: [{ name: "x", path: "/hooks/crowdsec", provider: "crowdsec", allow_ips: ["10.0.0.0/33"] }] });
  const { receiver, send } = await setup({ config: bad });
  for (const request of [providerRequest("crowdsec", fixture("crowdsec", "alert_triggered.json")), { path: "/anything", init: { method: "POST" } }]) {
    const res = await send(request);
    assert.equal(res.status, 500);
    assert.equal((await res.json()).error, "config_error");
  }
  assert.equal(receiver.received.length, 0);
});

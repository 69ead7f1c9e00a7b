// The operator console (/_hookwall/) in a real headless Chromium against the built Worker in
// workerd with its ledger, delivering to loopback receivers: signing in, the fixtures, a failed
// destination found, recovered and turned delivered, a resend, a refused token, phone width,
// and payloads written to inject script shown as text. Screenshots: target/console-screenshots/.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { ADMIN_TOKEN as TOKEN, Receiver, startWorker, providerRequest, fixture, waitFor } from "./harness.mjs";
import { launch, watchedPage, screenshot } from "./browser.mjs";

const root = new URL("../../", import.meta.url);
const PROVIDERS = ["crowdsec", "cloud66", "sectigo"];
const WAIT = { timeout: 60000 };
const cleanup = [];
let chromium;
before(async () => { chromium = await launch(); });
after(async () => {
  for (const f of cleanup.reverse()) await f();
  await chromium?.close();
});

/** siem: every event as a CloudEvent; chat: critical and high as Slack messages. */
function destinations(receivers) {
  const list = [
    { name: "siem", url_secret: "SIEM_URL", format: "cloudevent", match: { min_severity: "info" } },
    { name: "chat", url_secret: "CHAT_URL", format: "slack", match: { min_severity: "high" } },
  ];
  return { SIEM_URL: receivers.siem.url, CHAT_URL: receivers.chat.url,
    HOOKWALL_DESTINATIONS: JSON.stringify({ destinations: list }) };
}

/** Two receivers and the Worker on a loopback port, its admin API open to the harness's token. A failing
 * destination gives up within a second, so that an outage costs the test little time. */
async function setup() {
  const receivers = { siem: await new Receiver().start(), chat: await new Receiver().start() };
  const mf = await startWorker({ receiver: null, port: 0, vars: {
    ...destinations(receivers),
    DIRECT_DEADLINE_MS: "1000",
  } });
  cleanup.push(() => mf.dispose(),
    ...Object.values(receivers).map((r) => () => r.mode !== "down" && r.down()));
  const base = (await mf.ready).origin;
  const send = ({ path, init }) => fetch(`${base}${path}`, init);
  return { receivers, base, send };
}

/** Every documented fixture with its golden type and severity. */
function fixtures() {
  return PROVIDERS.flatMap((provider) =>
    readdirSync(new URL(`fixtures/${provider}/`, root)).map((name) => {
      const golden = JSON.parse(readFileSync(new URL(`fixtures/expected/${provider}/${name}`, root), "utf8"));
      return { provider, name, type: golden.data.event_type, severity: golden.data.severity };
    }));
}

const table = (page) => page.$$eval("#events-table tbody tr[data-key]", (rows) => rows.map((row) => ({
  key: row.dataset.key,
  provider: row.cells[1].textContent,
  type: row.cells[2].textContent,
  severity: row.cells[3].textContent,
  category: row.cells[4].textContent,
  chips: Object.fromEntries([...row.querySelectorAll(".chip[data-destination]")]
    .map((chip) => [chip.dataset.destination, chip.dataset.status])),
})));

const rowCount = (page, n) => page.waitForFunction(
  (n) => document.querySelectorAll("#events-table tbody tr[data-key]").length === n, WAIT, n);

async function signIn(page, base, token = TOKEN) {
  await page.goto(`${base}/_hookwall/`);
  await page.waitForSelector("#token", { visible: true, ...WAIT });
  await page.type("#token", token);
  await page.keyboard.press("Enter");
}

/** Opens the event of `key` from its row and waits for its details. */
async function openEvent(page, key) {
  await page.click(`#events-table tr[data-key="${key}"] button.open`);
  await page.waitForFunction((key) => document.querySelector("#detail").open
    && document.querySelector("#detail-status").textContent === ""
    && document.querySelector("#detail-fields dd")?.textContent === key, WAIT, key);
}

async function filterStatus(page, status) {
  await page.select("#filters select[name=status]", status);
  await page.click("#filters button[type=submit]");
}

/** The destinations view's counts for `destination`. */
const counts = (page, destination) => page.$eval(
  `#destinations-table tr[data-destination="${destination}"]`, (row) => Object.fromEntries(
    [...row.querySelectorAll("td.count")].map((td) => [td.dataset.label.toLowerCase(), Number(td.textContent)])));

test("the console's files carry the security headers, and nothing is served with the admin API closed", async () => {
  const { base } = await setup();
  for (const [path, type] of [["/_hookwall/", "text/html"], ["/_hookwall/console.js", "text/javascript"],
    ["/_hookwall/console.css", "text/css"], ["/_hookwall/console.svg", "image/svg+xml"]]) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    assert.ok(res.headers.get("content-type").startsWith(type), path);
    const csp = res.headers.get("content-security-policy");
    for (const directive of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'",
      "form-action 'none'", "require-trusted-types-for 'script'"]) {
      assert.ok(csp.includes(directive), `${path}: ${directive} in ${csp}`);
    }
    assert.ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"), csp);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
  }
  const html = await (await fetch(`${base}/_hookwall/`)).text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, "no inline script");
  assert.doesNotMatch(html, /\son[a-z]+=/i, "no inline handler");
  const bare = await fetch(`${base}/_hookwall`, { redirect: "manual" });
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get("location"), "/_hookwall/");
  assert.equal((await fetch(`${base}/_hookwall/console.map`)).status, 401, "other paths are the API's");

  const closed = await startWorker({ receiver: null, port: 0, vars: { HOOKWALL_ADMIN_TOKEN_SHA256: "",
    ...destinations({ siem: { url: "http://127.0.0.1:9/" }, chat: { url: "http://127.0.0.1:9/" } }) } });
  cleanup.push(() => closed.dispose());
  const closedBase = (await closed.ready).origin;
  for (const path of ["/_hookwall/", "/_hookwall/console.js"]) {
    assert.equal((await fetch(`${closedBase}${path}`)).status, 404, path);
  }
});

test("an operator signs in, finds the failed deliveries, recovers them and resends one", async () => {
  const { receivers, base, send } = await setup();
  const all = fixtures();
  const urgent = all.filter((f) => ["critical", "high"].includes(f.severity));
  await receivers.chat.down();
  for (const f of all) {
    const res = await send(providerRequest(f.provider, fixture(f.provider, f.name)));
    assert.equal(res.status, urgent.includes(f) ? 503 : 200, `${f.provider}/${f.name}`);
  }
  const { page, incidents } = await watchedPage(chromium.browser);

  await page.goto(`${base}/_hookwall/`);
  await page.waitForSelector("#token", { visible: true, ...WAIT });
  await screenshot(page, "signin");
  await signIn(page, base);
  await rowCount(page, 36);
  await screenshot(page, "events");
  const rows = await table(page);
  assert.deepEqual(rows.map((r) => `${r.provider} ${r.type} ${r.severity}`).sort(),
    all.map((f) => `${f.provider} ${f.type} ${f.severity}`).sort());
  assert.equal(await page.evaluate(() => sessionStorage.length), 1);
  // Times in the browser's zone, UTC on hover.
  const time = await page.$eval("#events-table tbody time", (t) =>
    ({ title: t.title, text: t.textContent, local: new Date(t.dateTime).toLocaleString() }));
  assert.match(time.title, /^UTC \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(time.text, time.local);
  assert.ok(!page.url().includes(TOKEN) && !(await page.cookies()).length);

  // The severity filter is the API's: every high event of the ledger, nothing else.
  const high = all.filter((f) => f.severity === "high");
  await page.select("#filters select[name=severity]", "high");
  await page.click("#filters button[type=submit]");
  await rowCount(page, high.length);
  assert.deepEqual((await table(page)).map((r) => `${r.provider} ${r.type} ${r.severity}`).sort(),
    high.map((f) => `${f.provider} ${f.type} ${f.severity}`).sort());
  await page.select("#filters select[name=severity]", "");
  const listed = async (query) => {
    const res = await fetch(`${base}/_hookwall/events?${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: await res.json() };
  };
  const answer = await listed("severity=high&limit=500");
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body.events.map((e) => e.severity), high.map(() => "high"));
  assert.equal((await listed("severity=urgent")).status, 400);

  await filterStatus(page, "failed");
  await rowCount(page, urgent.length);
  const failed = await table(page);
  assert.ok(failed.every((r) => r.chips.chat === "failed" && r.chips.siem === "delivered"), JSON.stringify(failed));
  await screenshot(page, "events-failed");

  // The row's button opens the event from the keyboard; its deliveries say why.
  await page.focus("#events-table tbody tr button.open");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("#detail").open
    && document.querySelector("#detail-deliveries tbody tr[data-destination=chat]"), WAIT);
  const chat = await page.$eval("#detail-deliveries tr[data-destination=chat]", (row) =>
    [...row.cells].map((c) => c.textContent));
  assert.match(chat[1], /failed/);
  assert.ok(Number(chat[2]) >= 1, `attempts ${chat[2]}`);
  assert.notEqual(chat[3], "–", "the last error is shown");
  await screenshot(page, "event-detail");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("#detail").open, WAIT);

  await page.click(".tab[data-view=destinations]");
  await page.waitForSelector("#destinations-table tr[data-destination=chat]", WAIT);
  assert.deepEqual(await counts(page, "chat"), { delivered: 0, pending: 0, failed: urgent.length, dead: 0 });
  assert.deepEqual(await counts(page, "siem"), { delivered: 36, pending: 0, failed: 0, dead: 0 });
  const chart = await page.$$eval("#chart svg", ([svg]) => ({
    events: [...svg.querySelectorAll("rect.bar")].reduce((n, r) => n + Number(r.dataset.count), 0),
    failed: [...svg.querySelectorAll(".fail-mark")].reduce((n, t) => n + Number(t.dataset.failed), 0),
  }));
  assert.deepEqual(chart, { events: 36, failed: urgent.length });
  await screenshot(page, "destinations-outage");

  await receivers.chat.start();
  await page.click("#destinations-table tr[data-destination=chat] form.recover button");
  await page.waitForFunction((n) => document.querySelector(
    "#destinations-table tr[data-destination=chat] .recovered")?.textContent === `Requeued ${n}.`, WAIT, urgent.length);
  await waitFor(async () => (await counts(page, "chat").catch(() => ({}))).delivered === urgent.length,
    "the chat counts to show every delivery delivered");
  assert.equal(receivers.chat.received.length, urgent.length, "each recovered delivery sent once");
  await screenshot(page, "destinations-recovered");

  await page.click(".tab[data-view=events]");
  await page.waitForFunction(() => /^0 events/.test(document.querySelector("#events-status").textContent), WAIT);
  await filterStatus(page, "");
  await rowCount(page, 36);
  const after = await table(page);
  assert.ok(after.every((r) => Object.values(r.chips).every((s) => s === "delivered")), JSON.stringify(after));

  const sent = receivers.siem.received.length;
  await openEvent(page, after[0].key);
  await page.click("#detail-deliveries tr[data-destination=siem] button.resend");
  await page.waitForFunction(() => document.querySelector("#detail-status").textContent === "Resent to siem.", WAIT);
  assert.equal(receivers.siem.received.length, sent + 1, "one more copy");
  const siem = await page.$eval("#detail-deliveries tr[data-destination=siem]", (row) => [...row.cells].map((c) => c.textContent));
  assert.match(siem[1], /delivered/);
  assert.equal(siem[2], "2", "the resend counts as an attempt");
  await screenshot(page, "event-resent");
  assert.deepEqual(incidents, []);
});

test("Older and Newer page through the API's cursor, no event shown twice", async () => {
  const { base, send } = await setup();
  const alert = JSON.parse(fixture("crowdsec", "alert_triggered.json"));
  for (let i = 0; i < 60; i++) {
    alert.details.event_id = `paging-${i}`;
    const res = await send(providerRequest("crowdsec", JSON.stringify(alert)));
    assert.equal(res.status, 200, await res.text());
  }
  const { page, incidents } = await watchedPage(chromium.browser);
  await signIn(page, base);
  await rowCount(page, 50);
  const first = (await table(page)).map((r) => r.key);
  assert.equal(await page.$eval("#newer", (b) => b.disabled), true);
  await page.click("#older");
  await rowCount(page, 10);
  const second = (await table(page)).map((r) => r.key);
  assert.equal(new Set([...first, ...second]).size, 60);
  assert.equal(await page.$eval("#older", (b) => b.disabled), true);
  await page.click("#newer");
  await rowCount(page, 50);
  assert.deepEqual((await table(page)).map((r) => r.key), first);
  assert.deepEqual(incidents, []);
});

test("the console fits a phone-width screen", async () => {
  const { base, send } = await setup();
  for (const f of fixtures().slice(0, 6)) await send(providerRequest(f.provider, fixture(f.provider, f.name)));
  const { page, incidents } = await watchedPage(chromium.browser, { width: 390, height: 844 });
  await signIn(page, base);
  await rowCount(page, 6);
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(await overflow() <= 0, `events view ${await overflow()} px too wide`);
  await screenshot(page, "events-phone");
  await page.click(".tab[data-view=destinations]");
  await page.waitForSelector("#destinations-table tr[data-destination=siem]", WAIT);
  assert.ok(await overflow() <= 0, `destinations view ${await overflow()} px too wide`);
  await screenshot(page, "destinations-phone");
  assert.deepEqual(incidents, []);
});

test("a wrong token returns to the prompt and is not kept", async () => {
  const { base } = await setup();
  const { page, incidents } = await watchedPage(chromium.browser);
  await signIn(page, base, "not-the-token");
  await page.waitForFunction(() => !document.querySelector("#signin").hidden
    && document.querySelector("#signin-error").textContent !== "", WAIT);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  const shown = (id) => page.$eval(id, (e) => e.checkVisibility());
  assert.deepEqual([await shown("#events"), await shown("#nav"), await shown("#signin")], [false, false, true]);
  await screenshot(page, "signin-refused");

  // Signed in, then the token stops working (rotated): the next call returns to the prompt.
  await page.type("#token", TOKEN);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /events on this page/.test(document.querySelector("#events-status").textContent), WAIT);
  await page.evaluate(() => sessionStorage.setItem("hookwall.admin-token", "rotated-away"));
  await page.click("#refresh");
  await page.waitForFunction(() => !document.querySelector("#signin").hidden, WAIT);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  // Chromium reports each 401 answer as a failed resource load; nothing else may appear.
  const unexpected = incidents.filter((i) => !/^console error: Failed to load resource: .* 401/.test(i));
  assert.deepEqual(unexpected, []);
  assert.equal(incidents.length, 2, incidents.join("\n"));
});

/** Payloads whose every attacker-written string the console shows is markup or a script URL. */
const HOSTILE = [
  { provider: "crowdsec", body: { metadata: { version: 1, issuer: "crowdsec.net" }, details: {
    event_id: `</textarea><img src=x onerror="window.__pwned='id'">`,
    organization_id: "javascript:window.__pwned='org'",
    event_timestamp: "2026-12-06T08:00:00+00:00",
    event_type: "<script>window.__pwned='type'</script>" } } },
  { provider: "cloud66", body: { timestamp: 1640995200,
    event_type: "x.<img src=x onerror=alert(document.domain)>", stack_uid: "javascript:alert(1)" } },
  { provider: "cloud66", body: { timestamp: 1640995201, event_type: "javascript:alert('type')" } },
  { provider: "sectigo", body: { id: "<svg onload=alert(1)></textarea><script>alert(2)</script>",
    event: "user_create", target: { type: "User", id: "<b>1</b>" },
    body: { user: { id: 1, name: "<img src=x onerror=alert(3)>", email: "a@b.example" } },
    partner: { id: "javascript:alert(4)" } } },
];

test("payloads written to inject script are shown as text and nothing runs", async () => {
  const { base, send } = await setup();
  for (const { provider, body } of HOSTILE) {
    const res = await send(providerRequest(provider, JSON.stringify(body)));
    assert.equal(res.status, 200, `${provider}: ${await res.text()}`);
  }
  const { page, incidents } = await watchedPage(chromium.browser);
  await signIn(page, base);
  await rowCount(page, HOSTILE.length);
  const types = (await table(page)).map((r) => r.type).sort();
  assert.deepEqual(types, ["<script>window.__pwned='type'</script>", "javascript:alert('type')",
    "user_create", "x.<img src=x onerror=alert(document.domain)>"].sort());
  const shown = [];
  for (const { key } of await table(page)) {
    await openEvent(page, key);
    shown.push(await page.$eval("#detail-fields", (dl) => dl.textContent));
    if (!shown[1]) await screenshot(page, "injection-detail");
    await page.keyboard.press("Escape");
  }
  const text = shown.join("\n");
  for (const hostile of [`</textarea><img src=x onerror="window.__pwned='id'">`,
    "<svg onload=alert(1)></textarea><script>alert(2)</script>", "javascript%3Aalert%284%29"]) {
    assert.ok(text.includes(hostile), `${hostile} shown as text`);
  }
  await page.click(".tab[data-view=destinations]");
  await page.waitForSelector("#destinations-table tr[data-destination=siem]", WAIT);
  await screenshot(page, "injection-events");
  const injected = await page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    scripts: [...document.scripts].map((s) => s.getAttribute("src")),
    images: document.images.length,
    handlers: [...document.querySelectorAll("*")].flatMap((e) =>
      [...e.attributes].filter((a) => a.name.startsWith("on")).map((a) => `${e.localName} ${a.name}`)),
    links: [...document.querySelectorAll("[href], [src], [action], [formaction]")]
      .map((e) => e.getAttribute("href") ?? e.getAttribute("src") ?? e.getAttribute("action") ?? e.getAttribute("formaction"))
      .filter((v) => !v.startsWith("/_hookwall/")),
    elements: [...document.querySelectorAll("b, svg:not(.chart-svg), textarea, iframe, object, embed")].length,
  }));
  assert.deepEqual(injected, { pwned: null, scripts: ["/_hookwall/console.js"], images: 0, handlers: [], links: [], elements: 0 });
  assert.deepEqual(incidents, []);
});

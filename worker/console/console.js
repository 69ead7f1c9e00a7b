// The hookwall operator console: the Worker's admin API (/_hookwall/…, docs/worker.md) as
// pages. Every value shown comes from a webhook an attacker may have written, so it is only
// ever inserted as text (textContent, text nodes, attribute values), never parsed as HTML; the
// page's CSP forbids inline script and, through Trusted Types, every HTML sink.
"use strict";

const API = "/_hookwall";
const TOKEN_KEY = "hookwall.admin-token";
const SEVERITIES = ["critical", "high", "medium", "low", "info"];
const STATUS_MARK = { delivered: "✓", pending: "…", failed: "✕", dead: "☠" };
const PAGE_SIZE = 50;
const HOUR_MS = 3600 * 1000;
// The destinations view reads the events of its window page by page; this bounds how many.
const MAX_COUNTED = 10000;

const $ = (id) => document.getElementById(id);

/** An element with fixed attributes and text or children; strings become text nodes. */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/** An SVG element, attributes set one by one. */
function svg(tag, attrs = {}, children = []) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

// ---------------------------------------------------------------------------------------------
// The admin API.

class SignedOut extends Error {}

/** Calls the admin API with the tab's token; a 401 signs out and throws `SignedOut`. */
async function api(path, { method = "GET", query = {}, body } = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new SignedOut();
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
  const init = { method, headers, cache: "no-store", credentials: "omit", redirect: "error" };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (response.status === 401) {
    signOut("The Worker refused this token. Paste the admin token again.");
    throw new SignedOut();
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = typeof data?.error === "string" ? data.error : response.statusText;
    const detail = typeof data?.message === "string" ? `: ${data.message}` : "";
    throw new Error(`The Worker answered ${response.status} ${reason}${detail}`);
  }
  return data;
}

const eventPath = (key) => `/events/${encodeURIComponent(key)}`;

/** Reports a failure in a view's status line, unless it was a sign-out. */
function report(where, error) {
  if (error instanceof SignedOut) return;
  where.textContent = error instanceof Error ? error.message : String(error);
  where.classList.add("error");
}

function say(where, text) {
  where.textContent = text;
  where.classList.remove("error");
}

// ---------------------------------------------------------------------------------------------
// Signing in, and the views.

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  if ($("detail").open) $("detail").close();
  for (const id of ["events", "destinations"]) $(id).hidden = true;
  $("nav").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  $("token").value = "";
  $("token").focus();
}

function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  $("signin-error").textContent = "";
  showView(currentView());
}

function currentView() {
  return location.hash === "#destinations" ? "destinations" : "events";
}

function showView(name) {
  if (!sessionStorage.getItem(TOKEN_KEY)) return signOut();
  $("signin").hidden = true;
  $("nav").hidden = false;
  for (const view of ["events", "destinations"]) $(view).hidden = view !== name;
  for (const tab of document.querySelectorAll(".tab")) {
    if (tab.dataset.view === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (name === "events") loadEvents();
  else loadDestinations();
}

// ---------------------------------------------------------------------------------------------
// Shared pieces: times, severities, delivery chips.

/** A time in the browser's zone, with its UTC form on hover. */
function timeText(iso) {
  if (typeof iso !== "string") return el("span", { text: "–" });
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el("span", { text: iso });
  return el("time", { datetime: date.toISOString(), title: `UTC ${date.toISOString()}`,
    text: date.toLocaleString() });
}

const knownSeverity = (s) => (SEVERITIES.includes(s) ? s : "unknown");

function severityBadge(severity) {
  return el("span", { class: `sev sev-${knownSeverity(severity)}`, text: severity ?? "unknown" });
}

const knownStatus = (s) => (s in STATUS_MARK ? s : "unknown");

/** A delivery's state as a chip: its mark and word, and the destination's name unless the
 * row already names it. */
function chip(delivery, named = true) {
  const status = knownStatus(delivery.status);
  const label = named ? `${delivery.destination}: ${delivery.status}` : delivery.status;
  return el("li", { class: `chip chip-${status}`, "data-destination": delivery.destination,
    "data-status": status, text: `${STATUS_MARK[status] ?? "?"} ${label}` });
}

function chips(deliveries, named = true) {
  const list = el("ul", { class: "chips" }, (deliveries ?? []).map((d) => chip(d, named)));
  if (!deliveries?.length) list.append(el("li", { class: "chip", text: "no destination" }));
  return list;
}

// ---------------------------------------------------------------------------------------------
// The events view: filters, a page of events, paging by the API's cursor.

const paging = { cursors: [null], index: 0, next: null };

function filters() {
  const form = new FormData($("filters"));
  const window = Number(form.get("window"));
  return {
    source: form.get("source").trim(),
    destination: form.get("destination").trim(),
    status: form.get("status"),
    severity: form.get("severity"),
    since: window ? new Date(Date.now() - window * 1000).toISOString() : "",
  };
}

async function loadEvents() {
  const status = $("events-status");
  say(status, "Loading…");
  try {
    const page = await api("/events", {
      query: { ...filters(), limit: PAGE_SIZE, cursor: paging.cursors[paging.index] },
    });
    paging.next = page.next;
    $("events-table").tBodies[0].replaceChildren(...page.events.map(eventRow));
    say(status, `${page.events.length} events on this page.`);
    $("newer").disabled = paging.index === 0;
    $("older").disabled = !page.next;
    $("page-label").textContent = `Page ${paging.index + 1}`;
  } catch (error) {
    report(status, error);
  }
}

function eventRow(event) {
  const open = el("button", { type: "button", class: "open", text: event.type ?? "(no type)",
    "aria-label": `Open event ${event.type ?? ""} received ${event.received_at ?? ""}` });
  open.addEventListener("click", () => openDetail(event.key));
  return el("tr", { "data-key": event.key }, [
    el("td", { "data-label": "Received" }, [timeText(event.received_at)]),
    el("td", { "data-label": "Provider", text: event.provider ?? "–" }),
    el("td", { "data-label": "Type" }, [open]),
    el("td", { "data-label": "Severity" }, [severityBadge(event.severity)]),
    el("td", { "data-label": "Category", text: event.category ?? "–" }),
    el("td", { "data-label": "Deliveries" }, [chips(event.deliveries)]),
  ]);
}

function applyFilters(event) {
  event.preventDefault();
  paging.cursors = [null];
  paging.index = 0;
  loadEvents();
}

function older() {
  if (!paging.next) return;
  paging.cursors[paging.index + 1] = paging.next;
  paging.index += 1;
  loadEvents();
}

function newer() {
  if (paging.index === 0) return;
  paging.index -= 1;
  loadEvents();
}

// ---------------------------------------------------------------------------------------------
// One event: its members, its deliveries, Resend.

const DETAIL_FIELDS = [
  ["key", "Key"], ["source", "Source"], ["event_source", "Event source"], ["id", "Event id"],
  ["provider", "Provider"], ["type", "Type"], ["category", "Category"], ["severity", "Severity"],
  ["received_at", "Received"],
];

async function openDetail(key) {
  const dialog = $("detail");
  say($("detail-status"), "Loading…");
  if (!dialog.open) dialog.showModal();
  try {
    renderDetail(await api(eventPath(key)));
    say($("detail-status"), "");
  } catch (error) {
    report($("detail-status"), error);
  }
}

function renderDetail(event) {
  $("detail-title").textContent = `${event.provider ?? "event"} ${event.type ?? ""}`;
  const fields = [];
  const named = new Set(DETAIL_FIELDS.map(([name]) => name).concat("deliveries"));
  const rows = DETAIL_FIELDS.concat(Object.keys(event).filter((k) => !named.has(k)).map((k) => [k, k]));
  for (const [name, label] of rows) {
    const value = event[name];
    let shown;
    if (name === "received_at") shown = timeText(value);
    else if (name === "severity") shown = severityBadge(value);
    else if (value !== null && typeof value === "object") shown = el("pre", { text: JSON.stringify(value, null, 2) });
    else shown = el("span", { text: value === null || value === undefined ? "–" : String(value) });
    fields.push(el("dt", { text: label }), el("dd", {}, [shown]));
  }
  $("detail-fields").replaceChildren(...fields);
  $("detail-deliveries").tBodies[0].replaceChildren(
    ...(event.deliveries ?? []).map((d) => deliveryRow(event, d)));
  updateRow(event);
}

function deliveryRow(event, delivery) {
  const resend = el("button", { type: "button", class: "resend", text: "Resend",
    "aria-label": `Resend to ${delivery.destination}` });
  resend.addEventListener("click", () => resendOne(event.key, delivery.destination, resend));
  return el("tr", { "data-destination": delivery.destination }, [
    el("td", { "data-label": "Destination", text: delivery.destination }),
    el("td", { "data-label": "Status" }, [chips([delivery], false)]),
    el("td", { "data-label": "Attempts", text: String(delivery.attempts ?? "–") }),
    el("td", { "data-label": "Last error", class: "error-text", text: delivery.last_error ?? "–" }),
    el("td", { "data-label": "Delivered" }, [timeText(delivery.delivered_at)]),
    el("td", {}, [resend]),
  ]);
}

async function resendOne(key, destination, button) {
  button.disabled = true;
  const status = $("detail-status");
  say(status, `Resending to ${destination}…`);
  try {
    await api(`${eventPath(key)}/resend`, { method: "POST", query: { destination }, body: {} });
    renderDetail(await api(eventPath(key)));
    say(status, `Resent to ${destination}.`);
  } catch (error) {
    report(status, error);
    // The attempt counts even when it failed: show the event as it now stands.
    api(eventPath(key)).then(renderDetail, () => {});
  } finally {
    button.disabled = false;
  }
}

/** The events table's row of `event`, if shown, with its chips as they now stand. */
function updateRow(event) {
  for (const row of $("events-table").tBodies[0].rows) {
    if (row.dataset.key === event.key) row.replaceWith(eventRow(event));
  }
}

// ---------------------------------------------------------------------------------------------
// The destinations view: counts over a window, Recover failed since…, the chart.

/** Every event received since `sinceMs`, newest first, up to MAX_COUNTED. */
async function eventsSince(sinceMs) {
  const events = [];
  let cursor = null;
  do {
    const page = await api("/events", {
      query: { since: new Date(sinceMs).toISOString(), limit: 500, cursor },
    });
    events.push(...page.events);
    cursor = page.next;
  } while (cursor && events.length < MAX_COUNTED);
  return { events, complete: !cursor };
}

async function loadDestinations() {
  const status = $("destinations-status");
  say(status, "Loading…");
  const windowMs = Number(new FormData($("window-form")).get("window")) * 1000;
  const now = Date.now();
  try {
    const { events, complete } = await eventsSince(now - Math.max(windowMs, 24 * HOUR_MS));
    const inWindow = events.filter((e) => Date.parse(e.received_at) >= now - windowMs);
    renderDestinations(countByDestination(inWindow), now - windowMs);
    drawChart(events, now);
    say(status, complete ? `${inWindow.length} events in the window.`
      : `Counts cover the newest ${events.length} events only.`);
  } catch (error) {
    report(status, error);
  }
}

function countByDestination(events) {
  const counts = new Map();
  for (const event of events) {
    for (const d of event.deliveries ?? []) {
      if (!counts.has(d.destination)) counts.set(d.destination, { delivered: 0, pending: 0, failed: 0, dead: 0 });
      const row = counts.get(d.destination);
      if (d.status in row) row[d.status] += 1;
    }
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b));
}

/** `datetime-local`'s value for a time: the browser's zone, to the minute. */
function localInput(ms) {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return date.toISOString().slice(0, 16);
}

function renderDestinations(counts, windowStart) {
  const rows = counts.map(([destination, c]) => {
    const since = el("input", { type: "datetime-local", value: localInput(windowStart),
      "aria-label": `Recover ${destination}'s failed deliveries since` });
    const button = el("button", { type: "submit", text: "Recover failed since…" });
    const result = el("span", { class: "recovered", role: "status" });
    const form = el("form", { class: "recover" }, [since, button, result]);
    form.addEventListener("submit", (e) => { e.preventDefault(); recover(destination, since, button, result); });
    const cell = (name) => el("td", { "data-label": name, class: `count count-${name.toLowerCase()}`,
      text: String(c[name.toLowerCase()]) });
    return el("tr", { "data-destination": destination }, [
      el("th", { scope: "row", text: destination }),
      cell("Delivered"), cell("Pending"), cell("Failed"), cell("Dead"),
      el("td", { "data-label": "Recover" }, [form]),
    ]);
  });
  if (!rows.length) rows.push(el("tr", {}, [el("td", { colspan: "6", text: "No deliveries in this window." })]));
  $("destinations-table").tBodies[0].replaceChildren(...rows);
}

/** POST /recover until the API has no cursor left; shows how many it requeued. */
async function recover(destination, input, button, result) {
  const since = new Date(input.value);
  if (Number.isNaN(since.getTime())) return say(result, "Pick a time.");
  button.disabled = true;
  say(result, "Recovering…");
  try {
    const body = { destination, since: since.toISOString() };
    let requeued = 0;
    for (;;) {
      const answer = await api("/recover", { method: "POST", body });
      requeued += answer.requeued;
      if (!answer.next || answer.next === body.cursor) break;
      body.cursor = answer.next;
    }
    say(result, `Requeued ${requeued}.`);
    result.dataset.requeued = String(requeued);
    refreshCounts();
  } catch (error) {
    report(result, error);
  } finally {
    button.disabled = false;
  }
}

/** Reloads the counts and the chart, keeping what the recover forms said. */
async function refreshCounts() {
  const said = new Map([...document.querySelectorAll("#destinations-table tr[data-destination]")]
    .map((row) => [row.dataset.destination, row.querySelector(".recovered")]));
  await loadDestinations();
  for (const row of document.querySelectorAll("#destinations-table tr[data-destination]")) {
    const before = said.get(row.dataset.destination);
    if (before?.textContent) row.querySelector(".recovered").replaceWith(before);
  }
}

// ---------------------------------------------------------------------------------------------
// The chart: events per hour over the last 24 hours, stacked by severity, failures marked.

const CHART = { width: 720, height: 260, left: 36, right: 8, top: 24, bottom: 28 };

function hourly(events, now) {
  const end = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  const start = end - 24 * HOUR_MS;
  const hours = Array.from({ length: 24 }, (_, i) => ({
    start: start + i * HOUR_MS, total: 0, failed: 0,
    counts: Object.fromEntries(SEVERITIES.concat("unknown").map((s) => [s, 0])),
  }));
  for (const event of events) {
    const at = Date.parse(event.received_at);
    if (!(at >= start && at < end)) continue;
    const hour = hours[Math.floor((at - start) / HOUR_MS)];
    hour.counts[knownSeverity(event.severity)] += 1;
    hour.total += 1;
    if ((event.deliveries ?? []).some((d) => d.status === "failed" || d.status === "dead")) hour.failed += 1;
  }
  return hours;
}

const hourLabel = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function drawChart(events, now) {
  const hours = hourly(events, now);
  const { width, height, left, right, top, bottom } = CHART;
  const max = Math.max(1, ...hours.map((h) => h.total));
  const plotHeight = height - top - bottom;
  const slot = (width - left - right) / 24;
  const y = (n) => top + plotHeight - (n / max) * plotHeight;
  const total = hours.reduce((n, h) => n + h.total, 0);
  const failed = hours.reduce((n, h) => n + h.failed, 0);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart-svg",
    "aria-label": `${total} events in the last 24 hours, ${failed} with a failed or dead delivery` });
  chart.append(
    svg("line", { x1: left, x2: width - right, y1: y(0), y2: y(0), class: "axis" }),
    svg("text", { x: left - 4, y: y(max) + 4, class: "tick", "text-anchor": "end" }, [String(max)]),
    svg("text", { x: left - 4, y: y(0), class: "tick", "text-anchor": "end" }, ["0"]),
  );
  hours.forEach((hour, i) => {
    const x = left + i * slot + slot * 0.15;
    const barWidth = slot * 0.7;
    let base = 0;
    for (const severity of SEVERITIES.slice().reverse().concat("unknown")) {
      const n = hour.counts[severity];
      if (!n) continue;
      chart.append(svg("rect", { x, width: barWidth, y: y(base + n), height: y(base) - y(base + n),
        class: `bar sev-${severity}`, "data-severity": severity, "data-count": n },
      [svg("title", {}, [`${hourLabel(hour.start)}: ${n} ${severity}`])]));
      base += n;
    }
    if (hour.failed) {
      chart.append(svg("text", { x: x + barWidth / 2, y: y(hour.total) - 6, class: "fail-mark",
        "text-anchor": "middle", "data-failed": hour.failed },
      [`✕${hour.failed}`, svg("title", {}, [`${hourLabel(hour.start)}: ${hour.failed} with a failed or dead delivery`])]));
    }
    if (i % 3 === 0) {
      chart.append(svg("text", { x: x + barWidth / 2, y: height - 8, class: "tick",
        "text-anchor": "middle" }, [hourLabel(hour.start)]));
    }
  });
  $("chart").replaceChildren(chart, chartTable(hours));
  $("chart-legend").replaceChildren(...SEVERITIES.map((s) =>
    el("li", {}, [el("span", { class: `swatch sev-${s}`, "aria-hidden": "true" }), s])));
}

/** The chart's numbers as a table, for screen readers and for anyone who prefers them. */
function chartTable(hours) {
  const head = el("tr", {}, ["Hour", ...SEVERITIES, "with failures"].map((h) => el("th", { scope: "col", text: h })));
  const rows = hours.filter((h) => h.total).map((h) => el("tr", {}, [
    el("th", { scope: "row" }, [timeText(new Date(h.start).toISOString())]),
    ...SEVERITIES.map((s) => el("td", { text: String(h.counts[s]) })),
    el("td", { text: String(h.failed) }),
  ]));
  return el("details", { class: "chart-data" }, [
    el("summary", { text: "The chart's numbers" }),
    el("table", {}, [el("thead", {}, [head]), el("tbody", {}, rows)]),
  ]);
}

// ---------------------------------------------------------------------------------------------

function start() {
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut());
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      // The current view's tab reloads it; another's goes through the history.
      if (currentView() === tab.dataset.view) showView(tab.dataset.view);
      else location.hash = tab.dataset.view;
    });
  }
  window.addEventListener("hashchange", () => showView(currentView()));
  $("filters").addEventListener("submit", applyFilters);
  $("refresh").addEventListener("click", loadEvents);
  $("older").addEventListener("click", older);
  $("newer").addEventListener("click", newer);
  $("window-form").addEventListener("change", loadDestinations);
  $("window-form").addEventListener("submit", (e) => { e.preventDefault(); loadDestinations(); });
  $("destinations-refresh").addEventListener("click", loadDestinations);
  $("detail-close").addEventListener("click", () => $("detail").close());
  showView(currentView());
}

start();

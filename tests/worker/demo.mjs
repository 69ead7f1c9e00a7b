// Main job: the built Worker in workerd with a loopback receiver. Every fixture sent as its
// provider would, then the forgeries the Worker exists to refuse (a forged token, a wrong source
// address, a tampered body, another provider's payload) and a replayed event: one table row per
// request, with the Worker's answer and what the receiver got. The Worker's own log lines go to
// stderr, which scripts/demo-worker.sh keeps in the step log. Exit 1 if any row is not as it
// must be.
import { readdirSync } from "node:fs";
import { Receiver, Logs, startWorker, providerRequest, fixture } from "./harness.mjs";

const receiver = await new Receiver().start();
const logs = new Logs();
const mf = await startWorker({ receiver, logs });
let failures = 0;
try {
  const fixtures = [["fixture", "answer", "receiver got", "severity", "category"]];
  for (const provider of ["crowdsec", "cloud66", "sectigo"]) {
    for (const name of readdirSync(new URL(`../../fixtures/${provider}/`, import.meta.url)).sort()) {
      const { answer, got } = await send(providerRequest(provider, fixture(provider, name)));
      const event = got.length === 1 ? got[0].event : undefined;
      if (answer.status !== 200 || !event || !got[0].signatureOk) failures += 1;
      fixtures.push([`${provider}/${name.replace(/\.json$/, "")}`, `${answer.status} ${answer.reason}`,
        received(got), event?.data?.severity ?? "-", event?.data?.category ?? "-"]);
    }
  }
  printTable(fixtures);
  console.log(`${fixtures.length - 1} fixtures; "signed CloudEvent": the receiver verified the Worker's HMAC signature`);
  console.log();

  // The replay is a second copy of a fixture already delivered: the ledger has it.
  const alert = fixture("crowdsec", "alert_triggered.json");
  const refusals = [
    { what: "forged token", sent: "crowdsec alert_triggered, Bearer forged-token",
      request: providerRequest("crowdsec", alert, { authorization: "Bearer forged-token" }),
      status: 401, reason: "unauthorized" },
    { what: "wrong address", sent: "sectigo user_create from 198.51.100.9",
      request: providerRequest("sectigo", fixture("sectigo", "user_create.json"), { "cf-connecting-ip": "198.51.100.9" }),
      status: 403, reason: "forbidden_address" },
    { what: "tampered body", sent: "cloud66 server.stopped, timestamp a string",
      request: providerRequest("cloud66", fixture("cases", "invalid_cloud66_timestamp_string.json")),
      status: 422, reason: "schema_violation" },
    { what: "another provider", sent: "crowdsec alert_triggered to /hooks/cloud66",
      request: providerRequest("cloud66", alert), status: 422, reason: "provider_mismatch" },
    { what: "replayed event", sent: "crowdsec alert_triggered, a second time",
      request: providerRequest("crowdsec", alert), status: 200, reason: "duplicate" },
  ];
  const rows = [["refusal", "request", "answer", "receiver got"]];
  for (const { what, sent, request, status, reason } of refusals) {
    const { answer, got } = await send(request);
    const asItMust = answer.status === status && answer.reason === reason && got.length === 0;
    if (!asItMust) failures += 1;
    rows.push([what, sent, `${answer.status} ${answer.reason}${asItMust ? "" : ` (expected ${status} ${reason})`}`,
      received(got)]);
  }
  printTable(rows);
  console.log();
  console.log(`${receiver.received.length} events delivered, ${failures} failures`);
} finally {
  await mf.dispose();
  await receiver.down();
  process.stderr.write(logs.text);
}
process.exitCode = failures === 0 ? 0 : 1;

/** Sends `path` and `init` to the Worker: its status and reason, and what the receiver got. */
async function send({ path, init }) {
  const before = receiver.received.length;
  const res = await mf.dispatchFetch(`http://hookwall.test${path}`, init);
  const text = await res.text();
  let body = {};
  try { body = JSON.parse(text); } catch { /* not JSON: the text is the reason */ }
  return { answer: { status: res.status, reason: body.error ?? body.status ?? text },
    got: receiver.received.slice(before) };
}

function received(got) {
  if (got.length === 0) return "nothing";
  if (got.length > 1) return `${got.length} copies`;
  return got[0].signatureOk ? "signed CloudEvent" : "CloudEvent, BAD signature";
}

/** Prints `rows` (the first is the header) in columns as wide as their widest cell. */
function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
}

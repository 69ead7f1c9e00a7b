// `hookwall events` (the CLI, built by scripts/test-worker.sh) against the built Worker in
// workerd with its ledger: the operator's loop of listing what failed, fixing the receiver,
// recovering, and resending one, with the exit codes of the CLI's rules.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, Receiver, startWorker, providerRequest, fixture } from "./harness.mjs";

const root = new URL("../../", import.meta.url);
const CLI = process.env.HOOKWALL_CLI ?? new URL("target/debug/hookwall", root).pathname;
const PROVIDERS = ["crowdsec", "cloud66", "sectigo"];
const cleanup = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

/** Runs `hookwall events args…` without blocking this process, whose receivers must answer the
 * Worker meanwhile: its status, stdout and stderr. */
function events(args, token = ADMIN_TOKEN) {
  const env = { ...process.env };
  delete env.HOOKWALL_ADMIN_TOKEN;
  if (token !== null) env.HOOKWALL_ADMIN_TOKEN = token;
  return new Promise((done) => {
    execFile(CLI, ["events", ...args], { env }, (error, stdout, stderr) =>
      done({ status: error ? error.code : 0, stdout, stderr }));
  });
}

const json = (out) => {
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
};

function fixtures() {
  return PROVIDERS.flatMap((provider) =>
    readdirSync(new URL(`fixtures/${provider}/`, root)).map((name) => {
      const golden = JSON.parse(readFileSync(new URL(`fixtures/expected/${provider}/${name}`, root), "utf8"));
      return { provider, name, ...golden.data };
    }));
}

test("hookwall events: list what failed, recover it once, resend one, refuse a wrong token", async () => {
  const siem = await new Receiver().start();
  const chat = await new Receiver().start();
  const list = [
    { name: "siem", url_secret: "SIEM_URL", format: "cloudevent", match: { min_severity: "info" } },
    { name: "chat", url_secret: "CHAT_URL", format: "slack", match: { min_severity: "high" } },
  ];
  const mf = await startWorker({ receiver: null, port: 0, vars: {
    SIEM_URL: siem.url, CHAT_URL: chat.url, DIRECT_DEADLINE_MS: "1000",
    HOOKWALL_DESTINATIONS: JSON.stringify({ destinations: list }),
  } });
  cleanup.push(() => mf.dispose(), () => siem.down(), () => chat.mode !== "down" && chat.down());
  const worker = (await mf.ready).origin;
  const all = fixtures();
  const urgent = all.filter((f) => ["critical", "high"].includes(f.severity));
  await chat.down();
  for (const f of all) {
    const { path, init } = providerRequest(f.provider, fixture(f.provider, f.name));
    await (await fetch(`${worker}${path}`, init)).arrayBuffer();
  }

  const listed = json(await events(["list", "--worker", worker, "--all", "--json"]));
  assert.deepEqual(listed.map((e) => `${e.provider} ${e.type} ${e.category} ${e.severity}`).sort(),
    all.map((f) => `${f.provider} ${f.event_type} ${f.category} ${f.severity}`).sort());

  const paged = json(await events(["list", "--worker", worker, "--all", "--limit", "10", "--json"]));
  assert.equal(new Set(paged.map((e) => e.key)).size, 36, "ten at a time, no event repeated or skipped");
  const page = await events(["list", "--worker", worker, "--limit", "10"]);
  assert.equal(page.status, 0, page.stderr);
  assert.equal(page.stdout.trim().split("\n").length, 11, page.stdout);
  assert.match(page.stderr, /^hookwall: more events: --cursor \S+\n$/);

  const failed = json(await events(["list", "--worker", worker, "--status", "failed", "--destination", "chat", "--json"]));
  assert.deepEqual(failed.map((e) => e.type).sort(), urgent.map((f) => f.event_type).sort());
  const shown = await events(["show", failed[0].key, "--worker", worker]);
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /^chat +failed +\d+ +- +\S/m);

  await chat.start();
  const recovered = await events(["recover", "--worker", worker, "--destination", "chat", "--since", "1h"]);
  assert.equal(recovered.status, 0, recovered.stderr);
  assert.equal(recovered.stdout, `requeued ${urgent.length} failed or dead deliveries to chat\n`);
  assert.equal(chat.received.length, urgent.length);
  assert.deepEqual(json(await events(["recover", "--worker", worker, "--destination", "chat", "--since", "1h", "--json"])),
    { requeued: 0, next: null }, "nothing left to recover");
  assert.equal(chat.received.length, urgent.length);

  const [resent] = json(await events(["resend", failed[0].key, "--destination", "siem", "--worker", worker, "--json"]));
  assert.equal(resent.deliveries.find((d) => d.destination === "siem").attempts, 2);
  assert.equal(siem.received.length, 37);

  const unknown = await events(["show", "0".repeat(64), "--worker", worker]);
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stderr, "hookwall: the Worker answered 404: not_found (no such event)\n");

  const wrong = await events(["list", "--worker", worker], "not-the-token");
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /^hookwall: the Worker refused the admin token \(401\)/);
  assert.ok(!wrong.stderr.includes("not-the-token"));

  const dir = mkdtempSync(join(tmpdir(), "hookwall-cli-"));
  writeFileSync(join(dir, "token"), `${ADMIN_TOKEN}\n`);
  const fromFile = await events(["list", "--worker", worker, "--token-file", join(dir, "token"), "--json"], null);
  assert.equal(json(fromFile).length, 36);
  rmSync(dir, { recursive: true });
});

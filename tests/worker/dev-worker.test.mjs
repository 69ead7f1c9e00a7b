// scripts/dev-worker.sh as a user runs it: it starts the receiver and `wrangler dev`, its printed
// curl delivers, and Ctrl-C (SIGINT to its process group, as a terminal sends it) stops every
// process it started, workerd included, and frees both ports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

/** A port nothing listens on now. */
async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Whether something accepts connections on the port. */
function listening(port) {
  return new Promise((ok) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.on("connect", () => { socket.destroy(); ok(true); });
    socket.on("error", () => ok(false));
  });
}

/** Every process descended from `pid`, from /proc. */
function descendants(pid) {
  const parent = new Map();
  for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch { /* gone meanwhile */ }
  }
  const found = [];
  for (const [child] of parent) {
    for (let p = parent.get(child); p > 1; p = parent.get(p)) {
      if (p === pid) { found.push(child); break; }
    }
  }
  return found;
}

function alive(pid) {
  try { return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); } catch { return false; }
}

/** Runs a printed `curl -i [-H h]… [-u user:pass] --data-binary @file url` line with fetch. */
async function runCurl(line) {
  const words = line.trim().match(/"[^"]*"|\S+/g).map((w) => w.replace(/^"|"$/g, ""));
  assert.equal(words.shift(), "curl");
  const headers = {};
  let body;
  while (words.length > 1) {
    const flag = words.shift();
    if (flag === "-i") continue;
    const value = words.shift();
    if (flag === "-H") headers[value.split(":")[0]] = value.slice(value.indexOf(":") + 1).trim();
    else if (flag === "-u") headers.authorization = `Basic ${Buffer.from(value).toString("base64")}`;
    else if (flag === "--data-binary") body = readFileSync(join(root, value.replace(/^@/, "")));
    else assert.fail(`unexpected ${flag} in ${line}`);
  }
  return fetch(words[0], { method: "POST", headers, body });
}

test("dev-worker.sh serves the Worker and the receiver, its curl lines deliver, and Ctrl-C stops every process it started", async () => {
  const [port, receiverPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), "hookwall-dev-worker-"));
  const vars = join(dir, "dev.env");
  writeFileSync(vars, readFileSync(join(root, ".dev.vars.example"), "utf8").replaceAll("127.0.0.1:8788", `127.0.0.1:${receiverPort}`));
  // Its own secrets (the receiver's port) and a fresh local state: no event is a duplicate.
  const script = spawn(join(root, "scripts/dev-worker.sh"), ["--env-file", vars, "--persist-to", join(dir, "state")], {
    env: { ...process.env, PORT: String(port), RECEIVER_PORT: String(receiverPort) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const waiting = new Set();
  const read = (chunk) => { output += chunk; for (const check of waiting) check(); };
  script.stdout.on("data", read);
  script.stderr.on("data", read);
  const exited = new Promise((ok) => script.on("exit", (code, signal) => ok({ code, signal })));
  /** Resolves once the output matches; fails if the script ends first. */
  const seen = (pattern) => Promise.race([
    new Promise((ok) => {
      const check = () => { if (pattern.test(output)) { waiting.delete(check); ok(); } };
      waiting.add(check);
      check();
    }),
    exited.then(({ code }) => { if (!pattern.test(output)) assert.fail(`exited ${code} before ${pattern}:\n${output}`); }),
  ]);
  try {
    await seen(/Ctrl-C stops the Worker and the receiver/);
    const curls = output.split("\n").filter((l) => l.trim().startsWith("curl "));
    assert.equal(curls.length, 3, output);
    for (const curl of curls) {
      const res = await runCurl(curl);
      const answer = await res.text();
      assert.equal(res.status, 200, `${curl}: ${answer}`);
      assert.match(answer, /"status":"(delivered|enqueued)"/, curl);
    }
    // The receiver's lines: the SIEM's OCSF, signed as .dev.vars.example says, and CrowdSec's JSON.
    await seen(/POST \/services\/collector\/raw application\/json signed/);
    await seen(/POST \/crowdsec application\/json/);
    const started = descendants(script.pid);
    assert.ok(started.length >= 3, `receiver, wrangler and workerd: ${started}`);

    process.kill(-script.pid, "SIGINT");
    const { code, signal } = await exited;
    assert.ok(code === 130 || signal === "SIGINT", `exit ${code} ${signal}`);
    assert.deepEqual(started.filter(alive), [], `left running:\n${output}`);
    assert.equal(await listening(port), false, "the Worker's port is free");
    assert.equal(await listening(receiverPort), false, "the receiver's port is free");
  } finally {
    // After a failure: stop the script as Ctrl-C would, so that its trap stops what it started.
    const left = descendants(script.pid);
    if (script.exitCode === null && script.signalCode === null) {
      process.kill(-script.pid, "SIGINT");
      await exited;
    }
    for (const pid of left.filter(alive)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

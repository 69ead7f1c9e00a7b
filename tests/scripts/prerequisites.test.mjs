// scripts/demo.sh and scripts/test.sh check every prerequisite before building anything: run on
// a PATH without some of them, each names every missing one, with its Debian package, on one
// line, and exits 1 at once, having built and logged nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

/** A directory of links to every command on PATH but `hidden`: PATH as if they were not installed. */
function pathWithout(hidden) {
  const dir = mkdtempSync(join(tmpdir(), "hookwall-path-"));
  for (const from of process.env.PATH.split(delimiter).filter(existsSync)) {
    for (const name of readdirSync(from)) {
      const target = join(from, name);
      if (hidden.includes(name) || existsSync(join(dir, name))) continue;
      try { if (statSync(target).isFile()) symlinkSync(target, join(dir, name)); } catch { /* a dangling link */ }
    }
  }
  return dir;
}

/** The modification time of a file the script would write first, or null. */
const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : null);

for (const script of ["scripts/demo.sh", "scripts/test.sh"]) {
  test(`${script} names every missing prerequisite on one line before building anything`, () => {
    const dir = pathWithout(["node", "npm", "python3", "pkg-config"]);
    const logs = ["target/demo.log", "target/test-steps.log"].map((p) => join(root, p));
    const before = logs.map(mtime);
    try {
      const run = spawnSync(join(root, script), { env: { ...process.env, PATH: dir }, encoding: "utf8" });
      assert.equal(run.status, 1, run.stderr);
      assert.equal(run.stdout, "", "nothing ran");
      const lines = run.stderr.split("\n").filter(Boolean);
      assert.equal(lines.length, 1, run.stderr);
      for (const missing of ["pkg-config (Debian: pkg-config)", "the OpenSSL headers (Debian: libssl-dev)",
        "Node.js 20.3 or later (Debian: nodejs)", "npm (Debian: npm)",
        "Python 3.11 or later (Debian: python3)", "Python's venv (Debian: python3-venv)"]) {
        assert.ok(lines[0].includes(missing), `${missing}: ${lines[0]}`);
      }
      for (const present of ["rustup", "build-essential"]) assert.ok(!lines[0].includes(present), lines[0]);
      assert.deepEqual(logs.map(mtime), before, "no step started");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

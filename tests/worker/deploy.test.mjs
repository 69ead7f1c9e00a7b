// `wrangler deploy --dry-run`: what `wrangler deploy` would upload, checked offline against
// wrangler.toml as shipped: the built Worker, the ledger's Durable Object and its SQLite
// migration, the queues and the vars. Nothing is sent anywhere (telemetry off, no account).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

test("wrangler deploy --dry-run accepts the Worker with its ledger binding and migration", async () => {
  const outdir = await mkdtemp(join(tmpdir(), "hookwall-dry-run-"));
  try {
    const { stdout } = await run(
      join(root, "node_modules/.bin/wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir],
      {
        cwd: root,
        timeout: 600_000,
        maxBuffer: 16 << 20,
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: "false",
          CLOUDFLARE_CF_FETCH_ENABLED: "false",
          WRANGLER_HIDE_BANNER: "true",
        },
      },
    );
    assert.match(stdout, /env\.LEDGER \(Ledger\)/, stdout);
    assert.match(stdout, /--dry-run: exiting now/, stdout);
    assert.ok((await readdir(outdir)).some((f) => f.endsWith(".wasm")), "the upload holds the wasm");
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
});

// A real headless Chromium (Debian's, scripts/setup-browser.sh) driven by puppeteer-core, for
// the console's tests: every page is watched for dialogs, uncaught errors and console errors,
// which a test then requires to be none.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const root = new URL("../../", import.meta.url);
export const SCREENSHOTS = new URL("target/console-screenshots/", root).pathname;

/** Starts Chromium with the flags this kind of machine needs (no background connections to
 * a closed network, no sandbox as root) and a fresh profile; `close` removes the profile. */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "hookwall-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page at `width`×`height` whose dialogs, page errors and console errors are recorded
 * in `incidents` (a dialog is dismissed, so that a test goes on to report it). */
export async function watchedPage(browser, { width = 1280, height = 900 } = {}) {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  const incidents = [];
  page.on("dialog", async (dialog) => {
    incidents.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on("pageerror", (error) => incidents.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") incidents.push(`console error: ${message.text()}`);
  });
  return { page, incidents };
}

/** Saves a screenshot of the whole page as target/console-screenshots/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

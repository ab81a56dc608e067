import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { formatHtml } from "../src/report/index.js";
import type { AuditReport } from "../src/types.js";
import { sampleReport } from "./report-sample.js";

const ENSURE_CHROMIUM = fileURLToPath(new URL("../../scripts/ensure-chromium.sh", import.meta.url));
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

describe("html report in a real browser", () => {
  let browser: Browser;
  let dir: string;
  let report: AuditReport;

  before(async () => {
    // One-time install of Debian's chromium when missing (apt; needs root or sudo).
    execFileSync("sh", [ENSURE_CHROMIUM], { stdio: "inherit", timeout: 15 * 60_000 });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    dir = mkdtempSync(join(tmpdir(), "cs-html-"));
    report = await sampleReport();
  }, { timeout: 16 * 60_000 });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(html: string) {
    const file = join(dir, `report-${Date.now()}-${Math.random().toString(36).slice(2)}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(m.text()); });
    page.on("pageerror", (e) => problems.push(String(e)));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return { page, problems, requests };
  }

  it("loads with no console errors, fetches nothing, and shows every finding with its code frame", async () => {
    const { page, problems, requests } = await open(formatHtml(report, { cwd: process.cwd(), title: "Signal pipeline audit" }));
    assert.deepEqual(problems, []);
    assert.equal(requests.filter((u) => !u.startsWith("file:")).length, 0);
    assert.equal(await page.title(), "Signal pipeline audit");
    const articles = page.locator("article.finding");
    assert.equal(await articles.count(), report.findings.length);
    for (let i = 0; i < report.findings.length; i++) assert.ok(await articles.nth(i).isVisible());
    const summary = await page.locator("#summary").innerText();
    assert.match(summary, /4\s*errors/);
    assert.match(summary, /2\s*warnings/);
    const links = await page.locator("nav a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.equal(links.length, 2);
    for (const href of links) assert.equal(await page.locator(href!).count(), 1, `anchor ${href}`);
    const first = articles.first();
    assert.match(await first.locator(".frame .hit").innerText(), /POSITIONS\.write_text\(json\.dumps\(state\)\)/);
    assert.match(await first.locator("dl").innerText(), /positions\.json/);
    await first.locator("details.fix summary").click();
    assert.ok(await first.locator("details.fix pre").isVisible());
    assert.match(await first.locator("details.fix pre").innerText(), /atomic_write\(POSITIONS, json\.dumps\(state\)\)/);
    await page.close();
  });

  it("escapes everything: hostile file names and messages stay text", async () => {
    const { page, problems } = await open(formatHtml(report, { cwd: process.cwd(), title: "<i>t</i>" }));
    assert.deepEqual(problems, []);
    assert.equal(await page.locator("script").count(), 0);
    assert.equal(await page.locator("main b:text('not bold')").count(), 0);
    assert.equal(await page.title(), "<i>t</i>");
    const weird = page.locator("article.finding", { hasText: "alert(1)" });
    assert.match(await weird.locator(".message").innerText(), /<\/pre><script>alert\(1\)<\/script>/);
    assert.ok((await page.locator("h2").allInnerTexts()).includes(`src/<weird> & "dir"/state's.js`));
    await page.close();
  });

  it("a clean report says so", async () => {
    const { page, problems } = await open(formatHtml({ version: 1, findings: [], summary: { files: 7, error: 0, warning: 0, note: 0 } }, { cwd: process.cwd() }));
    assert.deepEqual(problems, []);
    assert.match(await page.locator("#no-findings").innerText(), /No unsafe state writes found in 7 files/);
    await page.close();
  });
});

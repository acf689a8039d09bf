// Browser test of the chat widget: the demo portal served by `chatbot serve`,
// driven in headless Debian Chromium on a phone and on a desktop screen.
//
//   BASE_URL=http://127.0.0.1:3000 node web/e2e.mjs
//
// Exits non-zero with a clear message on any failure.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const BASE = process.env.BASE_URL || "http://127.0.0.1:3000";
const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(HERE, "artifacts");
const TIMEOUT = 15_000;

function fail(message) {
  throw new Error(message);
}

async function botTexts(page) {
  return page.$$eval('[data-testid="td-msg-bot"]', (els) => els.map((e) => e.textContent));
}

async function waitForBotText(page, count, needle, what) {
  try {
    await page.waitForFunction(
      ([count, needle]) => {
        const msgs = [...document.querySelectorAll('[data-testid="td-msg-bot"]')];
        return msgs.length > count && msgs.slice(count).some((m) => m.textContent.includes(needle));
      },
      [count, needle],
      { timeout: TIMEOUT },
    );
  } catch {
    fail(`${what}: no bot message containing "${needle}" (got: ${JSON.stringify((await botTexts(page)).slice(count))})`);
  }
}

async function run(browser, name, viewport) {
  const context = await browser.newContext({ viewport, locale: "vi-VN", isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("dialog", (d) => {
    errors.push(`a dialog opened: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(BASE + "/", { waitUntil: "load", timeout: TIMEOUT });

  // The bubble opens the panel, which greets with the main topics.
  await page.click('[data-testid="td-bubble"]', { timeout: TIMEOUT });
  await page.waitForSelector('[data-testid="td-panel"].td-open', { timeout: TIMEOUT });
  await waitForBotText(page, 0, "Xin chào", `${name}: welcome`);
  const menu = await page.$$eval('[data-testid="td-choice"]', (els) => els.map((e) => e.textContent));
  if (!menu.includes("Thủ tục hành chính")) fail(`${name}: welcome choices are ${JSON.stringify(menu)}`);

  // A question, its answer and its choices.
  let before = (await botTexts(page)).length;
  await page.fill('[data-testid="td-input"]', "đăng ký khai sinh cần giấy tờ gì");
  await page.click('[data-testid="td-send"]');
  await waitForBotText(page, before, "khai sinh", `${name}: answer`);
  const choices = await page.$$eval('[data-testid="td-choice"]', (els) => els.map((e) => e.textContent));
  if (!choices.includes("Lệ phí")) fail(`${name}: answer choices are ${JSON.stringify(choices)}`);
  const links = await page.$$eval('[data-testid="td-log"] a', (els) => els.map((a) => [a.href, a.target, a.rel]));
  if (!links.some(([href]) => href.startsWith("https://dichvucong.gov.vn/"))) fail(`${name}: no portal link among ${JSON.stringify(links)}`);

  // Tapping a choice answers for the same procedure.
  before = (await botTexts(page)).length;
  await page.click('[data-testid="td-choice"]:text-is("Lệ phí")');
  await waitForBotText(page, before, "Lệ phí", `${name}: follow-up`);
  const mine = await page.$$eval('[data-testid="td-msg-me"]', (els) => els.map((e) => e.textContent));
  if (mine[mine.length - 1] !== "Lệ phí") fail(`${name}: the tapped choice is not shown as the citizen's message`);

  // Markup typed by a citizen is shown as text, never run.
  const hostile = '<img src=x onerror="window.__pwned=1">';
  before = (await botTexts(page)).length;
  await page.fill('[data-testid="td-input"]', hostile);
  await page.click('[data-testid="td-send"]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="td-msg-bot"]').length > n, before, { timeout: TIMEOUT });
  const shown = await page.$$eval('[data-testid="td-msg-me"]', (els) => els[els.length - 1].textContent);
  if (shown !== hostile) fail(`${name}: the citizen's text was altered: ${shown}`);
  if (await page.evaluate(() => window.__pwned === 1 || document.querySelector('[data-testid="td-log"] img') !== null)) {
    fail(`${name}: markup from a message was rendered`);
  }

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  if (errors.length) fail(`${name}: page errors: ${errors.join("; ")}`);
  await context.close();
  console.log(`e2e ${name}: ok`);
}

// Playwright starts the browser with a fresh, temporary profile.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  await run(browser, "phone", { width: 390, height: 844 });
  await run(browser, "desktop", { width: 1280, height: 800 });
} catch (e) {
  console.error(`e2e FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}

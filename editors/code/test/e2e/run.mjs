// Drives code-server (real VS Code for the web) in headless Chromium: runs "Potpie: Ask a
// Question", checks the answer panel, clicks a citation and checks the editor that opens.
// Started by scripts/e2e.sh, which provides the environment below.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is not set (run scripts/e2e.sh)`);
  return v;
};
const URL = env('E2E_URL');
const WORKSPACE = env('E2E_WORKSPACE');
const SCREENSHOT = env('E2E_SCREENSHOT');
const ARTIFACTS = env('E2E_ARTIFACTS', '/tmp');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const QUESTION = env('E2E_QUESTION', 'Where is the cart total computed?');
// What a correct answer must cite: the file and the first line of the definition (1-based).
const EXPECT_FILE = env('E2E_EXPECT_FILE', 'shop/cart.py');
const EXPECT_SYMBOL = env('E2E_EXPECT_SYMBOL', 'compute_cart_total');
const TIMEOUT = Number(env('E2E_TIMEOUT_MS', '90000'));
// When set, also store this key with "Potpie: Set API Key" and expect the server to switch to
// the Potpie backend (e2e.sh sets it when it runs a fake Potpie service, or with the mock).
const API_KEY = process.env.E2E_API_KEY ?? '';
// Whether the server streams slowly enough to see a partial answer (the mock server does).
const EXPECT_STREAMING = process.env.E2E_EXPECT_STREAMING === '1';

const expectLine =
  fs
    .readFileSync(path.join(WORKSPACE, EXPECT_FILE), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(`def ${EXPECT_SYMBOL}`) || l.includes(`function ${EXPECT_SYMBOL}`)) + 1;
assert.ok(expectLine > 0, `${EXPECT_SYMBOL} not found in ${EXPECT_FILE}`);

const steps = [];
const step = async (name, fn) => {
  const t = Date.now();
  process.stderr.write(`[e2e] ${name} …\n`);
  const out = await fn();
  steps.push(`${name}: ${Date.now() - t} ms`);
  return out;
};

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
});
let page;
let ok = false;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));

  await step('open VS Code', async () => {
    await page.goto(URL);
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor();
  });

  const potpieItem = page.locator('.statusbar-item', { hasText: /Potpie/ }).first();
  await step('extension activates and the server reports ready', async () => {
    await potpieItem.waitFor();
    await page.locator('.statusbar-item', { hasText: /Potpie \(local\)/ }).first().waitFor();
  });

  const input = page.locator('.quick-input-widget input');
  /** Runs a command from the palette, then answers its input box with `text`. */
  const runCommand = async (title, inputTitle, text) => {
    await page.keyboard.press('F1');
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
    if (inputTitle) {
      await page.locator('.quick-input-widget', { hasText: inputTitle }).waitFor();
      await input.fill(text);
      await page.keyboard.press('Enter');
    }
  };

  await step('run "Potpie: Ask a Question"', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    await runCommand('Potpie: Ask a Question', 'Ask Potpie', QUESTION);
  });

  // The webview is an iframe (VS Code's host page) holding another iframe (our content).
  const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
  const answer = await step('answer panel fills in', async () => {
    await frame.locator('h1.question', { hasText: QUESTION }).waitFor();
    if (EXPECT_STREAMING) {
      // Partial text, still marked as answering, before the final answer with its citations.
      // One selector, so that the three conditions hold at the same moment.
      await frame.locator('#root:has(.phase-streaming):not(:has(a.citation)) article.answer', { hasText: /\S/ }).waitFor();
    }
    await frame.locator('a.citation').first().waitFor();
    await frame.locator('.phase-streaming, .phase-waiting').waitFor({ state: 'detached' });
    return {
      title: await frame.locator('h1.question').innerText(),
      meta: await frame.locator('.meta').innerText(),
      text: await frame.locator('article.answer').innerText(),
      citations: await frame.locator('a.citation').allInnerTexts(),
    };
  });
  fs.writeFileSync(path.join(ARTIFACTS, 'answer.json'), JSON.stringify(answer, null, 2));
  assert.equal(answer.title, QUESTION);
  assert.match(answer.meta, /backend: local/);
  assert.ok(answer.text.includes(EXPECT_SYMBOL), `the answer names ${EXPECT_SYMBOL}:\n${answer.text}`);
  assert.equal(/<script|<\/?(p|h\d|a)\b/.test(answer.text), false, 'the answer is rendered, not shown as HTML');
  const citeIndex = answer.citations.findIndex((c) => c.startsWith(`${EXPECT_FILE}:${expectLine}`));
  assert.ok(citeIndex >= 0, `a citation of ${EXPECT_FILE}:${expectLine} among ${JSON.stringify(answer.citations)}`);

  await step(`click citation ${answer.citations[citeIndex]}`, async () => {
    await frame.locator('a.citation').nth(citeIndex).click();
    const base = path.basename(EXPECT_FILE);
    await page.locator('.tabs-container .tab.active', { hasText: base }).waitFor();
    await page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${expectLine}, Col \\d+`) }).waitFor();
    const line = page.locator('.editor-group-container.active .view-line', { hasText: `def ${EXPECT_SYMBOL}` });
    await line.waitFor();
  });

  // The answer panel beside the cited code, at the cited line.
  await step('screenshot', async () => {
    await frame.locator('h1.question').waitFor();
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  await step('Show Citations opens the references peek', async () => {
    await frame.locator('button[data-action="showCitations"]').click();
    await page.locator('.zone-widget .peekview-widget, .reference-zone-widget').first().waitFor();
    const peek = await page.locator('.reference-zone-widget').first().innerText();
    assert.ok(peek.includes(path.basename(EXPECT_FILE)), `the peek lists ${EXPECT_FILE}`);
    await page.keyboard.press('Escape');
  });

  if (API_KEY) {
    await step('"Potpie: Set API Key" switches the server to the Potpie backend', async () => {
      await runCommand('Potpie: Set API Key', 'Potpie API key', API_KEY);
      await page.locator('.statusbar-item', { hasText: /Potpie \(potpie\)/ }).first().waitFor();
    });
    const second = 'Where are discounts applied?';
    const viaPotpie = await step('ask again: answered by Potpie', async () => {
      await runCommand('Potpie: Ask a Question', 'Ask Potpie', second);
      await frame.locator('h1.question', { hasText: second }).waitFor();
      await frame.locator('.meta', { hasText: 'backend: potpie' }).waitFor();
      await frame.locator('.phase-streaming, .phase-waiting').waitFor({ state: 'detached' });
      return { text: await frame.locator('article.answer').innerText(), error: await frame.locator('.error').allInnerTexts() };
    });
    fs.writeFileSync(path.join(ARTIFACTS, 'answer-potpie.json'), JSON.stringify(viaPotpie, null, 2));
    assert.deepEqual(viaPotpie.error, [], 'no error in the panel');
    assert.ok(viaPotpie.text.trim().length > 0, 'an answer from the Potpie backend');
    await step('the key is in secret storage only: not in settings, not in any log', async () => {
      const leaks = [];
      let scanned = 0;
      const scan = (dir) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) scan(p);
          else if (e.isFile() && fs.statSync(p).size < 20e6) {
            scanned++;
            if (fs.readFileSync(p).includes(API_KEY)) leaks.push(p);
          }
        }
      };
      scan(path.join(ARTIFACTS, 'user-data', 'User'));
      scan(path.join(ARTIFACTS, 'user-data', 'logs'));
      for (const f of ['code-server.log']) {
        const p = path.join(ARTIFACTS, f);
        if (fs.existsSync(p) && fs.readFileSync(p).includes(API_KEY)) leaks.push(p);
      }
      assert.ok(scanned > 3, `scanned ${scanned} files (settings.json and the logs)`);
      assert.deepEqual(leaks, [], 'the API key leaked into a file');
    });
  }
  ok = true;
} catch (e) {
  if (page) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png') }).catch(() => {});
    process.stderr.write(`[e2e] failure screenshot: ${path.join(ARTIFACTS, 'failure.png')}\n`);
  }
  throw e;
} finally {
  process.stderr.write(`[e2e] ${steps.join('; ')}\n`);
  await browser.close();
}
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');

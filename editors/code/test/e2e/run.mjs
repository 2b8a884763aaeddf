// Drives code-server (real VS Code for the web) in headless Chromium: runs "Potpie: Ask a
// Question", checks the answer panel, clicks a citation and checks the editor that opens, opens
// the references peek; then (when a fake Potpie service or the mock server is in play) stores an
// API key with "Potpie: Set API Key", checks that the server switched to the Potpie backend and
// asks again. Started by scripts/e2e.sh, which provides the environment below.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { env, launchChromium, stepper, workbench } from './workbench.mjs';

const URL = env('E2E_URL');
const WORKSPACE = env('E2E_WORKSPACE');
const SCREENSHOT = env('E2E_SCREENSHOT');
const ARTIFACTS = env('E2E_ARTIFACTS', '/tmp');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const QUESTION = env('E2E_QUESTION', 'Where is the cart total computed?');
// What a correct answer must name and cite: the file and the definition's first line.
const EXPECT_FILE = env('E2E_EXPECT_FILE', 'shop/cart.py');
const EXPECT_SYMBOL = env('E2E_EXPECT_SYMBOL', 'compute_cart_total');
const TIMEOUT = Number(env('E2E_TIMEOUT_MS', '90000'));
// When set, also store this key with "Potpie: Set API Key" and expect the server to switch to
// the Potpie backend (e2e.sh sets it when it runs a fake Potpie service, or with the mock).
const API_KEY = process.env.E2E_API_KEY ?? '';
// Whether the server streams slowly enough to see a partial answer (the mock and the fake do).
const EXPECT_STREAMING = process.env.E2E_EXPECT_STREAMING === '1';
// E2E_LOCAL_STRICT=0: only check that the local engine answered, not what it cited (for a
// build whose engine is a stub); the Potpie scenario then carries the citation checks.
const LOCAL_STRICT = process.env.E2E_LOCAL_STRICT !== '0';

const expectLine =
  fs
    .readFileSync(path.join(WORKSPACE, EXPECT_FILE), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(`def ${EXPECT_SYMBOL}`) || l.includes(`function ${EXPECT_SYMBOL}`)) + 1;
assert.ok(expectLine > 0, `${EXPECT_SYMBOL} not found in ${EXPECT_FILE}`);

/** The first file named `name` under `dir`. */
const findFile = (dir, name) => {
  if (!fs.existsSync(dir)) return undefined;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const hit = findFile(p, name);
      if (hit) return hit;
    } else if (e.name === name) {
      return p;
    }
  }
  return undefined;
};

const { step, steps } = stepper('e2e');

const browser = await launchChromium(CHROMIUM);
let page;
let ok = false;
let screenshotTaken = false;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  const { input, statusItem, frame, runCommand } = workbench(page);

  /** Asks and checks the panel; with `cites`, also the citation, its click and the peek.
   * Each call needs a new question: the panel is reused, and the title tells them apart. */
  const askAndCheck = async (backend, question, { cites, streaming }) => {
    await step(`[${backend}] run "Potpie: Ask a Question"`, () => runCommand('Potpie: Ask a Question', 'Ask Potpie', question));
    const answer = await step(`[${backend}] the answer panel fills in`, async () => {
      await frame.locator('h1.question', { hasText: question }).waitFor();
      if (streaming) {
        // Partial text, still marked as answering, no citations yet: one selector, so that
        // the three hold at the same moment.
        await frame.locator('#root:has(.phase-streaming):not(:has(a.citation)) article.answer', { hasText: /\S/ }).waitFor();
      }
      await frame.locator('.phase-streaming, .phase-waiting').waitFor({ state: 'detached' });
      return {
        title: await frame.locator('h1.question').innerText(),
        meta: await frame.locator('.meta').innerText(),
        error: await frame.locator('.error').allInnerTexts(),
        text: await frame.locator('article.answer').innerText(),
        citations: await frame.locator('a.citation').allInnerTexts(),
      };
    });
    fs.writeFileSync(path.join(ARTIFACTS, `answer-${backend}.json`), JSON.stringify(answer, null, 2));
    assert.equal(answer.title, question);
    assert.deepEqual(answer.error, [], 'no error in the panel');
    assert.match(answer.meta, new RegExp(`backend: ${backend}`));
    if (!cites) return;
    assert.ok(answer.text.includes(EXPECT_SYMBOL), `the answer names ${EXPECT_SYMBOL}:\n${answer.text}`);
    assert.equal(/<script|<\/?(p|h\d|a|code)\b/.test(answer.text), false, 'the answer is rendered, not shown as HTML');
    const citeIndex = answer.citations.findIndex((c) => c.startsWith(`${EXPECT_FILE}:${expectLine}`));
    assert.ok(citeIndex >= 0, `a citation of ${EXPECT_FILE}:${expectLine} among ${JSON.stringify(answer.citations)}`);

    await step(`[${backend}] click citation ${answer.citations[citeIndex]}`, async () => {
      await frame.locator('a.citation').nth(citeIndex).click();
      await page.locator('.tabs-container .tab.active', { hasText: path.basename(EXPECT_FILE) }).waitFor();
      await statusItem(new RegExp(`Ln ${expectLine}, Col \\d+`)).waitFor();
      // Shown in its group; which group has the keyboard focus right after a click that came
      // from the panel's frame is a race of the browser's, not what this step checks.
      await page.locator('.editor-group-container .view-line', { hasText: `${EXPECT_SYMBOL}(` }).first().waitFor();
    });
    if (!screenshotTaken) {
      // The answer panel beside the cited code, at the cited line.
      await step('screenshot', async () => {
        await frame.locator('h1.question').waitFor();
        fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT });
      });
      screenshotTaken = true;
    }
    await step(`[${backend}] Show Citations opens the references peek`, async () => {
      await frame.locator('button[data-action="showCitations"]').click();
      const peek = page.locator('.reference-zone-widget').first();
      await peek.waitFor();
      await peek.locator('.reference-tree, .monaco-list').first().waitFor();
      assert.ok((await peek.innerText()).includes(path.basename(EXPECT_FILE)), `the peek lists ${EXPECT_FILE}`);
      await page.keyboard.press('Escape');
      await peek.waitFor({ state: 'hidden' });
    });
  };

  await step('open VS Code', async () => {
    await page.goto(URL);
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor();
  });
  await step('the extension starts the server, which reports ready (local engine)', () => statusItem(/Potpie \(local\)/).waitFor());
  if (process.env.E2E_BUNDLED === '1') {
    await step('"Potpie: Show Status" says the server bundled with the extension runs', async () => {
      await runCommand('Potpie: Show Status');
      await page.locator('.notification-toast', { hasText: 'server: bundled with the extension' }).waitFor();
      await runCommand('Notifications: Clear All Notifications');
    });
    await step('activation to ready, from the extension\'s log', async () => {
      const logs = path.join(ARTIFACTS, 'user-data', 'logs');
      const find = (dir) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) {
            const hit = find(p);
            if (hit) return hit;
          } else if (e.name.endsWith('.log')) {
            const m = /ready (\d+) ms after activation/.exec(fs.readFileSync(p, 'utf8'));
            if (m) return Number(m[1]);
          }
        }
        return undefined;
      };
      let ms;
      for (let i = 0; i < 50 && ms === undefined; i++) {
        ms = find(logs);
        if (ms === undefined) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(ms !== undefined, 'the extension logs how long it took from activation to ready');
      process.stderr.write(`[e2e] activation to ready: ${ms} ms\n`);
      fs.writeFileSync(path.join(ARTIFACTS, 'activation-to-ready-ms'), `${ms}\n`);
    });
  }
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });

  await askAndCheck('local', QUESTION, { cites: LOCAL_STRICT, streaming: false });

  if (process.env.E2E_BUNDLED === '1' && LOCAL_STRICT) {
    // Threads and living citations, against the real server (the mock has neither).
    const threadOf = () => frame.locator('header[data-thread]').getAttribute('data-thread');
    const waitDone = () => frame.locator('.phase-streaming, .phase-waiting').waitFor({ state: 'detached' });
    const thread = await threadOf();
    assert.ok(thread, 'the first answer names its thread');
    const FOLLOW_UP = 'Who calls it?';
    await step('[local] a follow-up from the panel box stays in the thread', async () => {
      await frame.locator('#followup').fill(FOLLOW_UP);
      await frame.locator('#followup').press('Enter');
      await frame.locator('h1.question', { hasText: FOLLOW_UP }).waitFor();
      await waitDone();
      assert.deepEqual(await frame.locator('.error').allInnerTexts(), [], 'no error in the panel');
      assert.equal(await threadOf(), thread, 'the follow-up answer is in the same thread');
      const transcript = findFile(path.join(ARTIFACTS, 'cache'), `${thread}.md`);
      assert.ok(transcript, `a transcript ${thread}.md in the server's cache`);
      const text = fs.readFileSync(transcript, 'utf8');
      assert.ok(text.includes(QUESTION) && text.includes(FOLLOW_UP), `the transcript holds both questions:\n${text}`);
    });
    const cites = await frame.locator('a.citation').allInnerTexts();
    const idx = cites.findIndex((c) => c.startsWith(`${EXPECT_FILE}:`));
    assert.ok(idx >= 0, `the follow-up cites ${EXPECT_FILE}: ${JSON.stringify(cites)}`);
    const first = Number(/:(\d+)/.exec(cites[idx])[1]);
    const shifted = (label, n) => label.replace(/:(\d+)(?:-(\d+))?$/, (_, a, b) => `:${Number(a) + n}${b ? `-${Number(b) + n}` : ''}`);
    /** The text of each line that carries a Hint's dots, in the visible editors. */
    const hintedLines = () =>
      page.evaluate(() => {
        const out = [];
        for (const ed of document.querySelectorAll('.monaco-editor')) {
          const lines = [...ed.querySelectorAll('.view-lines > .view-line')];
          for (const o of ed.querySelectorAll('.view-overlays > div')) {
            if (!o.querySelector('.squiggly-hint')) continue;
            const l = lines.find((x) => x.style.top === o.style.top);
            out.push(l ? l.textContent.replace(/\u00a0/g, ' ') : '?');
          }
        }
        return out;
      });
    const hintOnLine = (text) =>
      page.waitForFunction(
        (t) => [...document.querySelectorAll('.monaco-editor')].some((ed) => {
          const lines = [...ed.querySelectorAll('.view-lines > .view-line')];
          return [...ed.querySelectorAll('.view-overlays > div')].some((o) => {
            if (!o.querySelector('.squiggly-hint')) return false;
            const l = lines.find((x) => x.style.top === o.style.top);
            return l !== undefined && l.textContent.replace(/\u00a0/g, ' ').includes(t);
          });
        }),
        text,
      );
    /** Replaces the focused editor's text by `text`, as a paste would. */
    const replaceText = async (text) => {
      await page.keyboard.press('Control+A');
      await page.evaluate((t) => {
        const dt = new DataTransfer();
        dt.setData('text/plain', t);
        document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      }, text);
    };
    /** Waits until the panel's citation `i` reads `want`. */
    const citationSays = async (i, want) => {
      const until = Date.now() + TIMEOUT;
      let got;
      while ((got = await frame.locator('a.citation').nth(i).innerText()) !== want) {
        assert.ok(Date.now() < until, `citation ${i} reads ${got}, not ${want}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const citedText = fs.readFileSync(path.join(WORKSPACE, EXPECT_FILE), 'utf8').split('\n')[first - 1].trim();
    await step(`[local] editing above ${cites[idx]} moves its hint and the panel's link`, async () => {
      await frame.locator('a.citation').nth(idx).click();
      await statusItem(new RegExp(`Ln ${first}, Col \\d+`)).waitFor();
      await hintOnLine(citedText);
      // First the whole text goes: the cited code is gone, so the citation is stale (and VS
      // Code's own decorations collapse onto line 1). Then it comes back, pasted under three
      // new lines: a hint on the cited code now is one the server re-anchored and published
      // again, not one VS Code carried along. (Typed text would be auto-indented.)
      const original = fs.readFileSync(path.join(WORKSPACE, EXPECT_FILE), 'utf8');
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await frame.locator(`a.citation.stale[data-cite="${idx}"]`).waitFor();
      assert.match(await frame.locator('section.citations').innerText(), /changed since the answer/);
      await replaceText(`# one\n# two\n# three\n${original}`);
      await citationSays(idx, shifted(cites[idx], 3));
      assert.equal(await frame.locator('a.citation.stale').count(), 0, 'no citation is stale once the code is back');
      await hintOnLine(citedText);
      const hinted = await hintedLines();
      assert.ok(hinted.some((l) => l.includes(citedText)), `a hint on "${citedText}": ${JSON.stringify(hinted)}`);
      await frame.locator('a.citation').nth(idx).click();
      await statusItem(new RegExp(`Ln ${first + 3}, Col \\d+`)).waitFor();
      await replaceText(original);
      await citationSays(idx, cites[idx]);
      await runCommand('File: Save');
    });
    await step('"Potpie: Threads" lists the thread and opens it', async () => {
      await runCommand('Potpie: Threads');
      const row = page.locator('.quick-input-list .monaco-list-row').first();
      await row.waitFor();
      assert.match(await row.innerText(), /2 answers/, 'the most recent thread, with both answers, comes first');
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab', { hasText: `${thread}.md` }).waitFor();
      await frame.locator(`header[data-thread="${thread}"]`).waitFor();
    });
    await step('"New Question" in the panel starts another thread', async () => {
      const q = 'Where is the cart total computed, again?';
      await frame.locator('button[data-action="newQuestion"]').click();
      await page.locator('.quick-input-widget', { hasText: 'Ask Potpie' }).waitFor();
      await input.fill(q);
      await page.keyboard.press('Enter');
      await frame.locator('h1.question', { hasText: q }).waitFor();
      await waitDone();
      const other = await threadOf();
      assert.ok(other && other !== thread, `a new thread (${other}, not ${thread})`);
      // back to the cited file for the next step
      const i = (await frame.locator('a.citation').allInnerTexts()).findIndex((c) => c.startsWith(`${EXPECT_FILE}:`));
      assert.ok(i >= 0, `the new answer cites ${EXPECT_FILE}`);
      await frame.locator('a.citation').nth(i).click();
      await page.locator('.tabs-container .tab.active', { hasText: path.basename(EXPECT_FILE) }).waitFor();
    });
  }

  await step('"Potpie: Explain Selection" explains the selected lines', async () => {
    await page.locator('.editor-group-container .view-line', { hasText: `${EXPECT_SYMBOL}(` }).first().click();
    await page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowDown');
    await runCommand('Potpie: Explain Selection');
    const title = `Explain ${path.basename(EXPECT_FILE)}:${expectLine}-${expectLine + 2}`;
    await frame.locator('h1.question', { hasText: title }).waitFor();
    await frame.locator('.phase-streaming, .phase-waiting').waitFor({ state: 'detached' });
    assert.deepEqual(await frame.locator('.error').allInnerTexts(), [], 'no error in the panel');
    await frame.locator('.meta', { hasText: 'backend: local' }).waitFor();
    if (LOCAL_STRICT) {
      assert.ok((await frame.locator('article.answer').innerText()).includes(EXPECT_SYMBOL), 'the explanation names the selected function');
    }
  });

  if (API_KEY) {
    await step('"Potpie: Set API Key" switches the server to the Potpie backend', async () => {
      await runCommand('Potpie: Set API Key', 'Potpie API key', API_KEY);
      await statusItem(/Potpie \(potpie\)/).waitFor();
    });
    await askAndCheck('potpie', `${QUESTION} (asking Potpie)`, { cites: true, streaming: EXPECT_STREAMING });
    if (EXPECT_STREAMING) {
      await step('Cancel stops a streaming answer', async () => {
        const q = 'Where are discounts applied? (to be cancelled)';
        await runCommand('Potpie: Ask a Question', 'Ask Potpie', q);
        await frame.locator('#root:has(h1.question) .phase-streaming, #root:has(h1.question) .phase-waiting').first().waitFor();
        await frame.locator('h1.question', { hasText: q }).waitFor();
        await frame.locator('button[data-action="cancel"]').click();
        await frame.locator('.phase-cancelled').waitFor();
        assert.equal(await frame.locator('button[data-action="cancel"]').count(), 0);
      });
    }
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
  await step('a wrong potpie.serverPath is reported, with a way to the README', async () => {
    // Through the Settings editor, as a user would (code-server does not watch settings.json).
    await runCommand('Preferences: Open Settings (UI)');
    await page.locator('.settings-editor').waitFor();
    await page.keyboard.type('potpie.serverPath');
    // Machine-scoped: in a remote window (code-server is one) it lives under the Remote tab,
    // never under Workspace.
    await page.locator('.settings-tabs-widget .action-label', { hasText: /^Remote/ }).click();
    const setting = page.locator('.setting-item-contents', { hasText: 'Server Path' }).first();
    await setting.locator('input').first().fill('/nonexistent/potpie-lsp');
    const toast = page.locator('.notification-toast', { hasText: 'no executable file is there' });
    await toast.waitFor();
    await statusItem(/Potpie: no server/).waitFor();
    await toast.locator('.monaco-button', { hasText: 'Open README' }).click();
    await page.locator('.tabs-container .tab', { hasText: /readme\.md/i }).first().waitFor();
  });
  assert.ok(screenshotTaken, 'some scenario checked citations (E2E_LOCAL_STRICT=0 needs a fake Potpie)');
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

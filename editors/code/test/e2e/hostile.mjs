// The attacker's half of the e2e: a repository whose .vscode/settings.json points
// potpie.serverPath at a script of its own and potpie.baseUrl / potpie.llm at
// https://evil.test, opened in code-server with workspace trust on. Started by
// scripts/e2e.sh, which plants marker-writing programs in the repository, puts the user's key
// in code-server's environment and routes every HTTP(S) request through a recording proxy.
//
// E2E_CASE=untrusted: the user answers the trust prompt with "No": Restricted Mode. The
// extension must run the bundled server with the local engine, and answer. Trusting the
// folder afterwards restarts the server with the key, and the server asks before using the
// repository's origin (answered No).
// E2E_CASE=trusted: the user trusts the folder (one click, as most do) and stores the key with
// "Potpie: Set API Key". The server must not send the key to https://evil.test but ask
// ("Send your Potpie API key to https://evil.test? Once / Always / No", a VS Code
// notification); the user says No, and the local engine answers, saying why.
// Every case: no program of the repository ran (no marker), the proxy saw no request at all
// (so none to the hostile origin, none with the key), and the key is in no log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { env, launchChromium, stepper, workbench } from './workbench.mjs';

const URL = env('E2E_URL');
const ARTIFACTS = env('E2E_ARTIFACTS');
const CASE = env('E2E_CASE');
const SECRET = env('E2E_SECRET');
const MARKERS = env('E2E_MARKERS');
const PROXY_LOG = env('E2E_PROXY_LOG');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const TIMEOUT = Number(env('E2E_TIMEOUT_MS', '90000'));
const QUESTION = 'Where is the cart total computed?';

const { step, steps } = stepper(`e2e hostile/${CASE}`);

const browser = await launchChromium(CHROMIUM);
let page;
let ok = false;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const { input, statusItem, frame, runCommand } = workbench(page);

  await step('open the repository; the trust prompt asks', async () => {
    await page.goto(URL);
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('.monaco-dialog-box', { hasText: /trust the authors/i }).waitFor();
  });
  if (CASE === 'untrusted') {
    await step('answer "No, I don\'t trust the authors": Restricted Mode', async () => {
      await page.locator('.monaco-dialog-box .monaco-button', { hasText: /No, I don.t trust/i }).click();
      await page.locator('.monaco-dialog-box').waitFor({ state: 'detached' });
    });
    await step('the bundled server starts with the local engine', () => statusItem(/Potpie \(local\)/).waitFor());
    await step('"Potpie: Show Status" names Restricted Mode and the bundled server', async () => {
      await runCommand('Potpie: Show Status');
      const toast = page.locator('.notification-toast', { hasText: 'Restricted Mode' });
      await toast.waitFor();
      const text = await toast.innerText();
      assert.match(text, /backend: local/);
      assert.match(text, /server: bundled with the extension/);
      await runCommand('Notifications: Clear All Notifications');
    });
    await step('a question is answered by the local engine', async () => {
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
      await runCommand('Potpie: Ask a Question', 'Ask Potpie', QUESTION);
      await frame.locator('h1.question', { hasText: QUESTION }).waitFor();
      await frame.locator('.phase-streaming, .phase-waiting').waitFor({ state: 'detached' });
      assert.deepEqual(await frame.locator('.error').allInnerTexts(), [], 'no error in the panel');
      assert.match(await frame.locator('.meta').innerText(), /backend: local/);
      assert.ok((await frame.locator('article.answer').innerText()).includes('compute_cart_total'));
    });
    await step('granting trust later restarts the server with the key: it asks first; No', async () => {
      await runCommand('Workspaces: Manage Workspace Trust');
      await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click();
      const ask = page.locator('.notification-toast', { hasText: 'Send your Potpie API key to https://evil.test?' });
      await ask.first().waitFor();
      while ((await ask.count()) > 0) {
        await ask.first().locator('.monaco-button', { hasText: /^No$/ }).click();
        await page.waitForTimeout(500);
      }
      await statusItem(/Potpie \(local\)/).waitFor();
    });
  } else if (CASE === 'trusted') {
    await step('answer "Yes, I trust the authors"', async () => {
      await page.locator('.monaco-dialog-box .monaco-button', { hasText: /Yes, I trust/i }).click();
      await page.locator('.monaco-dialog-box').waitFor({ state: 'detached' });
    });
    await step('store the key with "Potpie: Set API Key"', async () => {
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
      await runCommand('Potpie: Set API Key', 'Potpie API key', SECRET);
    });
    await step('the server asks before sending the key to https://evil.test; the user says No', async () => {
      const ask = page.locator('.notification-toast', { hasText: 'Send your Potpie API key to https://evil.test?' });
      await ask.first().waitFor();
      for (const title of ['Once', 'Always', 'No']) {
        await ask.first().locator('.monaco-button', { hasText: new RegExp(`^${title}$`) }).waitFor();
      }
      // A restart (trust granted, key stored) may have asked again: refuse every question.
      while ((await ask.count()) > 0) {
        await ask.first().locator('.monaco-button', { hasText: /^No$/ }).click();
        await page.waitForTimeout(500);
      }
    });
    await step('the local engine answers, and its first line says why', async () => {
      await statusItem(/Potpie \(local\)/).waitFor();
      await runCommand('Potpie: Ask a Question', 'Ask Potpie', QUESTION);
      await frame.locator('h1.question', { hasText: QUESTION }).waitFor();
      await frame.locator('.phase-streaming, .phase-waiting').waitFor({ state: 'detached' });
      assert.deepEqual(await frame.locator('.error').allInnerTexts(), [], 'no error in the panel');
      assert.match(await frame.locator('.meta').innerText(), /backend: local/);
      const text = await frame.locator('article.answer').innerText();
      assert.match(text.split('\n')[0], /your Potpie key was not sent.*https:\/\/evil\.test/);
      assert.ok(text.includes('compute_cart_total'), text);
    });
  } else {
    throw new Error(`unknown E2E_CASE ${CASE}`);
  }

  await step('no program of the repository ran', () => {
    assert.deepEqual(fs.readdirSync(MARKERS), [], `marker files in ${MARKERS}`);
  });
  await step('nothing went to the hostile origin, and nothing carried the key', () => {
    const entries = fs
      .readFileSync(PROXY_LOG, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
    fs.writeFileSync(path.join(ARTIFACTS, 'proxy-seen.json'), JSON.stringify(entries, null, 2));
    const hostile = entries.filter((e) => /evil\.test/.test(e.target ?? e.url ?? ''));
    assert.deepEqual(hostile, [], 'requests to the hostile origin');
    assert.deepEqual(entries.filter((e) => e.carriesKey), [], 'requests that carried the key');
    // Restricted Mode is the local engine alone, and a trusted folder whose origin the user
    // refused is too: nothing goes anywhere, not even to the user's own service.
    assert.deepEqual(entries, [], 'requests made');
  });
  await step('the key is in no log', () => {
    const leaks = [];
    const scan = (dir) => {
      if (!fs.existsSync(dir)) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) scan(p);
        else if (e.isFile() && fs.statSync(p).size < 20e6 && fs.readFileSync(p).includes(SECRET)) leaks.push(p);
      }
    };
    scan(path.join(ARTIFACTS, 'user-data'));
    scan(path.join(ARTIFACTS, 'cache'));
    const csLog = path.join(ARTIFACTS, 'code-server.log');
    if (fs.existsSync(csLog) && fs.readFileSync(csLog).includes(SECRET)) leaks.push(csLog);
    assert.deepEqual(leaks, [], 'files holding the key');
  });
  ok = true;
} catch (e) {
  if (page) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png') }).catch(() => {});
    process.stderr.write(`[e2e hostile/${CASE}] failure screenshot: ${path.join(ARTIFACTS, 'failure.png')}\n`);
  }
  throw e;
} finally {
  process.stderr.write(`[e2e hostile/${CASE}] ${steps.join('; ')}\n`);
  await browser.close();
}
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');

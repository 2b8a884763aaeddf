// What every e2e script needs from code-server in headless Chromium: its environment, timed
// steps, the browser, and the workbench parts they drive (command palette, status bar, the
// answer panel's webview).
import { chromium } from 'playwright-core';

/** The environment variable `k` (else `d`); scripts/e2e.sh sets them. */
export const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`${k} is not set (run scripts/e2e.sh)`);
  return v;
};

/** `step(name, fn)` runs and times one step, logged under `label`; `steps` lists the times. */
export function stepper(label) {
  const steps = [];
  const step = async (name, fn) => {
    const t = Date.now();
    process.stderr.write(`[${label}] ${name} …\n`);
    const out = await fn();
    steps.push(`${name}: ${Date.now() - t} ms`);
    return out;
  };
  return { step, steps };
}

export const launchChromium = (executablePath) =>
  chromium.launch({
    executablePath,
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

/** The workbench parts of `page` the tests use. */
export function workbench(page) {
  const input = page.locator('.quick-input-widget input');
  const statusItem = (re) => page.locator('.statusbar-item', { hasText: re }).first();
  // The webview is an iframe (VS Code's host page) holding another iframe (our content).
  const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
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
  return { input, statusItem, frame, runCommand };
}

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { extRoot, load } from './helpers.mjs';

const { buildServerSettings, redactSettings, serverEnvironment, userBaseUrl, SERVER_SETTING_KEYS, EXTENSION_SETTING_KEYS, RESTRICTED_SETTING_KEYS } =
  load('settings');

const reader = (obj) => ({ get: (k) => obj[k] });

test('empty strings and nulls are left to the server defaults', () => {
  const s = buildServerSettings(
    reader({ backend: 'local', baseUrl: '', agent: ' codebase_qna_agent ', repoName: '', llm: null, hints: false, openAnswers: false }),
  );
  assert.deepEqual(s, { backend: 'local', agent: 'codebase_qna_agent', hints: false, openAnswers: false });
});

test('the API key is added only when set, and redacted for logs', () => {
  assert.equal('apiKey' in buildServerSettings(reader({}), ''), false);
  const s = buildServerSettings(reader({ backend: 'auto' }), 'sk-secret ');
  assert.equal(s.apiKey, 'sk-secret');
  const shown = JSON.stringify(redactSettings(s));
  assert.equal(shown.includes('sk-secret'), false);
  assert.match(shown, /<redacted>/);
});

test('llm needs baseUrl and model; its key is redacted too', () => {
  assert.equal('llm' in buildServerSettings(reader({ llm: { model: 'm' } })), false);
  const s = buildServerSettings(reader({ llm: { baseUrl: 'http://127.0.0.1:1', model: 'm', apiKey: 'k1', junk: 3 } }));
  assert.deepEqual(s.llm, { baseUrl: 'http://127.0.0.1:1', model: 'm', apiKey: 'k1' });
  assert.equal(JSON.stringify(redactSettings(s)).includes('k1'), false);
});

test('keys outside the contract are not forwarded', () => {
  const s = buildServerSettings(reader({ serverPath: '/bin/x', 'trace.server': 'verbose', backend: 'potpie' }));
  assert.deepEqual(Object.keys(s), ['backend']);
});

test('untrusted: backend local, no key, no origin, no LLM endpoint', () => {
  const cfg = reader({ backend: 'potpie', baseUrl: 'https://evil.test', llm: { baseUrl: 'https://evil.test', model: 'm' }, agent: 'a', hints: true });
  const s = buildServerSettings(cfg, 'sk-secret', false);
  assert.deepEqual(s, { backend: 'local', agent: 'a', hints: true });
  const trusted = buildServerSettings(cfg, 'sk-secret', true);
  assert.equal(trusted.baseUrl, 'https://evil.test'); // the server's own policy decides where the key may go
  assert.equal(trusted.apiKey, 'sk-secret');
});

test('untrusted: the server environment carries no key and no origin', () => {
  const base = { PATH: '/usr/bin', POTPIE_API_KEY: 'sk-env', POTPIE_BASE_URL: 'https://self.hosted' };
  assert.deepEqual(serverEnvironment(base, { trusted: false, tracing: true, apiKey: 'sk-secret' }), { PATH: '/usr/bin' });
  assert.deepEqual(serverEnvironment(base, { trusted: true, tracing: false, apiKey: 'sk-secret' }), base);
  assert.equal(serverEnvironment(base, { trusted: true, tracing: true, apiKey: 'sk-secret' }).POTPIE_API_KEY, 'sk-secret');
});

test("the user's own potpie.baseUrl goes to the server as POTPIE_BASE_URL, when trusted only", () => {
  // user scope only: a workspace's or folder's value is not the user's word
  assert.equal(userBaseUrl({ globalValue: ' https://potpie.example.com ', workspaceValue: 'https://evil.test' }), 'https://potpie.example.com');
  assert.equal(userBaseUrl({ workspaceValue: 'https://evil.test', workspaceFolderValue: 'https://evil.test' }), undefined);
  assert.equal(userBaseUrl({ globalValue: '  ' }), undefined);
  assert.equal(userBaseUrl(undefined), undefined);
  const base = { PATH: '/usr/bin', POTPIE_BASE_URL: 'https://from-shell.example' };
  const mine = 'https://potpie.example.com';
  assert.equal(serverEnvironment(base, { trusted: true, tracing: false, userBaseUrl: mine }).POTPIE_BASE_URL, mine);
  assert.equal(serverEnvironment(base, { trusted: true, tracing: false }).POTPIE_BASE_URL, 'https://from-shell.example');
  assert.equal('POTPIE_BASE_URL' in serverEnvironment(base, { trusted: false, tracing: false, userBaseUrl: mine }), false);
});

const pkg = JSON.parse(fs.readFileSync(path.join(extRoot, 'package.json'), 'utf8'));
const contributed = Object.keys(pkg.contributes.configuration.properties).map((k) => k.replace(/^potpie\./, ''));

test('package.json contributes exactly the server settings plus serverPath, never apiKey', () => {
  assert.deepEqual([...contributed].sort(), [...SERVER_SETTING_KEYS, ...EXTENSION_SETTING_KEYS].sort());
  assert.equal(contributed.includes('apiKey'), false);
  for (const k of Object.keys(pkg.contributes.configuration.properties)) assert.match(k, /^potpie\./);
});

test('workspace trust: serverPath is machine-scoped and the restricted settings are declared', () => {
  const props = pkg.contributes.configuration.properties;
  assert.equal(props['potpie.serverPath'].scope, 'machine');
  const untrusted = pkg.capabilities?.untrustedWorkspaces;
  assert.equal(untrusted?.supported, 'limited');
  assert.match(untrusted.description, /local engine/);
  assert.deepEqual([...untrusted.restrictedConfigurations].sort(), RESTRICTED_SETTING_KEYS.map((k) => `potpie.${k}`).sort());
  for (const k of untrusted.restrictedConfigurations) assert.ok(props[k], `${k} is a contributed setting`);
  // every setting that can name an origin or a program is restricted
  for (const [k, v] of Object.entries(props)) {
    if (/origin|binary|endpoint|program/i.test(v.markdownDescription ?? v.description ?? '')) {
      assert.ok(untrusted.restrictedConfigurations.includes(k), `${k} names an origin or a program but is not restricted`);
    }
  }
});

// The server's own documentation of its names (tests/it/contract.rs holds it to the server).
const contract = path.resolve(extRoot, '..', '..', 'docs', 'lsp-extensions.md');

/** Backticked names in the first column of the table under the `## ` heading starting with `heading`. */
function tableKeys(md, heading) {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## ${heading}`));
  assert.notEqual(start, -1, `no "## ${heading}" section in the contract`);
  const keys = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    const first = line.split('|')[1];
    for (const m of first.matchAll(/`([^`]+)`/g)) keys.push(m[1]);
  }
  return keys;
}

test('settings match the documented table (docs/lsp-extensions.md)', () => {
  const md = fs.readFileSync(contract, 'utf8');
  const keys = tableKeys(md, 'Settings');
  assert.ok(keys.length >= 5, `parsed too few keys: ${keys}`);
  assert.deepEqual([...keys].filter((k) => k !== 'apiKey').sort(), [...SERVER_SETTING_KEYS].sort());
  assert.ok(keys.includes('apiKey'), 'the contract still has apiKey (kept in SecretStorage here)');
});

test('server commands and notifications the extension uses are documented ones', () => {
  const { ServerCommand, Notification } = load('protocol');
  const md = fs.readFileSync(contract, 'utf8');
  const commands = tableKeys(md, 'Commands');
  for (const id of Object.values(ServerCommand)) assert.ok(commands.includes(id), `${id} is not a documented command`);
  const notifications = tableKeys(md, 'Notifications from the server');
  for (const m of Object.values(Notification)) assert.ok(notifications.includes(m), `${m} is not a documented notification`);
  const ours = pkg.contributes.commands.map((c) => c.command);
  for (const id of ours) assert.match(id, /^potpie-vscode\./, 'UI command ids must not clash with the server ones');
});

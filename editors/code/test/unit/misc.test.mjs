import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { extRoot, load, vscode } from './helpers.mjs';

test('citations become real Location objects for showReferences', () => {
  const { toLocation, showReferencesArgs, selectionFor } = load('citations');
  const c = { uri: 'file:///w/src/lib.rs', range: { start: { line: 11, character: 4 }, end: { line: 19, character: 0 } } };
  const l = toLocation(c);
  assert.ok(l instanceof vscode.Location);
  assert.ok(l.uri instanceof vscode.Uri);
  assert.equal(l.uri.path, '/w/src/lib.rs');
  assert.ok(l.range.start instanceof vscode.Position);
  assert.deepEqual([l.range.start.line, l.range.start.character, l.range.end.line], [11, 4, 19]);
  const args = showReferencesArgs([c, { uri: 'not a uri', range: c.range }, { ...c, uri: 'file:///w/b.rs' }]);
  assert.equal(args.length, 3);
  assert.equal(args[0].path, '/w/src/lib.rs');
  assert.deepEqual([args[1].line, args[1].character], [11, 4]);
  assert.deepEqual(args[2].map((x) => x.uri.path), ['/w/src/lib.rs', '/w/b.rs'], 'a malformed uri is skipped');
  assert.equal(showReferencesArgs([]), undefined);
  assert.ok(selectionFor(c).isEmpty);
});

test('showCitations opens the anchor file and runs editor.action.showReferences', async () => {
  const { showCitations } = load('answerPanel');
  vscode.commands.executed.length = 0;
  const c = { uri: 'file:///w/a.rs', range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } } };
  await showCitations([c]);
  const [cmd, uri, pos, locs] = vscode.commands.executed.at(-1);
  assert.equal(cmd, 'editor.action.showReferences');
  assert.equal(uri.path, '/w/a.rs');
  assert.equal(pos.line, 2);
  assert.equal(locs.length, 1);
});

test('openCitation refuses files outside the workspace', async () => {
  const { openCitation } = load('answerPanel');
  const c = { uri: 'file:///etc/passwd', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
  await assert.rejects(openCitation(c), /outside the workspace/);
});

test('server path: the setting first, then PATH, then the bundled binary, else a clear message', () => {
  const { resolveServerPath, describeServer } = load('serverPath');
  const exe = new Set(['/opt/bin/potpie-lsp', '/home/u/bin/potpie-lsp', '/ws/target/debug/potpie-lsp', '/ext/server/potpie-lsp']);
  const base = { envPath: '/usr/bin:/opt/bin', platform: 'linux', home: '/home/u', isExecutable: (f) => exe.has(f) };
  assert.deepEqual(resolveServerPath({ ...base, configured: '' }), { ok: true, path: '/opt/bin/potpie-lsp', source: 'PATH' });
  assert.deepEqual(resolveServerPath({ ...base, configured: '~/bin/potpie-lsp' }), {
    ok: true,
    path: '/home/u/bin/potpie-lsp',
    source: 'setting',
  });
  const bad = resolveServerPath({ ...base, configured: '/nope/potpie-lsp' });
  assert.equal(bad.ok, false);
  assert.match(bad.message, /potpie\.serverPath.*\/nope\/potpie-lsp/);
  const none = resolveServerPath({ ...base, configured: undefined, envPath: '/usr/bin' });
  assert.equal(none.ok, false);
  assert.match(none.message, /set potpie\.serverPath or put potpie-lsp on PATH/);
  const bundled = resolveServerPath({ ...base, configured: '', envPath: '/usr/bin', bundled: '/ext/server/potpie-lsp' });
  assert.deepEqual(bundled, { ok: true, path: '/ext/server/potpie-lsp', source: 'bundled' });
  assert.match(describeServer(bundled.path, bundled.source), /bundled with the extension/);
  // PATH wins over the bundled binary: a user who installed a newer server gets it.
  assert.equal(resolveServerPath({ ...base, configured: '', bundled: '/ext/server/potpie-lsp' }).source, 'PATH');
});

test('server path: nothing is looked up inside the opened repository', () => {
  const { resolveServerPath } = load('serverPath');
  const exe = new Set(['/ws/target/debug/potpie-lsp', 'bin/potpie-lsp', './potpie-lsp', 'potpie-lsp']);
  const base = { platform: 'linux', home: '/home/u', isExecutable: (f) => exe.has(f) };
  // a relative setting is refused, not resolved against the workspace
  const rel = resolveServerPath({ ...base, configured: 'target/debug/potpie-lsp', envPath: '' });
  assert.equal(rel.ok, false);
  assert.match(rel.message, /must be an absolute path/);
  // relative PATH entries (".", "bin") are skipped
  assert.equal(resolveServerPath({ ...base, configured: '', envPath: '.:bin::' }).ok, false);
});

test('status bar text for each state', () => {
  const { statusView, serverMissingView } = load('status');
  assert.match(statusView({ state: 'parsing', repoName: 'o/r' }).text, /parsing…/);
  const ready = statusView({ state: 'ready', backend: 'local', repoName: 'o/r', branchName: 'main' });
  assert.equal(ready.text, '$(check) Potpie (local)');
  assert.match(ready.tooltip, /repo: o\/r@main/);
  const err = statusView({ state: 'error', message: 'parse failed' });
  assert.equal(err.command, 'potpie-vscode.showLog');
  assert.equal(err.error, true);
  assert.match(err.tooltip, /parse failed/);
  assert.equal(serverMissingView('x').command, 'potpie-vscode.showLog');
});

test('the extension module loads against the vscode API (with the real languageclient)', () => {
  const ext = load('extension');
  assert.equal(typeof ext.activate, 'function');
  assert.equal(typeof ext.deactivate, 'function');
});

test("the top README's VS Code steps are what the package does", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(extRoot, 'package.json'), 'utf8'));
  const readme = fs.readFileSync(path.join(extRoot, '..', '..', 'README.md'), 'utf8');
  const section = readme.split('\n### VS Code')[1]?.split('\n### ')[0];
  assert.ok(section, 'the README has a VS Code section');
  const m = /npm run package -- --target (\S+)\s+# → (\S+\.vsix)/.exec(section);
  assert.ok(m, 'it packages for a target');
  assert.equal(pkg.scripts.package, 'bash scripts/package.sh');
  const sh = fs.readFileSync(path.join(extRoot, 'scripts', 'package.sh'), 'utf8');
  const platform = new RegExp(`${m[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) echo (\\S+) ;;`).exec(sh)?.[1];
  assert.equal(m[2], `potpie-vscode-${platform}.vsix`, 'the file package.sh writes for that target');
  assert.ok(section.includes(`code --install-extension ${m[2]}`));
  const titles = pkg.contributes.commands.map((c) => `${c.category}: ${c.title}`);
  for (const [, name] of section.matchAll(/\*(Potpie: [^*]+)\*/g)) {
    assert.ok(titles.includes(name), `"${name}" is a command of the extension`);
  }
});

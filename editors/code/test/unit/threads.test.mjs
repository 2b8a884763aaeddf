// Threads and living citations: follow-ups from the panel, `potpie.threads`, and
// `potpie/citations` moving (or marking stale) the panel's citations.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { extRoot, load } from './helpers.mjs';

const r = load('render');
const { AnswerSession, applyCitationsMoved } = load('answers');
const { askParams, followUpParams } = load('args');
const { parseCitationsMoved, parseThreads } = load('protocol');
const roots = ['file:///work/ws'];
const loc = (uri, a, b) => ({ uri, range: { start: { line: a, character: 0 }, end: { line: b, character: 0 } } });

test('askParams carries threadId for a follow-up, and nothing for a new question', () => {
  assert.deepEqual(askParams('Who calls it?', undefined, undefined, 't1').arguments[0], { question: 'Who calls it?', threadId: 't1' });
  assert.equal('threadId' in askParams('Who calls it?').arguments[0], false);
  assert.equal('threadId' in askParams('q', undefined, undefined, '  ').arguments[0], false);
});

test('a follow-up names the thread, and the folder it is in when known', () => {
  assert.deepEqual(followUpParams('Who calls it?', 't1', 'file:///work/b/x.py').arguments[0], {
    question: 'Who calls it?',
    threadId: 't1',
    uri: 'file:///work/b/x.py',
  });
  assert.deepEqual(followUpParams('Who calls it?', 't1').arguments[0], { question: 'Who calls it?', threadId: 't1' });
  // an answer without a question uri takes its folder from its first citation
  const s = new AnswerSession('q');
  s.complete({ answerId: 'a', backend: 'local', agent: 'x', markdown: '', citations: [loc('file:///work/b/y.py', 1, 2)] });
  assert.equal(s.view.folderUri, 'file:///work/b/y.py');
});

test('a finished answer keeps its thread and transcript; the panel offers a follow-up box in it', () => {
  const s = new AnswerSession('q');
  s.complete({
    answerId: 'a1',
    backend: 'local',
    agent: 'codebase_qna_agent',
    markdown: 'x',
    citations: [loc('file:///work/ws/a.py', 3, 5)],
    threadId: 't<1>',
    transcriptUri: 'file:///cache/threads/ws/t1.md',
  });
  assert.equal(s.view.threadId, 't<1>');
  assert.equal(s.view.answerId, 'a1');
  const html = r.renderBody(s.view, roots);
  assert.match(html, /<header data-thread="t&lt;1&gt;">/);
  assert.match(html, /<input type="text" id="followup"/);
  assert.match(html, /data-action="newQuestion"/);
  assert.match(html, /data-action="openTranscript"/);
});

test('no follow-up box while the answer streams; only "New Question" without a thread', () => {
  const waiting = new AnswerSession('q');
  assert.equal(r.renderBody(waiting.view, roots).includes('form class="next"'), false);
  waiting.fail('boom');
  const html = r.renderBody(waiting.view, roots);
  assert.equal(html.includes('id="followup"'), false);
  assert.match(html, /data-action="newQuestion"/);
  // a failed follow-up stays in its thread, so it can be asked again there
  const again = new AnswerSession('q', undefined, 't1');
  again.fail('boom');
  assert.match(r.renderBody(again.view, roots), /id="followup"/);
});

test('webview messages: a follow-up needs a non-empty question; newQuestion and openTranscript', () => {
  assert.deepEqual(r.parseWebviewMessage({ type: 'followUp', question: '  Who calls it? ' }), { type: 'followUp', question: 'Who calls it?' });
  assert.equal(r.parseWebviewMessage({ type: 'followUp', question: '   ' }), undefined);
  assert.equal(r.parseWebviewMessage({ type: 'followUp', question: 3 }), undefined);
  assert.equal(r.parseWebviewMessage({ type: 'followUp', question: 'x'.repeat(10_001) }), undefined);
  // the thread is the panel's own, never one the page names
  assert.deepEqual(r.parseWebviewMessage({ type: 'followUp', question: 'q', threadId: 'other' }), { type: 'followUp', question: 'q' });
  assert.deepEqual(r.parseWebviewMessage({ type: 'newQuestion' }), { type: 'newQuestion' });
  assert.deepEqual(r.parseWebviewMessage({ type: 'openTranscript', uri: 'file:///etc/passwd' }), { type: 'openTranscript' });
});

test('potpie/citations moves the shown answer\'s citations and marks stale ones', () => {
  const moved = parseCitationsMoved({
    answerId: 'a1',
    threadId: 't1',
    citations: [
      { ...loc('file:///work/ws/a.py', 6, 8), stale: false },
      { ...loc('file:///work/ws/b.py', 1, 1), stale: true },
      { uri: 'file:///work/ws/c.py' },
    ],
  });
  assert.equal(moved.citations.length, 2, 'a malformed citation is dropped');
  assert.equal(parseCitationsMoved({ answerId: 1, citations: [] }), undefined);
  const s = new AnswerSession('q');
  assert.equal(applyCitationsMoved(s.view, moved), false, 'not before the answer is done');
  s.complete({ answerId: 'a1', backend: 'local', agent: 'x', markdown: 'm', citations: [loc('file:///work/ws/a.py', 3, 5)] });
  assert.equal(applyCitationsMoved(s.view, { ...moved, answerId: 'other' }), false, 'another answer\'s citations');
  assert.equal(applyCitationsMoved(s.view, moved), true);
  const html = r.renderBody(s.view, roots);
  assert.match(html, /data-cite="0">a\.py:7-9<\/a>/);
  assert.match(html, /class="citation stale" data-cite="1"[^>]*>b\.py:2<\/a> <span class="stale-note">\(changed since the answer\)/);
});

test('potpie.threads entries are kept only when they have an id and a title', () => {
  const t = { threadId: 't1', title: 'How?', agent: 'a', backend: 'local', updatedAt: '2026-01-01T00:00:00Z', answers: 2, transcriptUri: null };
  assert.deepEqual(parseThreads([t, { title: 'no id' }, null]), [t]);
  assert.deepEqual(parseThreads(null), []);
});

test('every command of package.json is registered by the extension, and the other way round', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(extRoot, 'package.json'), 'utf8'));
  const src = fs.readFileSync(path.join(extRoot, 'src', 'extension.ts'), 'utf8');
  const registered = [...src.matchAll(/reg\('([\w.-]+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(pkg.contributes.commands.map((c) => c.command).sort(), registered);
  assert.ok(registered.includes('potpie-vscode.showThreads'));
});

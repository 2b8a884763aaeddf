import assert from 'node:assert/strict';
import test from 'node:test';
import { load } from './helpers.mjs';

const r = load('render');
const roots = ['file:///work/ws'];
const loc = (uri, a, b) => ({ uri, range: { start: { line: a, character: 0 }, end: { line: b, character: 0 } } });

test('raw HTML from the service is escaped, never rendered', () => {
  const html = r.renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> **bold**', roots);
  assert.equal(/<script|<img/i.test(html), false, html);
  assert.match(html, /&lt;script&gt;/);
  assert.match(html, /<strong>bold<\/strong>/);
});

test('images are not loaded', () => {
  const html = r.renderMarkdown('![x](https://example.invalid/a.png)', roots);
  assert.equal(html.includes('<img'), false);
});

test('links to workspace files become open-file buttons with a line', () => {
  const html = r.renderMarkdown('[a](src/lib.rs#L12-L20) [b](./src/x.py:7) [c](file:///work/ws/README.md)', roots);
  assert.match(html, /data-href="file:\/\/\/work\/ws\/src\/lib\.rs" data-line="11"/);
  assert.match(html, /data-href="file:\/\/\/work\/ws\/src\/x\.py" data-line="6"/);
  assert.match(html, /data-href="file:\/\/\/work\/ws\/README\.md"/);
  assert.equal(/ href="(?!#)/.test(html), false, 'no link keeps its own href');
});

test('links outside the workspace are plain text', () => {
  for (const href of ['https://example.invalid/', 'javascript:alert(1)', 'command:workbench.action.quit', '../../etc/passwd', 'file:///etc/passwd', '/work/wsx/a.rs', 'mailto:a@b']) {
    assert.equal(r.resolveWorkspaceLink(href, roots), undefined, href);
    const html = r.renderMarkdown(`[t](${href})`, roots);
    assert.equal(html.includes('<a '), false, html);
    assert.match(html, /<span class="ext-link"/);
  }
});

test('resolveWorkspaceLink handles encodings and nested roots', () => {
  assert.deepEqual(r.resolveWorkspaceLink('src/a%20b.rs', ['file:///w/my%20ws']), { uri: 'file:///w/my%20ws/src/a%20b.rs' });
  assert.deepEqual(r.resolveWorkspaceLink('/w/two/x.rs:3', ['file:///w/one', 'file:///w/two/']), { uri: 'file:///w/two/x.rs', line: 2 });
  assert.deepEqual(r.resolveWorkspaceLink('src/../lib.rs', roots), { uri: 'file:///work/ws/lib.rs' });
});

test('citation labels are relative, 1-based and inclusive', () => {
  assert.equal(r.citationLabel(loc('file:///work/ws/src/lib.rs', 11, 19), roots), 'src/lib.rs:12-20', 'end line counts even at character 0');
  assert.equal(r.citationLabel({ uri: 'file:///work/ws/src/lib.rs', range: { start: { line: 11, character: 0 }, end: { line: 19, character: 14 } } }, roots), 'src/lib.rs:12-20');
  assert.equal(r.citationLabel({ uri: 'file:///work/ws/a.py', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 9 } } }, roots), 'a.py:1');
  assert.equal(r.citationLabel(loc('file:///work/ws/a.py', 4, 4), roots), 'a.py:5');
});

test('the body lists citations and the streaming state; the page has a strict CSP', () => {
  const view = { title: 'Where is <x> parsed?', phase: 'streaming', markdown: 'It is in `parse`.', citations: [loc('file:///work/ws/src/p.rs', 3, 8)], agent: 'codebase_qna_agent' };
  const body = r.renderBody(view, roots);
  assert.match(body, /Where is &lt;x&gt; parsed\?/);
  assert.match(body, /Answering…/);
  assert.match(body, /data-action="cancel"/);
  assert.match(body, /data-action="showCitations"/);
  assert.match(body, /<a href="#" class="citation" data-cite="0">src\/p\.rs:4-9<\/a>/);
  const page = r.renderPage({ ...view, phase: 'done' }, { nonce: 'abc123', cspSource: 'vscode-resource:', roots });
  assert.match(page, /Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;nonce-abc123&#39;; script-src &#39;nonce-abc123&#39;/);
  assert.equal(/<script(?![^>]*nonce="abc123")/.test(page), false, 'every script carries the nonce');
  assert.equal(/src=/.test(page), false, 'no external script or image');
  assert.equal(page.includes('data-action="cancel"'), false);
});

test('errors are shown escaped', () => {
  const body = r.renderBody({ title: 'q', phase: 'error', markdown: '', citations: [], error: 'Potpie rejected the API key (401) <b>' }, roots);
  assert.match(body, /role="alert">Potpie rejected the API key \(401\) &lt;b&gt;/);
});

test('webview messages are validated', () => {
  assert.deepEqual(r.parseWebviewMessage({ type: 'openCitation', index: 2 }), { type: 'openCitation', index: 2 });
  assert.equal(r.parseWebviewMessage({ type: 'openCitation', index: -1 }), undefined);
  assert.equal(r.parseWebviewMessage({ type: 'openLink', uri: 'https://x' }), undefined);
  assert.deepEqual(r.parseWebviewMessage({ type: 'openLink', uri: 'file:///w/a', line: 3 }), { type: 'openLink', uri: 'file:///w/a', line: 3 });
  assert.equal(r.parseWebviewMessage({ type: 'eval', code: '1' }), undefined);
  assert.equal(r.parseWebviewMessage('ready'), undefined);
});

test('path:line locations in prose and inline code become workspace links', () => {
  const html = r.renderMarkdown('- shop/cart.py:22-30 — function `compute_cart_total`\n- `src/lib.rs:7`, see also (web/x.js:3).\n- v1.2:3 and [link](a.py:9) stay as written', roots);
  assert.match(html, /<a href="#" class="ws-link" data-href="file:\/\/\/work\/ws\/shop\/cart\.py" data-line="21"[^>]*>shop\/cart\.py:22-30<\/a> — function <code>compute_cart_total<\/code>/);
  assert.match(html, /<a href="#" class="ws-link" data-href="file:\/\/\/work\/ws\/src\/lib\.rs" data-line="6"[^>]*><code>src\/lib\.rs:7<\/code><\/a>/);
  assert.match(html, /\(<a [^>]*data-href="file:\/\/\/work\/ws\/web\/x\.js" data-line="2"[^>]*>web\/x\.js:3<\/a>\)/);
  assert.equal((html.match(/<a /g) ?? []).length, 4, html);
  assert.match(html, /v1\.2:3 and <a [^>]*data-href="file:\/\/\/work\/ws\/a\.py" data-line="8"/);
  const code = r.renderMarkdown('```\nsrc/lib.rs:7\n```', roots);
  assert.equal(code.includes('<a '), false, 'fenced code is left alone');
});

test('a bare `path` links only when the answer cites that file, at the cited line', () => {
  const cites = [loc('file:///work/ws/shop/cart.py', 21, 29)];
  const html = r.renderMarkdown('Most relevant: `compute_cart_total` in `shop/cart.py`; not `shop/other.py`.', roots, cites);
  assert.match(html, /<a href="#" class="ws-link" data-href="file:\/\/\/work\/ws\/shop\/cart\.py" data-line="21"[^>]*><code>shop\/cart\.py<\/code><\/a>/);
  assert.equal((html.match(/<a /g) ?? []).length, 1, html);
});

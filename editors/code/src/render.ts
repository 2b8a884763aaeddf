// Renders an answer as the HTML of the answer webview. Pure (no `vscode` import).
//
// The Markdown comes from a remote service (or a model), so it is untrusted: raw HTML is
// disabled in the Markdown parser, images are not rendered, and links never keep their
// target. A link that resolves to a file inside the workspace becomes a button that asks the
// extension to open that file (the extension checks again that it exists and is inside the
// workspace); any other link is shown as plain text. The page itself has a CSP that allows
// only its own nonce'd inline script and style.
import MarkdownIt from 'markdown-it';
import { LiveCitation, LspLocation } from './protocol';

export type AnswerPhase = 'waiting' | 'streaming' | 'done' | 'error' | 'cancelled';

export interface AnswerView {
  title: string;
  phase: AnswerPhase;
  markdown: string;
  /** In the answer's order; `stale` once their code is gone (living citations). */
  citations: LiveCitation[];
  backend?: string;
  agent?: string;
  error?: string;
  answerId?: string;
  /** The thread the answer is in: the follow-up box continues it. */
  threadId?: string;
  /** The thread's Markdown transcript. */
  transcriptUri?: string;
  /** A URI inside the thread's workspace folder (follow-ups send it to pick that folder). */
  folderUri?: string;
}

export interface WorkspaceLink {
  /** `file:` URI of the target. */
  uri: string;
  /** 0-based line, when the link names one. */
  line?: number;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function trimSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}

/** The root (a workspace folder URI) that contains `uri`, if any. */
export function rootOf(uri: string, roots: readonly string[]): string | undefined {
  for (const r of roots) {
    const root = trimSlash(r);
    if (uri === root || uri.startsWith(root + '/')) {
      return root;
    }
  }
  return undefined;
}

/** `src/lib.rs` for a URI inside a workspace folder, else the decoded path. */
export function relativePath(uri: string, roots: readonly string[]): string {
  const root = rootOf(uri, roots);
  const rest = root ? uri.slice(root.length + 1) : uri.replace(/^file:\/\//, '');
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

/** `src/lib.rs:12-20` (1-based, inclusive) for a citation. */
export function citationLabel(c: LspLocation, roots: readonly string[]): string {
  // potpie-lsp cites whole lines: the end position is on the last cited line (at its end, or
  // at character 0 when the server did not read the file), so that line always counts.
  const start = c.range.start.line + 1;
  const end = c.range.end.line + 1;
  const lines = end > start ? `${start}-${end}` : `${start}`;
  return `${relativePath(c.uri, roots)}:${lines}`;
}

function encodePath(p: string): string {
  return p
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

/** Collapses `.` and `..`; returns undefined when the path climbs above its start. */
function normalizeSegments(p: string): string[] | undefined {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out;
}

/**
 * Where a link in an answer points, when that is a file inside the workspace:
 * `src/a.rs`, `./src/a.rs#L12`, `src/a.rs#L12-L20`, `src/a.rs:12`, `/abs/path/in/ws/a.rs`,
 * `file:///abs/path/in/ws/a.rs#L3`. Everything else (http, mailto, command:, paths outside the
 * workspace, `..` escapes) gives undefined.
 */
export function resolveWorkspaceLink(href: string, roots: readonly string[]): WorkspaceLink | undefined {
  let h = href.trim();
  if (h === '' || roots.length === 0) return undefined;
  let line: number | undefined;
  const hash = h.indexOf('#');
  if (hash >= 0) {
    const frag = h.slice(hash + 1);
    h = h.slice(0, hash);
    const m = /^L(\d+)(?:C\d+)?(?:-L?\d+(?:C\d+)?)?$/i.exec(frag);
    if (m) line = Math.max(0, Number(m[1]) - 1);
  }
  const colon = /^(.*?):(\d+)(?:[-:]\d+)?$/.exec(h);
  if (colon && !/^[a-z][a-z0-9+-]*$/i.test(colon[1])) {
    h = colon[1];
    line = Math.max(0, Number(colon[2]) - 1);
  }
  if (h === '') return undefined;
  let absPath: string;
  if (/^[a-z][a-z0-9+.-]*:/i.test(h)) {
    if (!/^file:\/\//i.test(h)) return undefined;
    let p = h.replace(/^file:\/\/(localhost)?/i, '');
    try {
      p = decodeURIComponent(p);
    } catch {
      return undefined;
    }
    absPath = p;
  } else {
    try {
      h = decodeURIComponent(h);
    } catch {
      // keep as written
    }
    if (h.startsWith('/')) {
      absPath = h;
    } else {
      const root = trimSlash(roots[0]);
      const rootPath = decodeURIComponent(root.replace(/^file:\/\//i, ''));
      const segs = normalizeSegments(h);
      if (!segs || segs.length === 0) return undefined;
      absPath = `${rootPath}/${segs.join('/')}`;
    }
  }
  const segs = normalizeSegments(absPath);
  if (!segs || segs.length === 0) return undefined;
  const uri = `file:///${encodePath(segs.join('/'))}`;
  if (!rootOf(uri, roots.map((r) => normalizeRootUri(r)))) return undefined;
  return line === undefined ? { uri } : { uri, line };
}

/** Re-encodes a root URI the same way resolveWorkspaceLink encodes paths, so they compare. */
function normalizeRootUri(root: string): string {
  const p = decodeURIComponent(trimSlash(root).replace(/^file:\/\//i, ''));
  const segs = normalizeSegments(p) ?? [];
  return `file:///${encodePath(segs.join('/'))}`;
}

interface LinkEnv {
  roots: readonly string[];
  stack: boolean[];
  /** Workspace-relative path → 1-based first line of its first citation. */
  cited: Map<string, number>;
}

function makeMarkdown(): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
  md.disable('image');
  // Safety does not rest on markdown-it's URL filter: link targets are never emitted as
  // hrefs (see link_open below), and `file:` links must reach resolveWorkspaceLink.
  md.validateLink = () => true;
  md.renderer.rules.link_open = (tokens, idx, _options, env: LinkEnv) => {
    const href = tokens[idx].attrGet('href') ?? '';
    const target = resolveWorkspaceLink(href, env.roots);
    env.stack.push(target !== undefined);
    if (target) {
      const line = target.line !== undefined ? ` data-line="${target.line}"` : '';
      return `<a href="#" class="ws-link" data-href="${escapeHtml(target.uri)}"${line} title="${escapeHtml(href)}">`;
    }
    return `<span class="ext-link" title="${escapeHtml(href)}">`;
  };
  md.renderer.rules.link_close = (_tokens, _idx, _options, env: LinkEnv) => {
    return env.stack.pop() ? '</a>' : '</span>';
  };
  md.core.ruler.push('potpie_paths', linkifyPaths);
  return md;
}

/** `src/lib.rs:12` or `src/lib.rs:12-20`, as answers (the local engine's in particular) write
 * locations in prose. */
const PATH_LINE = /(^|[\s(\[,;])((?:[\w.-]+\/)*[\w-][\w.-]*\.[A-Za-z][A-Za-z0-9]*):(\d+)(?:-(\d+))?(?=$|[\s).,;:\]])/g;

type StateCore = Parameters<Parameters<MarkdownIt['core']['ruler']['push']>[1]>[0];
type Token = StateCore['tokens'][number];

/** Turns `path:line` in text and inline code into links, which link_open then resolves (and
 * drops, when the path is not in the workspace). */
function linkifyPaths(state: StateCore): void {
  const env = state.env as Partial<LinkEnv>;
  if (!env.roots || env.roots.length === 0) return;
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const out: Token[] = [];
    let depth = 0;
    for (const tok of block.children) {
      if (tok.type === 'link_open') depth++;
      if (tok.type === 'link_close') depth--;
      if (depth > 0) {
        out.push(tok);
        continue;
      }
      if (tok.type === 'code_inline') {
        PATH_LINE.lastIndex = 0;
        const m = PATH_LINE.exec(tok.content);
        if (m && m.index === 0 && m[0].length === tok.content.length) {
          out.push(linkOpen(state, m[2], m[3]), tok, new state.Token('link_close', 'a', -1));
          continue;
        }
        // A bare `path` is linked only when the answer cites that file: then it opens there.
        const line = env.cited?.get(tok.content.trim());
        if (line !== undefined) {
          out.push(linkOpen(state, tok.content.trim(), String(line)), tok, new state.Token('link_close', 'a', -1));
          continue;
        }
      }
      if (tok.type !== 'text') {
        out.push(tok);
        continue;
      }
      let last = 0;
      const text = tok.content;
      PATH_LINE.lastIndex = 0;
      for (let m = PATH_LINE.exec(text); m; m = PATH_LINE.exec(text)) {
        const start = m.index + m[1].length;
        if (start > last) out.push(textToken(state, text.slice(last, start)));
        out.push(linkOpen(state, m[2], m[3]), textToken(state, m[0].slice(m[1].length)), new state.Token('link_close', 'a', -1));
        last = m.index + m[0].length;
      }
      if (last === 0) {
        out.push(tok);
      } else if (last < text.length) {
        out.push(textToken(state, text.slice(last)));
      }
    }
    block.children = out;
  }
}

function textToken(state: StateCore, content: string): Token {
  const t = new state.Token('text', '', 0);
  t.content = content;
  return t;
}

function linkOpen(state: StateCore, file: string, line: string): Token {
  const t = new state.Token('link_open', 'a', 1);
  t.attrs = [['href', `${file}#L${line}`]];
  return t;
}

const markdown = makeMarkdown();

export function renderMarkdown(source: string, roots: readonly string[], citations: readonly LspLocation[] = []): string {
  const cited = new Map<string, number>();
  for (const c of citations) {
    const rel = relativePath(c.uri, roots);
    if (rootOf(c.uri, roots) && !cited.has(rel)) cited.set(rel, c.range.start.line + 1);
  }
  const env: LinkEnv = { roots, stack: [], cited };
  return markdown.render(source, env);
}

const PHASE_TEXT: Record<AnswerPhase, string> = {
  waiting: 'Waiting for the answer…',
  streaming: 'Answering…',
  done: '',
  error: 'Failed',
  cancelled: 'Cancelled',
};

/** The inner HTML of the page (replaced on each update). */
export function renderBody(view: AnswerView, roots: readonly string[]): string {
  const parts: string[] = [];
  const thread = view.threadId ? ` data-thread="${escapeHtml(view.threadId)}"` : '';
  parts.push(`<header${thread}><h1 class="question">${escapeHtml(view.title)}</h1>`);
  const meta: string[] = [];
  if (view.backend) meta.push(`backend: ${escapeHtml(view.backend)}`);
  if (view.agent) meta.push(`agent: ${escapeHtml(view.agent)}`);
  const phase = PHASE_TEXT[view.phase];
  if (phase) meta.push(`<span class="phase phase-${view.phase}">${escapeHtml(phase)}</span>`);
  parts.push(`<div class="meta">${meta.join(' · ')}</div>`);
  parts.push('<div class="actions">');
  if (view.phase === 'waiting' || view.phase === 'streaming') {
    parts.push('<button type="button" data-action="cancel">Cancel</button>');
  }
  if (view.citations.length > 0) {
    parts.push('<button type="button" data-action="showCitations">Show Citations</button>');
  }
  if (view.transcriptUri && view.phase === 'done') {
    parts.push('<button type="button" data-action="openTranscript" title="Every question and answer of this thread">Transcript</button>');
  }
  parts.push('</div></header>');
  if (view.error) {
    parts.push(`<div class="error" role="alert">${escapeHtml(view.error)}</div>`);
  }
  if (view.phase === 'done' && view.markdown.trim() === '' && view.citations.length === 0) {
    parts.push('<p class="empty">The server found nothing to say about this.</p>');
  }
  parts.push(`<article class="answer">${renderMarkdown(view.markdown, roots, view.citations)}</article>`);
  if (view.citations.length > 0) {
    parts.push('<section class="citations"><h2>Citations</h2><ol>');
    view.citations.forEach((c, i) => {
      const label = escapeHtml(citationLabel(c, roots));
      if (c.stale) {
        parts.push(
          `<li class="stale"><a href="#" class="citation stale" data-cite="${i}" title="The cited code changed since the answer">${label}</a> <span class="stale-note">(changed since the answer)</span></li>`,
        );
      } else {
        parts.push(`<li><a href="#" class="citation" data-cite="${i}">${label}</a></li>`);
      }
    });
    parts.push('</ol></section>');
  }
  if (view.phase !== 'waiting' && view.phase !== 'streaming') {
    parts.push(renderNext(view));
  }
  return parts.join('');
}

/** Under a finished answer: a follow-up box that continues its thread, and "New question". */
function renderNext(view: AnswerView): string {
  const parts = ['<form class="next" autocomplete="off">'];
  if (view.threadId) {
    parts.push(
      '<input type="text" id="followup" name="question" placeholder="Ask a follow-up in this thread…" aria-label="Follow-up question">',
      '<button type="submit" class="followup-submit">Ask Follow-up</button>',
    );
  }
  parts.push('<button type="button" data-action="newQuestion">New Question</button></form>');
  return parts.join('');
}

export interface PageOptions {
  nonce: string;
  /** `webview.cspSource`; only used for images/fonts the theme might need. */
  cspSource: string;
  roots: readonly string[];
}

export function contentSecurityPolicy(nonce: string, cspSource: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    "img-src 'none'",
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 24px; line-height: 1.5; }
h1.question { font-size: 1.3em; margin: 16px 0 4px; }
.meta { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
.actions { margin: 8px 0 12px; display: flex; gap: 8px; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 10px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
.error { color: var(--vscode-errorForeground); border-left: 3px solid var(--vscode-errorForeground); padding: 4px 8px; margin: 8px 0; white-space: pre-wrap; }
pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow-x: auto; }
pre code { background: transparent; padding: 0; }
code { font-family: var(--vscode-editor-font-family); }
a { color: var(--vscode-textLink-foreground); }
.ext-link { text-decoration: underline dotted; }
.citations h2 { font-size: 1.05em; border-top: 1px solid var(--vscode-panel-border); padding-top: 8px; }
.phase-streaming, .phase-waiting { font-style: italic; }
.citation.stale { text-decoration: line-through; color: var(--vscode-descriptionForeground); }
.stale-note { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
form.next { display: flex; gap: 8px; margin: 16px 0 0; border-top: 1px solid var(--vscode-panel-border); padding-top: 12px; }
form.next input { flex: 1; min-width: 0; background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); padding: 4px 6px; font: inherit; }
`;

const SCRIPT = `
const vscode = acquireVsCodeApi();
document.addEventListener('click', (ev) => {
  const start = ev.target instanceof Element ? ev.target : null;
  const el = start && start.closest('[data-cite],[data-href],[data-action]');
  if (!el) return;
  ev.preventDefault();
  if (el.dataset.cite !== undefined) {
    vscode.postMessage({ type: 'openCitation', index: Number(el.dataset.cite) });
  } else if (el.dataset.href !== undefined) {
    const line = el.dataset.line === undefined ? undefined : Number(el.dataset.line);
    vscode.postMessage({ type: 'openLink', uri: el.dataset.href, line });
  } else {
    vscode.postMessage({ type: el.dataset.action });
  }
});
document.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const box = document.getElementById('followup');
  const question = box ? box.value.trim() : '';
  if (question !== '') {
    vscode.postMessage({ type: 'followUp', question });
    box.value = '';
  }
});
window.addEventListener('message', (ev) => {
  const m = ev.data;
  if (m && m.type === 'render' && typeof m.html === 'string') {
    // A re-render (moved citations, say) must not eat a follow-up being typed.
    const box = document.getElementById('followup');
    const typed = box ? box.value : '';
    const focused = box !== null && document.activeElement === box;
    document.getElementById('root').innerHTML = m.html;
    const next = document.getElementById('followup');
    if (next && typed) next.value = typed;
    if (next && focused) next.focus();
  }
});
vscode.postMessage({ type: 'ready' });
`;

export function renderPage(view: AnswerView, opts: PageOptions): string {
  const nonce = escapeHtml(opts.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(opts.nonce, opts.cspSource))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Potpie</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<div id="root">${renderBody(view, opts.roots)}</div>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

/** Messages the webview sends to the extension. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'openCitation'; index: number }
  | { type: 'openLink'; uri: string; line?: number }
  | { type: 'showCitations' }
  | { type: 'cancel' }
  | { type: 'followUp'; question: string }
  | { type: 'newQuestion' }
  | { type: 'openTranscript' };

/** Longest follow-up the panel passes on (the server cuts long prompts anyway). */
const MAX_QUESTION = 10_000;

export function parseWebviewMessage(m: unknown): WebviewMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const v = m as Record<string, unknown>;
  switch (v.type) {
    case 'ready':
    case 'showCitations':
    case 'cancel':
    case 'newQuestion':
    case 'openTranscript':
      return { type: v.type };
    case 'followUp':
      if (typeof v.question !== 'string') return undefined;
      return v.question.trim() === '' || v.question.length > MAX_QUESTION
        ? undefined
        : { type: 'followUp', question: v.question.trim() };
    case 'openCitation':
      return typeof v.index === 'number' && Number.isInteger(v.index) && v.index >= 0
        ? { type: 'openCitation', index: v.index }
        : undefined;
    case 'openLink':
      if (typeof v.uri !== 'string' || !v.uri.startsWith('file:')) return undefined;
      return typeof v.line === 'number' && Number.isInteger(v.line) && v.line >= 0
        ? { type: 'openLink', uri: v.uri, line: v.line }
        : { type: 'openLink', uri: v.uri };
    default:
      return undefined;
  }
}

#!/usr/bin/env node
// A stand-in for potpie-lsp that speaks the same contract (shared/lsp-interface.md) with a
// canned, deterministic answer: for working on the extension and its e2e test without the Rust
// server, or when the local engine is not in the build yet.
//   POTPIE_LSP_BIN=editors/code/test/e2e/mock-potpie-lsp.mjs bash editors/code/scripts/e2e.sh
// It answers every question by citing the first `def`/`function` whose name contains a word of
// the question ("cart total" -> compute_cart_total), streaming the Markdown in chunks.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let root = process.cwd();
let buf = Buffer.alloc(0);
let answers = 0;
let settings = {};
// As the real server decides: Potpie when asked for, or in auto mode when a key is known.
const backend = () =>
  settings.backend === 'potpie' || ((settings.backend ?? 'auto') === 'auto' && (settings.apiKey || process.env.POTPIE_API_KEY))
    ? 'potpie'
    : 'local';
const status = (state) => ({ backend: backend(), state, repoName: 'mock' });

function send(msg) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}
const notify = (method, params) => send({ method, params });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(py|js|ts|rs)$/.test(e.name)) out.push(p);
  }
  return out;
}

function find(question) {
  const words = question.toLowerCase().match(/[a-z]{3,}/g) ?? [];
  let best;
  for (const file of walk(root)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((l, i) => {
      const m = /(?:def|function|fn)\s+([A-Za-z_]\w*)/.exec(l);
      if (!m) return;
      const score = words.filter((w) => m[1].toLowerCase().includes(w)).length;
      if (score > 0 && (!best || score > best.score)) {
        let end = i;
        while (end + 1 < lines.length && (lines[end + 1].startsWith(' ') || lines[end + 1] === '')) end++;
        while (end > i && lines[end].trim() === '') end--;
        best = { score, file, name: m[1], start: i, end, endLength: lines[end].length };
      }
    });
  }
  return best;
}

async function ask(id, arg) {
  const answerId = `mock-${++answers}`;
  const hit = find(String(arg.question ?? 'explain'));
  const rel = hit ? path.relative(root, hit.file).split(path.sep).join('/') : undefined;
  const md = hit
    ? `\`${hit.name}\` in [${rel}](${rel}#L${hit.start + 1}) does this.\n\n- ${rel}:${hit.start + 1}-${hit.end + 1} — function \`${hit.name}\`\n`
    : 'Nothing in this workspace matches the question.\n';
  notify('potpie/status', status('ready'));
  const pieces = md.match(/[\s\S]{1,16}/g) ?? [];
  for (const delta of pieces) {
    notify('potpie/answerChunk', { answerId, delta });
    // slow enough for the e2e test to see the panel fill in, or to cancel it
    await sleep(/cancel/i.test(String(arg.question)) ? 1500 : 200);
  }
  const citations = hit
    ? [{ uri: pathToFileURL(hit.file).href, range: { start: { line: hit.start, character: 0 }, end: { line: hit.end, character: hit.endLength } } }]
    : [];
  send({ id, result: { answerId, backend: backend(), agent: arg.agent ?? 'codebase_qna_agent', markdown: md, citations, answerUri: null } });
}

function handle(msg) {
  const { id, method, params } = msg;
  if (method === 'initialize') {
    const uri = params?.workspaceFolders?.[0]?.uri ?? params?.rootUri;
    if (uri) root = fileURLToPath(uri);
    settings = params?.initializationOptions ?? {};
    send({
      id,
      result: {
        capabilities: { executeCommandProvider: { commands: ['potpie.ask', 'potpie.explain', 'potpie.reparse', 'potpie.status', 'potpie.clearHints'] } },
        serverInfo: { name: 'mock-potpie-lsp', version: '0' },
      },
    });
  } else if (method === 'initialized') {
    notify('potpie/status', status('parsing'));
    setTimeout(() => notify('potpie/status', status('ready')), 200);
  } else if (method === 'workspace/didChangeConfiguration') {
    settings = params?.settings?.potpie ?? {};
    notify('potpie/status', status('parsing'));
    setTimeout(() => notify('potpie/status', status('ready')), 200);
  } else if (method === 'workspace/executeCommand') {
    const arg = params.arguments?.[0] ?? {};
    if (params.command === 'potpie.ask') void ask(id, arg);
    else if (params.command === 'potpie.explain') {
      // Explain: ask about the first function named in the selected lines.
      let question = 'explain';
      try {
        const lines = fs.readFileSync(fileURLToPath(arg.uri), 'utf8').split('\n');
        const picked = lines.slice(arg.range.start.line, arg.range.end.line + 1).join('\n');
        const m = /(?:def|function|fn)\s+([A-Za-z_]\w*)/.exec(picked);
        if (m) question = m[1].split('_').join(' ');
      } catch {
        // keep the generic question
      }
      void ask(id, { ...arg, question });
    }
    else if (params.command === 'potpie.status' || params.command === 'potpie.reparse') send({ id, result: status('ready') });
    else send({ id, result: null });
  } else if (method === 'shutdown') {
    send({ id, result: null });
  } else if (method === 'exit') {
    process.exit(0);
  } else if (id !== undefined && method) {
    send({ id, error: { code: -32601, message: `unhandled ${method}` } });
  }
}

process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const sep = buf.indexOf('\r\n\r\n');
    if (sep < 0) return;
    const m = /Content-Length: (\d+)/i.exec(buf.subarray(0, sep).toString());
    const len = m ? Number(m[1]) : 0;
    if (buf.length < sep + 4 + len) return;
    const body = buf.subarray(sep + 4, sep + 4 + len).toString('utf8');
    buf = buf.subarray(sep + 4 + len);
    handle(JSON.parse(body));
  }
});
process.stdin.on('end', () => process.exit(0));

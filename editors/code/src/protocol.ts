// Wire shapes of the potpie-lsp contract (docs/lsp-extensions.md). Kept free of any
// `vscode` import so that the pure modules (and their unit tests) can use them.

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

/** An LSP `Location`: how the server reports a citation. */
export interface LspLocation {
  uri: string;
  range: LspRange;
}

export type Backend = 'potpie' | 'local';

export interface Answer {
  answerId: string;
  backend: Backend | string;
  agent: string;
  markdown: string;
  citations: LspLocation[];
  answerUri?: string | null;
  /** The thread this answer belongs to (a follow-up names it in `threadId`). */
  threadId?: string;
  /** The thread's Markdown transcript: every question and answer so far. */
  transcriptUri?: string | null;
}

/** A citation as `potpie/citations` reports it after its code changed. */
export interface LiveCitation extends LspLocation {
  /** The cited code is gone; the range is where it was. */
  stale?: boolean;
}

/** `potpie/citations`: the last answer's citations where their code is now. */
export interface CitationsMoved {
  answerId: string;
  threadId?: string;
  citations: LiveCitation[];
}

/** One entry of `potpie.threads` (most recent first). */
export interface ThreadInfo {
  threadId: string;
  title: string;
  agent?: string;
  backend?: string;
  /** RFC 3339. */
  updatedAt?: string;
  answers?: number;
  transcriptUri?: string | null;
}

export type StatusState = 'unbound' | 'parsing' | 'inferring' | 'ready' | 'error';

export interface Status {
  backend?: string;
  state: StatusState | string;
  projectId?: string;
  repoName?: string;
  branchName?: string;
  message?: string;
}

export interface AnswerChunk {
  answerId: string;
  delta: string;
}

/** Server commands (`workspace/executeCommand`). The client library registers these ids as
 * VS Code commands itself, so the extension's own UI commands use `potpie-vscode.*`. */
export const ServerCommand = {
  ask: 'potpie.ask',
  explain: 'potpie.explain',
  reparse: 'potpie.reparse',
  status: 'potpie.status',
  clearHints: 'potpie.clearHints',
  threads: 'potpie.threads',
} as const;

export const Notification = {
  status: 'potpie/status',
  answerChunk: 'potpie/answerChunk',
  citations: 'potpie/citations',
} as const;

export interface AskArgs {
  question: string;
  agent?: string;
  uri?: string;
  range?: LspRange;
  /** Continue this thread (`"last"`: the folder's most recent); without it, a new thread. */
  threadId?: string;
}

export interface ExplainArgs {
  uri: string;
  range: LspRange;
  agent?: string;
  threadId?: string;
}

export function isAnswer(value: unknown): value is Answer {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return typeof v.markdown === 'string' && Array.isArray(v.citations);
}

export function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && typeof (value as Status).state === 'string';
}

export function isAnswerChunk(value: unknown): value is AnswerChunk {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return typeof v.answerId === 'string' && typeof v.delta === 'string';
}

export function isLspLocation(v: unknown): v is LspLocation {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as { uri?: unknown; range?: { start?: { line?: unknown }; end?: { line?: unknown } } };
  return (
    typeof l.uri === 'string' &&
    typeof l.range?.start?.line === 'number' &&
    typeof l.range?.end?.line === 'number'
  );
}

/** Valid `potpie/citations` params; malformed citations are dropped. */
export function parseCitationsMoved(value: unknown): CitationsMoved | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.answerId !== 'string' || !Array.isArray(v.citations)) return undefined;
  const citations: LiveCitation[] = [];
  for (const c of v.citations) {
    if (!isLspLocation(c)) continue;
    citations.push({ uri: c.uri, range: c.range, stale: (c as { stale?: unknown }).stale === true });
  }
  return {
    answerId: v.answerId,
    threadId: typeof v.threadId === 'string' ? v.threadId : undefined,
    citations,
  };
}

/** The valid entries of a `potpie.threads` result. */
export function parseThreads(value: unknown): ThreadInfo[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (t): t is ThreadInfo =>
      typeof t === 'object' && t !== null && typeof (t as ThreadInfo).threadId === 'string' && typeof (t as ThreadInfo).title === 'string',
  );
}

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
} as const;

export const Notification = {
  status: 'potpie/status',
  answerChunk: 'potpie/answerChunk',
} as const;

export interface AskArgs {
  question: string;
  agent?: string;
  uri?: string;
  range?: LspRange;
}

export interface ExplainArgs {
  uri: string;
  range: LspRange;
  agent?: string;
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

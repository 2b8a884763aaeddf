// Builds `workspace/executeCommand` parameters for the server's question commands. Pure.
import { AskArgs, ExplainArgs, LspRange, ServerCommand } from './protocol';

/** The editor state a question may carry: the document and its selection, already in LSP
 * (0-based) coordinates. */
export interface EditorContext {
  uri: string;
  range: LspRange;
  /** The selected text, for titles. */
  text?: string;
}

export interface ExecuteCommandParams {
  command: string;
  arguments: unknown[];
}

export function isEmptyRange(r: LspRange): boolean {
  return r.start.line === r.end.line && r.start.character === r.end.character;
}

/** `threadId`: continue that thread (a follow-up); without it the server starts a new one. */
export function askParams(question: string, agent?: string, ctx?: EditorContext, threadId?: string): ExecuteCommandParams {
  const q = question.trim();
  if (q === '') {
    throw new Error('The question is empty.');
  }
  const arg: AskArgs = { question: q };
  if (agent && agent.trim() !== '') {
    arg.agent = agent.trim();
  }
  if (ctx && !isEmptyRange(ctx.range)) {
    arg.uri = ctx.uri;
    arg.range = ctx.range;
  }
  if (threadId && threadId.trim() !== '') {
    arg.threadId = threadId.trim();
  }
  return { command: ServerCommand.ask, arguments: [arg] };
}

/**
 * A follow-up in `threadId`. `folderUri` (any URI inside the thread's workspace folder) goes
 * along as `uri`, which only picks the folder: the server looks threads up per folder, and
 * without it takes the first one, which in a multi-root workspace may not hold the thread.
 */
export function followUpParams(question: string, threadId: string, folderUri?: string): ExecuteCommandParams {
  const params = askParams(question, undefined, undefined, threadId);
  if (folderUri) (params.arguments[0] as AskArgs).uri = folderUri;
  return params;
}

export function explainParams(ctx: EditorContext, agent?: string): ExecuteCommandParams {
  if (isEmptyRange(ctx.range)) {
    throw new Error('Select the code to explain first.');
  }
  const arg: ExplainArgs = { uri: ctx.uri, range: ctx.range };
  if (agent && agent.trim() !== '') {
    arg.agent = agent.trim();
  }
  return { command: ServerCommand.explain, arguments: [arg] };
}

/** A one-line title for the answer panel. */
export function questionTitle(params: ExecuteCommandParams): string {
  const arg = (params.arguments[0] ?? {}) as Partial<AskArgs & ExplainArgs>;
  if (params.command === ServerCommand.ask && typeof arg.question === 'string') {
    return arg.question;
  }
  if (params.command === ServerCommand.explain && typeof arg.uri === 'string' && arg.range) {
    const file = decodeURIComponent(arg.uri.replace(/^.*\//, ''));
    const from = arg.range.start.line + 1;
    const to = arg.range.end.character === 0 && arg.range.end.line > arg.range.start.line
      ? arg.range.end.line
      : arg.range.end.line + 1;
    const agent = arg.agent ? ` (${arg.agent})` : '';
    return `Explain ${file}:${from}${to !== from ? `-${to}` : ''}${agent}`;
  }
  return params.command;
}

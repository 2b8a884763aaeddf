// Ties `potpie/answerChunk` notifications to the question that is waiting for them. Pure.
//
// The server names an answer (answerId) only in its chunks and in the final result, so the
// first chunk with an unknown id while a question is pending is taken to belong to it; chunks
// of other answers (for example a second client, or a question already cancelled) are dropped.
import { Answer, AnswerChunk, CitationsMoved, isLspLocation } from './protocol';
import { AnswerView } from './render';

export class AnswerSession {
  readonly view: AnswerView;
  answerId?: string;
  private finished = false;

  /** `threadId`: the thread this question continues (a follow-up), if any. */
  constructor(title: string, agent?: string, threadId?: string) {
    this.view = { title, phase: 'waiting', markdown: '', citations: [], agent, threadId };
  }

  get done(): boolean {
    return this.finished;
  }

  /** Applies a chunk; returns whether it belonged to this session. */
  chunk(c: AnswerChunk): boolean {
    if (this.finished) return false;
    if (this.answerId === undefined) {
      this.answerId = c.answerId;
    } else if (this.answerId !== c.answerId) {
      return false;
    }
    this.view.markdown += c.delta;
    this.view.phase = 'streaming';
    return true;
  }

  /** The final result is authoritative: it replaces whatever was streamed. */
  complete(a: Answer): void {
    this.finished = true;
    this.answerId = a.answerId;
    this.view.markdown = a.markdown;
    this.view.citations = a.citations.filter(isLspLocation);
    this.view.backend = a.backend;
    this.view.agent = a.agent || this.view.agent;
    this.view.answerId = a.answerId;
    if (typeof a.threadId === 'string' && a.threadId !== '') this.view.threadId = a.threadId;
    this.view.transcriptUri = typeof a.transcriptUri === 'string' ? a.transcriptUri : undefined;
    this.view.folderUri ??= this.view.citations[0]?.uri;
    this.view.phase = 'done';
    this.view.error = undefined;
  }

  fail(message: string): void {
    this.finished = true;
    this.view.phase = 'error';
    this.view.error = message;
  }

  cancel(): void {
    this.finished = true;
    this.view.phase = 'cancelled';
  }
}

/** Applies `potpie/citations` to the answer it is about; returns whether `view` changed. */
export function applyCitationsMoved(view: AnswerView | undefined, moved: CitationsMoved): boolean {
  if (!view || view.phase !== 'done' || view.answerId !== moved.answerId) return false;
  view.citations = moved.citations;
  return true;
}

/** Routes chunks to sessions: the pending one, or one that already claimed the id. */
export class ChunkRouter {
  private sessions: AnswerSession[] = [];
  /** Ids of finished answers: their late chunks (e.g. after a cancel) must not be taken
   * by the next question. Bounded; only recent ones can still be in flight. */
  private retired: string[] = [];

  add(s: AnswerSession): void {
    for (const x of this.sessions) {
      if (x.done && x.answerId !== undefined) this.retired.push(x.answerId);
    }
    this.retired = this.retired.slice(-32);
    this.sessions = this.sessions.filter((x) => !x.done);
    this.sessions.push(s);
  }

  route(c: AnswerChunk): AnswerSession | undefined {
    if (this.retired.includes(c.answerId)) return undefined;
    const owner = this.sessions.find((s) => s.answerId === c.answerId);
    if (owner) {
      return owner.chunk(c) ? owner : undefined;
    }
    const pending = this.sessions.find((s) => !s.done && s.answerId === undefined);
    if (pending && pending.chunk(c)) {
      return pending;
    }
    return undefined;
  }
}

/** A JSON-RPC error (or anything thrown) as one line for the user. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    return (e as { message: string }).message;
  }
  return String(e);
}

/** JSON-RPC RequestCancelled (-32800) or the client's own cancellation. */
export function isCancellation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const v = e as { code?: unknown; name?: unknown; message?: unknown };
  return v.code === -32800 || v.name === 'Canceled' || v.message === 'Canceled' || v.message === 'Request cancelled';
}

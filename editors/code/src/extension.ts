// Entry point: starts potpie-lsp with vscode-languageclient, and adds the UI the server cannot
// provide by itself (question input, the answer panel, the status bar, the API key in
// SecretStorage).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { AnswerPanel, openTranscript, showCitations } from './answerPanel';
import { AnswerSession, ChunkRouter, errorMessage, isCancellation } from './answers';
import { askParams, EditorContext, ExecuteCommandParams, explainParams, followUpParams, questionTitle } from './args';
import {
  Answer,
  isAnswer,
  isAnswerChunk,
  isStatus,
  LspLocation,
  Notification,
  parseCitationsMoved,
  parseThreads,
  ServerCommand,
  Status,
  ThreadInfo,
} from './protocol';
import { bundledServerName, describeServer, resolveServerPath } from './serverPath';
import { buildServerSettings, redactSettings, serverEnvironment, userBaseUrl } from './settings';
import { describeStatus, serverMissingView, statusView, StatusView } from './status';

const SECRET_API_KEY = 'potpie.apiKey';
const SECTION = 'potpie';

class Controller implements vscode.Disposable {
  private client?: LanguageClient;
  private starting?: Promise<void>;
  private status?: Status;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly panel: AnswerPanel;
  private readonly router = new ChunkRouter();
  private current?: { session: AnswerSession; cts: vscode.CancellationTokenSource };
  private lastCitations: LspLocation[] = [];
  /** The answer whose citations the hints show (the server tracks only the last one). */
  private lastAnswerId?: string;
  /** Which binary runs, for the status bar (set once it is found). */
  private serverLine = '';
  /** For the log line that says how long the first start took. */
  private readonly activatedAt = Date.now();
  private readyLogged = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('potpie.status', vscode.StatusBarAlignment.Left, 0);
    this.statusItem.name = 'Potpie';
    this.panel = new AnswerPanel(log, {
      cancel: () => this.cancel(),
      followUp: (threadId, question, folderUri) => this.runQuestion(followUpParams(question, threadId, folderUri)),
      newQuestion: () => this.ask(false),
    });
    this.renderStatus(statusView(undefined));
    this.statusItem.show();
  }

  // ---- server lifecycle -------------------------------------------------------------------

  start(): Promise<void> {
    if (!this.starting) {
      this.starting = this.doStart().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.dispose(5000);
      } catch (e) {
        this.log.warn(`stopping potpie-lsp: ${errorMessage(e)}`);
      }
    }
  }

  /** Protocol tracing logs every message, so the key must not travel inside one then. */
  private tracing(): boolean {
    const t = vscode.workspace.getConfiguration(SECTION).get<unknown>('trace.server');
    if (typeof t === 'string') return t !== 'off';
    if (typeof t === 'object' && t !== null) return (t as { verbosity?: string }).verbosity !== 'off';
    return false;
  }

  private async doStart(): Promise<void> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const resolved = resolveServerPath({
      configured: cfg.get<string>('serverPath'),
      envPath: process.env.PATH,
      platform: process.platform,
      home: os.homedir(),
      bundled: path.join(this.context.extensionPath, 'server', bundledServerName(process.platform)),
      isExecutable: isExecutableFile,
    });
    if (!resolved.ok) {
      this.log.error(resolved.message);
      this.renderStatus(serverMissingView(resolved.message));
      void this.offerSetup(resolved.message);
      return;
    }
    this.serverLine = describeServer(resolved.path, resolved.source);
    const trusted = vscode.workspace.isTrusted;
    const apiKey = trusted ? await this.context.secrets.get(SECRET_API_KEY) : undefined;
    const tracing = this.tracing();
    const initializationOptions = buildServerSettings(cfg, tracing ? undefined : apiKey, trusted);
    const env = serverEnvironment(process.env, {
      trusted,
      tracing,
      apiKey,
      userBaseUrl: userBaseUrl(cfg.inspect<string>('baseUrl')),
    });
    if (!trusted) {
      this.log.info('Restricted Mode: the local engine only, without the API key or any origin from settings');
    } else if (tracing && apiKey) {
      this.log.warn('potpie.trace.server is on: the API key goes to the server in its environment instead');
    }
    this.log.info(`starting ${this.serverLine} with ${JSON.stringify(redactSettings(initializationOptions))}`);
    // No `transport`: TransportKind.stdio would append `--stdio`, which the CLI does not take;
    // without it the client still talks over stdin/stdout.
    const run = { command: resolved.path, args: [] as string[], options: { env } };
    const serverOptions: ServerOptions = { run, debug: run };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions,
      middleware: {
        // Code actions run the server's own potpie.ask/potpie.explain through the commands the
        // client library registers; route them through the panel too, so their answers show.
        executeCommand: async (command, args, next) => {
          if (command === ServerCommand.ask || command === ServerCommand.explain) {
            return this.runQuestion({ command, arguments: args });
          }
          return next(command, args);
        },
        workspace: {
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) return result;
            if (!vscode.workspace.isTrusted) {
              const safe = buildServerSettings(vscode.workspace.getConfiguration(SECTION), undefined, false);
              return result.map((value, i) => (params.items[i]?.section === SECTION ? safe : value));
            }
            if (this.tracing()) return result;
            const key = await this.context.secrets.get(SECRET_API_KEY);
            if (!key) return result;
            return result.map((value, i) =>
              params.items[i]?.section === SECTION && typeof value === 'object' && value !== null
                ? { ...(value as object), apiKey: key }
                : value,
            );
          },
        },
      },
    };
    const client = new LanguageClient('potpie', 'Potpie', serverOptions, clientOptions);
    client.onNotification(Notification.status, (s: unknown) => {
      if (isStatus(s)) this.setStatus(s);
    });
    client.onNotification(Notification.answerChunk, (c: unknown) => {
      if (!isAnswerChunk(c)) return;
      const session = this.router.route(c);
      if (session && session === this.current?.session) this.panel.update();
    });
    client.onNotification(Notification.citations, (p: unknown) => {
      const moved = parseCitationsMoved(p);
      if (!moved) return;
      if (moved.answerId === this.lastAnswerId) this.lastCitations = moved.citations;
      if (this.panel.citationsMoved(moved)) {
        const stale = moved.citations.filter((c) => c.stale).length;
        this.log.info(`citations of ${moved.answerId} moved${stale ? ` (${stale} stale)` : ''}`);
      }
    });
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped && this.client === client) {
        this.setStatus({ state: 'error', message: 'potpie-lsp stopped; see the log (Potpie: Show Log)' });
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (e) {
      const msg = `potpie-lsp failed to start: ${errorMessage(e)}`;
      this.log.error(msg);
      this.setStatus({ state: 'error', message: msg });
      void vscode.window.showErrorMessage(`Potpie: ${msg}`, 'Show Log').then((pick) => {
        if (pick) this.log.show();
      });
      return;
    }
    if (!this.status) {
      void this.request<unknown>(ServerCommand.status, []).then(
        (s) => isStatus(s) && !this.status && this.setStatus(s),
        (e) => this.log.warn(`potpie.status: ${errorMessage(e)}`),
      );
    }
  }

  private async offerSetup(message: string): Promise<void> {
    const pick = await vscode.window.showErrorMessage(`Potpie: ${message}`, 'Open README', 'Open Settings');
    if (pick === 'Open README') {
      // vsce stores the README as readme.md; a development checkout has README.md.
      for (const name of ['readme.md', 'README.md']) {
        const uri = vscode.Uri.joinPath(this.context.extensionUri, name);
        try {
          await vscode.workspace.fs.stat(uri);
        } catch {
          continue;
        }
        await vscode.commands.executeCommand('markdown.showPreview', uri);
        return;
      }
    } else if (pick === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'potpie.serverPath');
    }
  }

  private async readyClient(): Promise<LanguageClient> {
    if (this.starting) await this.starting;
    if (!this.client) await this.start();
    const client = this.client;
    if (!client || !client.isRunning()) {
      throw new Error('the potpie-lsp server is not running; see Potpie: Show Log');
    }
    return client;
  }

  private async request<T>(command: string, args: unknown[], token?: vscode.CancellationToken): Promise<T> {
    const client = await this.readyClient();
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token)) as T;
  }

  // ---- settings and the API key -----------------------------------------------------------

  async onConfigurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!e.affectsConfiguration(SECTION)) return;
    // baseUrl: the user's own value travels in the server's environment (see userBaseUrl).
    if (
      e.affectsConfiguration(`${SECTION}.serverPath`) ||
      e.affectsConfiguration(`${SECTION}.trace`) ||
      e.affectsConfiguration(`${SECTION}.baseUrl`)
    ) {
      await this.restart();
      return;
    }
    await this.pushSettings();
  }

  async onApiKeyChanged(): Promise<void> {
    const key = await this.context.secrets.get(SECRET_API_KEY);
    // Removing a key must leave the server without one, which only a fresh start guarantees.
    if (!key || this.tracing()) {
      await this.restart();
    } else {
      await this.pushSettings();
    }
  }

  private async pushSettings(): Promise<void> {
    const client = this.client;
    if (!client || !client.isRunning()) {
      await this.start();
      return;
    }
    if (this.tracing()) {
      await this.restart();
      return;
    }
    const trusted = vscode.workspace.isTrusted;
    const key = trusted ? await this.context.secrets.get(SECRET_API_KEY) : undefined;
    const settings = buildServerSettings(vscode.workspace.getConfiguration(SECTION), key, trusted);
    this.log.info(`settings changed: ${JSON.stringify(redactSettings(settings))}`);
    await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: settings } });
  }

  async setApiKey(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: 'Potpie API key',
      prompt: "Stored in VS Code's secret storage, never in settings. Leave empty to remove the key.",
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) return;
    if (value.trim() === '') {
      await this.context.secrets.delete(SECRET_API_KEY);
      void vscode.window.showInformationMessage('Potpie: API key removed.');
    } else {
      await this.context.secrets.store(SECRET_API_KEY, value.trim());
      void vscode.window.showInformationMessage('Potpie: API key saved.');
    }
    // secrets.onDidChange calls onApiKeyChanged
  }

  // ---- status -----------------------------------------------------------------------------

  private setStatus(s: Status): void {
    if (s.state === 'ready' && !this.readyLogged) {
      this.readyLogged = true;
      this.log.info(`ready ${Date.now() - this.activatedAt} ms after activation (${this.serverLine})`);
    }
    this.status = s;
    this.renderStatus(statusView(s));
  }

  private renderStatus(v: StatusView): void {
    const notes = [this.serverLine];
    if (!vscode.workspace.isTrusted) {
      notes.push('Restricted Mode: the local engine only (no key, no network); trust the folder to use Potpie');
    }
    this.statusItem.text = v.text;
    this.statusItem.tooltip = [v.tooltip, ...notes.filter((n) => n !== '')].join('\n');
    this.statusItem.command = v.command;
    this.statusItem.backgroundColor = v.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  async showStatus(): Promise<void> {
    let s = this.status;
    try {
      const fresh = await this.request<unknown>(ServerCommand.status, []);
      if (isStatus(fresh)) {
        s = fresh;
        this.setStatus(fresh);
      }
    } catch (e) {
      this.log.warn(`potpie.status: ${errorMessage(e)}`);
    }
    const head = s ? `Potpie — ${describeStatus(s)}` : 'Potpie: the server has not reported a status yet.';
    const notes = [this.serverLine];
    if (!vscode.workspace.isTrusted) notes.push('Restricted Mode: local engine only, no key, no network');
    const text = [head, ...notes.filter((n) => n !== '')].join(' · ');
    const pick = await vscode.window.showInformationMessage(text, 'Show Log');
    if (pick) this.log.show();
  }

  async reparse(): Promise<void> {
    const s = await this.request<unknown>(ServerCommand.reparse, []);
    if (isStatus(s)) this.setStatus(s);
  }

  async clearHints(): Promise<void> {
    await this.request<unknown>(ServerCommand.clearHints, []);
  }

  // ---- questions --------------------------------------------------------------------------

  /** Sends a question, shows it in the panel as it streams, and returns the answer. */
  async runQuestion(params: ExecuteCommandParams): Promise<Answer | undefined> {
    const arg = (params.arguments[0] ?? {}) as { agent?: string; threadId?: string; uri?: string };
    const thread = arg.threadId && arg.threadId !== 'last' ? arg.threadId : undefined;
    const session = new AnswerSession(questionTitle(params), arg.agent, thread);
    session.view.folderUri = arg.uri;
    // One question at a time: the panel shows the newest, so the previous one is stopped.
    this.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.current = { session, cts };
    this.router.add(session);
    this.panel.show(session.view);
    const cancelled = new Promise<'cancelled'>((resolve) => cts.token.onCancellationRequested(() => resolve('cancelled')));
    try {
      const client = await this.readyClient();
      const result = await Promise.race([client.sendRequest(ExecuteCommandRequest.type, params, cts.token), cancelled]);
      if (result === 'cancelled') {
        session.cancel();
        return undefined;
      }
      if (!isAnswer(result)) {
        throw new Error('the server sent no answer');
      }
      session.complete(result);
      this.lastCitations = result.citations;
      this.lastAnswerId = result.answerId;
      return result;
    } catch (e) {
      if (cts.token.isCancellationRequested || isCancellation(e)) {
        session.cancel();
      } else {
        const msg = errorMessage(e);
        this.log.error(`${params.command}: ${msg}`);
        session.fail(msg);
      }
      return undefined;
    } finally {
      if (this.current?.session === session) {
        this.current = undefined;
        this.panel.flush();
      }
      cts.dispose();
    }
  }

  cancel(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    cur.session.cancel();
    cur.cts.cancel();
    this.panel.flush();
  }

  async ask(withSelection: boolean): Promise<void> {
    let ctx: EditorContext | undefined;
    if (withSelection) {
      ctx = editorContext();
      if (!ctx) {
        void vscode.window.showWarningMessage('Potpie: select some code first.');
        return;
      }
    }
    const question = await vscode.window.showInputBox({
      title: withSelection ? 'Ask Potpie about the selection' : 'Ask Potpie',
      prompt: 'Ask a question about this workspace',
      placeHolder: 'How does … work?',
      ignoreFocusOut: true,
    });
    if (!question || question.trim() === '') return;
    await this.runQuestion(askParams(question, undefined, ctx));
  }

  async explain(): Promise<void> {
    const ctx = editorContext();
    if (!ctx) {
      void vscode.window.showWarningMessage('Potpie: select the code to explain first.');
      return;
    }
    await this.runQuestion(explainParams(ctx));
  }

  async showCitations(): Promise<void> {
    const cs = this.panel.current?.citations.length ? this.panel.current.citations : this.lastCitations;
    await showCitations(cs, this.panel.editorColumn());
  }

  /** "Potpie: Threads": the workspace's threads, most recent first; the chosen one's
   * transcript opens, and the panel's follow-up box continues it. */
  async showThreads(): Promise<void> {
    // The server keeps threads per workspace folder: ask each folder (one request without any).
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
    const threads: (ThreadInfo & { folderUri?: string })[] = [];
    for (const folderUri of folders.length > 0 ? folders : [undefined]) {
      const args = folderUri ? [{ uri: folderUri }] : [];
      for (const t of parseThreads(await this.request<unknown>(ServerCommand.threads, args))) {
        if (!threads.some((x) => x.threadId === t.threadId)) threads.push({ ...t, folderUri });
      }
    }
    threads.sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
    if (threads.length === 0) {
      void vscode.window.showInformationMessage('Potpie: no threads yet; ask a question first.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      threads.map((t) => ({ label: t.title, description: threadDescription(t), detail: t.updatedAt ? `updated ${t.updatedAt}` : undefined, thread: t })),
      { title: 'Potpie threads', placeHolder: 'Open a thread (most recent first)', matchOnDescription: true },
    );
    if (!pick) return;
    const t = pick.thread;
    this.cancel();
    this.panel.show({
      title: t.title,
      phase: 'done',
      markdown: `_A thread of ${plural(t.answers ?? 0, 'answer')}; its transcript is open beside this panel. Ask a follow-up below._`,
      citations: [],
      agent: t.agent,
      backend: t.backend,
      threadId: t.threadId,
      transcriptUri: t.transcriptUri ?? undefined,
      folderUri: t.folderUri,
    });
    if (t.transcriptUri) await openTranscript(t.transcriptUri, this.panel.editorColumn());
  }

  showLog(): void {
    this.log.show();
  }

  async dispose(): Promise<void> {
    this.cancel();
    this.panel.dispose();
    this.statusItem.dispose();
    await this.stop();
  }
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function threadDescription(t: ThreadInfo): string {
  return [plural(t.answers ?? 0, 'answer'), t.agent, t.backend].filter((x) => x).join(' · ');
}

function isExecutableFile(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function editorContext(): EditorContext | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  const s = editor.selection;
  return {
    uri: editor.document.uri.toString(),
    range: {
      start: { line: s.start.line, character: s.start.character },
      end: { line: s.end.line, character: s.end.character },
    },
    text: editor.document.getText(s),
  };
}

let controller: Controller | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Potpie', { log: true });
  context.subscriptions.push(log);
  const c = new Controller(context, log);
  controller = c;
  const guard =
    (f: () => Promise<void> | void) =>
    async (): Promise<void> => {
      try {
        await f();
      } catch (e) {
        const msg = errorMessage(e);
        log.error(msg);
        void vscode.window.showErrorMessage(`Potpie: ${msg}`);
      }
    };
  const reg = (id: string, f: () => Promise<void> | void) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, guard(f)));
  reg('potpie-vscode.ask', () => c.ask(false));
  reg('potpie-vscode.askSelection', () => c.ask(true));
  reg('potpie-vscode.explainSelection', () => c.explain());
  reg('potpie-vscode.reparse', () => c.reparse());
  reg('potpie-vscode.showStatus', () => c.showStatus());
  reg('potpie-vscode.clearHints', () => c.clearHints());
  reg('potpie-vscode.setApiKey', () => c.setApiKey());
  reg('potpie-vscode.cancel', () => c.cancel());
  reg('potpie-vscode.showCitations', () => c.showCitations());
  reg('potpie-vscode.showThreads', () => c.showThreads());
  reg('potpie-vscode.showLog', () => c.showLog());
  reg('potpie-vscode.restart', () => c.restart());
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => guard(() => c.onConfigurationChanged(e))()),
    // Trust brings the key, the origin and the LLM endpoint back; only a fresh server gets the
    // environment that goes with them.
    vscode.workspace.onDidGrantWorkspaceTrust(() => guard(() => c.restart())()),
    context.secrets.onDidChange((e) => {
      if (e.key === SECRET_API_KEY) void guard(() => c.onApiKeyChanged())();
    }),
  );
  await c.start();
}

export async function deactivate(): Promise<void> {
  const c = controller;
  controller = undefined;
  if (c) await c.dispose();
}

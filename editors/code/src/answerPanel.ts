// The answer side panel: one webview, reused for each question, that fills in while chunks
// arrive. Clicks come back as messages and are acted on here, after checking that the target
// is a file inside the workspace.
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { selectionFor, showReferencesArgs } from './citations';
import { applyCitationsMoved } from './answers';
import { CitationsMoved, LspLocation } from './protocol';
import { AnswerView, parseWebviewMessage, renderBody, renderPage } from './render';

export const VIEW_TYPE = 'potpie.answer';

/** What the panel's buttons ask the extension to do. */
export interface PanelActions {
  cancel(): void;
  /** Ask `question` as a follow-up in `threadId` (of the folder `folderUri` is in). */
  followUp(threadId: string, question: string, folderUri?: string): Promise<unknown>;
  /** Ask a question in a new thread (prompts for it). */
  newQuestion(): Promise<unknown>;
}

export class AnswerPanel implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  /** The panel's group when last seen: `viewColumn` reads undefined while the panel is
   * between states, and cited files must still open in the other group, not over it. */
  private panelColumn?: vscode.ViewColumn;
  private view?: AnswerView;
  private pendingRender?: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly actions: PanelActions,
  ) {}

  get current(): AnswerView | undefined {
    return this.view;
  }

  /** Shows `view` (a new question) in the panel, opening it beside the editor if needed. */
  show(view: AnswerView): void {
    this.view = view;
    if (!this.panel) {
      // Beside the editor; with no editor open, "beside" would be the first group, where cited
      // files open and would hide the panel, so it takes the second group then.
      const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Two;
      this.panel = vscode.window.createWebviewPanel(
        VIEW_TYPE,
        'Potpie Answer',
        { viewColumn: column, preserveFocus: true },
        { enableScripts: true, enableCommandUris: false, localResourceRoots: [], retainContextWhenHidden: false },
      );
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      }, null, this.disposables);
      this.panel.webview.onDidReceiveMessage((m) => this.onMessage(m), null, this.disposables);
      // The page is dropped while hidden (no retainContextWhenHidden), so it is written again
      // when it shows; not on mere focus changes, which would reload it under the user's
      // fingers (a follow-up being typed, a click in flight).
      let wasVisible = true;
      this.panelColumn = this.panel.viewColumn;
      this.panel.onDidChangeViewState((e) => {
        this.panelColumn = e.webviewPanel.viewColumn ?? this.panelColumn;
        const visible = e.webviewPanel.visible;
        if (visible && !wasVisible) this.setHtml();
        wasVisible = visible;
      }, null, this.disposables);
    } else {
      this.panel.reveal(undefined, true);
    }
    this.panel.title = `Potpie: ${truncate(view.title, 40)}`;
    this.setHtml();
  }

  /** Re-renders after the current view changed; batched so that fast chunks don't flood. */
  update(): void {
    if (this.pendingRender) return;
    this.pendingRender = setTimeout(() => {
      this.pendingRender = undefined;
      this.postRender();
    }, 40);
  }

  /** Renders now (for the final answer, so nothing is left waiting in a timer). */
  flush(): void {
    if (this.pendingRender) {
      clearTimeout(this.pendingRender);
      this.pendingRender = undefined;
    }
    this.postRender();
  }

  /** `potpie/citations`: the shown answer's citations moved (or went stale). */
  citationsMoved(moved: CitationsMoved): boolean {
    if (!applyCitationsMoved(this.view, moved)) return false;
    this.update();
    return true;
  }

  private roots(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
  }

  private setHtml(): void {
    if (!this.panel || !this.view) return;
    this.panel.webview.html = renderPage(this.view, {
      nonce: crypto.randomBytes(16).toString('base64'),
      cspSource: this.panel.webview.cspSource,
      roots: this.roots(),
    });
  }

  private postRender(): void {
    if (!this.panel || !this.view) return;
    if (!this.panel.visible) return; // setHtml runs when it becomes visible again
    void this.panel.webview.postMessage({ type: 'render', html: renderBody(this.view, this.roots()) });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m) return;
    try {
      switch (m.type) {
        case 'ready':
          this.postRender();
          break;
        case 'openCitation': {
          const c = this.view?.citations[m.index];
          if (c) await openCitation(c, this.editorColumn());
          break;
        }
        case 'openLink':
          await openWorkspaceFile(vscode.Uri.parse(m.uri, true), this.editorColumn(), m.line);
          break;
        case 'showCitations':
          await showCitations(this.view?.citations ?? [], this.editorColumn());
          break;
        case 'cancel':
          this.actions.cancel();
          break;
        case 'followUp': {
          const thread = this.view?.threadId;
          if (thread) await this.actions.followUp(thread, m.question, this.view?.folderUri);
          break;
        }
        case 'newQuestion':
          await this.actions.newQuestion();
          break;
        case 'openTranscript':
          if (this.view?.transcriptUri) await openTranscript(this.view.transcriptUri, this.editorColumn());
          break;
      }
    } catch (e) {
      this.log.error(`answer panel: ${e instanceof Error ? e.message : String(e)}`);
      void vscode.window.showErrorMessage(`Potpie: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Where cited files open: any group but the panel's own, so the answer stays visible. */
  editorColumn(): vscode.ViewColumn {
    const column = this.panel?.viewColumn ?? this.panelColumn;
    return column === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
  }

  dispose(): void {
    if (this.pendingRender) clearTimeout(this.pendingRender);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Opens `uri` in the first editor group, when it is an existing file inside the workspace. */
export async function openWorkspaceFile(
  uri: vscode.Uri,
  column: vscode.ViewColumn,
  line?: number,
  selection?: vscode.Range,
): Promise<void> {
  if (!vscode.workspace.getWorkspaceFolder(uri)) {
    throw new Error(`${uri.fsPath} is outside the workspace; not opening it.`);
  }
  const stat = await vscode.workspace.fs.stat(uri);
  if ((stat.type & vscode.FileType.File) === 0) {
    throw new Error(`${uri.fsPath} is not a file.`);
  }
  const sel = selection ?? (line !== undefined ? new vscode.Range(line, 0, line, 0) : undefined);
  const editor = await vscode.window.showTextDocument(uri, {
    viewColumn: column,
    preview: true,
    selection: sel,
  });
  if (sel) {
    editor.revealRange(sel, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}

export async function openCitation(c: LspLocation, column: vscode.ViewColumn = vscode.ViewColumn.One): Promise<void> {
  await openWorkspaceFile(vscode.Uri.parse(c.uri, true), column, undefined, selectionFor(c));
}

export async function showCitations(
  cs: readonly LspLocation[],
  column: vscode.ViewColumn = vscode.ViewColumn.One,
): Promise<void> {
  const args = showReferencesArgs(cs);
  if (!args) {
    void vscode.window.showInformationMessage('Potpie: the last answer has no citations.');
    return;
  }
  // The peek needs an editor on the anchor file.
  await vscode.window.showTextDocument(args[0], {
    viewColumn: column,
    preview: true,
    selection: new vscode.Range(args[1], args[1]),
  });
  await vscode.commands.executeCommand('editor.action.showReferences', ...args);
}

/** Opens a thread's Markdown transcript (the server's own file, in its cache). */
export async function openTranscript(uri: string, column: vscode.ViewColumn = vscode.ViewColumn.One): Promise<void> {
  const parsed = vscode.Uri.parse(uri, true);
  if (parsed.scheme !== 'file' || !parsed.path.endsWith('.md')) {
    throw new Error(`not a transcript: ${uri}`);
  }
  await vscode.window.showTextDocument(parsed, { viewColumn: column, preview: true });
}

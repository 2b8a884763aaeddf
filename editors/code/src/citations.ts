// Citations (LSP Location JSON from the server) as VS Code objects. The conversion is needed
// because `editor.action.showReferences` only accepts real vscode.Uri/Position/Location.
import * as vscode from 'vscode';
import { LspLocation, LspRange } from './protocol';

export function toRange(r: LspRange): vscode.Range {
  return new vscode.Range(
    new vscode.Position(r.start.line, r.start.character),
    new vscode.Position(r.end.line, r.end.character),
  );
}

export function toLocation(c: LspLocation): vscode.Location {
  return new vscode.Location(vscode.Uri.parse(c.uri, true), toRange(c.range));
}

export function toLocations(cs: readonly LspLocation[]): vscode.Location[] {
  const out: vscode.Location[] = [];
  for (const c of cs) {
    try {
      out.push(toLocation(c));
    } catch {
      // a malformed URI from the server is skipped rather than breaking the whole list
    }
  }
  return out;
}

/** Arguments for `editor.action.showReferences`: the peek is anchored at the first citation. */
export function showReferencesArgs(cs: readonly LspLocation[]): [vscode.Uri, vscode.Position, vscode.Location[]] | undefined {
  const locs = toLocations(cs);
  if (locs.length === 0) return undefined;
  return [locs[0].uri, locs[0].range.start, locs];
}

/** The selection to reveal when opening a citation: its first line, cursor at its start. */
export function selectionFor(c: LspLocation): vscode.Range {
  const start = new vscode.Position(c.range.start.line, c.range.start.character);
  return new vscode.Range(start, start);
}

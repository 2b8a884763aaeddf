// Finds the potpie-lsp binary: the `potpie.serverPath` setting, else `potpie-lsp` on PATH.
import * as path from 'path';

export interface ResolveInput {
  /** The `potpie.serverPath` setting (may be empty). */
  configured: string | undefined;
  /** The PATH environment variable. */
  envPath: string | undefined;
  platform: NodeJS.Platform;
  home: string | undefined;
  /** The first workspace folder, for relative settings. */
  workspaceRoot?: string;
  isExecutable(file: string): boolean;
}

export type ResolveResult = { ok: true; path: string } | { ok: false; message: string };

export const SERVER_BINARY = 'potpie-lsp';

export function resolveServerPath(input: ResolveInput): ResolveResult {
  const configured = (input.configured ?? '').trim();
  if (configured !== '') {
    let candidate = configured;
    if (input.home && (candidate === '~' || candidate.startsWith('~/'))) {
      candidate = path.join(input.home, candidate.slice(1));
    }
    if (input.workspaceRoot) {
      candidate = candidate.replace(/\$\{workspaceFolder\}/g, input.workspaceRoot);
    }
    if (!path.isAbsolute(candidate) && input.workspaceRoot) {
      candidate = path.join(input.workspaceRoot, candidate);
    }
    if (input.isExecutable(candidate)) {
      return { ok: true, path: candidate };
    }
    return {
      ok: false,
      message: `potpie.serverPath is set to "${configured}", but no executable file is there.`,
    };
  }
  const names =
    input.platform === 'win32' ? [`${SERVER_BINARY}.exe`, `${SERVER_BINARY}.cmd`] : [SERVER_BINARY];
  const sep = input.platform === 'win32' ? ';' : ':';
  for (const dir of (input.envPath ?? '').split(sep)) {
    if (dir === '') {
      continue;
    }
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (input.isExecutable(candidate)) {
        return { ok: true, path: candidate };
      }
    }
  }
  return {
    ok: false,
    message: `Cannot find the ${SERVER_BINARY} language server: set potpie.serverPath or put ${SERVER_BINARY} on PATH.`,
  };
}

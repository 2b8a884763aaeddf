// Finds the potpie-lsp binary: the `potpie.serverPath` setting, else `potpie-lsp` on PATH, else
// the binary a platform package carries.
import * as path from 'path';

export interface ResolveInput {
  /** The `potpie.serverPath` setting (may be empty). Machine-scoped: a workspace cannot set it. */
  configured: string | undefined;
  /** The PATH environment variable. */
  envPath: string | undefined;
  platform: NodeJS.Platform;
  home: string | undefined;
  /** The server inside the extension (platform packages), if any. */
  bundled?: string;
  isExecutable(file: string): boolean;
}

/** Where the binary came from, for the status bar. */
export type ServerSource = 'setting' | 'PATH' | 'bundled';

export type ResolveResult = { ok: true; path: string; source: ServerSource } | { ok: false; message: string };

export const SERVER_BINARY = 'potpie-lsp';

export function bundledServerName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? `${SERVER_BINARY}.exe` : SERVER_BINARY;
}

export function resolveServerPath(input: ResolveInput): ResolveResult {
  const configured = (input.configured ?? '').trim();
  if (configured !== '') {
    let candidate = configured;
    if (input.home && (candidate === '~' || candidate.startsWith('~/'))) {
      candidate = path.join(input.home, candidate.slice(1));
    }
    // Never resolved against the workspace: a relative path would run whatever binary the
    // opened repository ships under that name.
    if (!path.isAbsolute(candidate)) {
      return {
        ok: false,
        message: `potpie.serverPath must be an absolute path (or start with ~/), not "${configured}".`,
      };
    }
    if (input.isExecutable(candidate)) {
      return { ok: true, path: candidate, source: 'setting' };
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
    // A relative entry ("." or "bin") would be looked up in the extension host's working
    // directory, which can be the opened repository.
    if (dir === '' || !path.isAbsolute(dir)) {
      continue;
    }
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (input.isExecutable(candidate)) {
        return { ok: true, path: candidate, source: 'PATH' };
      }
    }
  }
  if (input.bundled && input.isExecutable(input.bundled)) {
    return { ok: true, path: input.bundled, source: 'bundled' };
  }
  return {
    ok: false,
    message: `Cannot find the ${SERVER_BINARY} language server: set potpie.serverPath or put ${SERVER_BINARY} on PATH (or install the extension's package for your platform, which carries it).`,
  };
}

/** One line for the status bar tooltip: which binary runs and why that one. */
export function describeServer(p: string, source: ServerSource): string {
  switch (source) {
    case 'setting':
      return `server: ${p} (potpie.serverPath)`;
    case 'PATH':
      return `server: ${p} (found on PATH)`;
    case 'bundled':
      return `server: bundled with the extension (${p})`;
  }
}

// The settings the extension forwards to potpie-lsp. Pure: reads through a tiny interface so
// that tests can feed plain objects instead of `vscode.WorkspaceConfiguration`.

/** Keys of the server's settings table (docs/lsp-extensions.md), minus `apiKey`, which lives
 * in SecretStorage and never in settings.json. A unit test compares this list, the
 * `contributes.configuration` of package.json and the contract's table. */
export const SERVER_SETTING_KEYS = [
  'backend',
  'baseUrl',
  'agent',
  'repoName',
  'branchName',
  'answersDir',
  'openAnswers',
  'hints',
  'llm',
  'readTimeout',
] as const;

/** Settings that only the extension reads. */
export const EXTENSION_SETTING_KEYS = ['serverPath'] as const;

/**
 * Settings that name a program, an origin the API key may travel to, or a place outside the
 * workspace to write to: `capabilities.untrustedWorkspaces.restrictedConfigurations` in
 * package.json lists exactly these (a unit test compares), so an untrusted workspace's own
 * values for them are ignored by VS Code.
 */
export const RESTRICTED_SETTING_KEYS = ['serverPath', 'baseUrl', 'llm', 'answersDir'] as const;

/** What restricted mode leaves out: everything that reaches the network or carries a key. */
const NETWORK_SETTING_KEYS: readonly string[] = ['baseUrl', 'llm'];

export type ServerSettingKey = (typeof SERVER_SETTING_KEYS)[number];

export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

/**
 * The `potpie` settings object for `initializationOptions` and
 * `workspace/didChangeConfiguration`. Empty strings and nulls are left out, so the server falls
 * back to its own defaults (environment variables, git detection) instead of receiving "".
 *
 * In an untrusted workspace (`trusted` false) the server runs the local engine only: backend
 * `local`, no key, no origin, no LLM endpoint, so nothing leaves the machine whatever the
 * repository's settings say.
 */
export function buildServerSettings(cfg: ConfigReader, apiKey?: string, trusted = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SERVER_SETTING_KEYS) {
    if (!trusted && NETWORK_SETTING_KEYS.includes(key)) {
      continue;
    }
    const value = cfg.get<unknown>(key);
    if (value === undefined || value === null) {
      continue;
    }
    if (typeof value === 'string') {
      const trimmed = value.trim();
      if (trimmed === '') {
        continue;
      }
      out[key] = trimmed;
      continue;
    }
    if (key === 'llm') {
      const llm = normalizeLlm(value);
      if (llm) {
        out[key] = llm;
      }
      continue;
    }
    out[key] = value;
  }
  if (!trusted) {
    out.backend = 'local';
    return out;
  }
  if (apiKey !== undefined && apiKey.trim() !== '') {
    out.apiKey = apiKey.trim();
  }
  return out;
}

/** Variables through which a key or an origin reaches the server. */
const KEY_ENV = ['POTPIE_API_KEY', 'POTPIE_BASE_URL'];

/**
 * The server's environment. Untrusted: without the key and origin variables (the server would
 * read them itself). Trusted with tracing on: the key goes here instead of into the protocol,
 * so that traces never show it.
 */
export function serverEnvironment(
  base: Record<string, string | undefined>,
  opts: { trusted: boolean; tracing: boolean; apiKey?: string; userBaseUrl?: string },
): Record<string, string | undefined> {
  const env = { ...base };
  if (!opts.trusted) {
    for (const k of KEY_ENV) delete env[k];
    return env;
  }
  if (opts.userBaseUrl) {
    // The server lets a key go to POTPIE_BASE_URL's origin without asking, as the user's own
    // choice; the user's settings.json is that too, a workspace's is not (see userBaseUrl).
    env.POTPIE_BASE_URL = opts.userBaseUrl;
  }
  if (opts.tracing && opts.apiKey) {
    env.POTPIE_API_KEY = opts.apiKey;
  }
  return env;
}

/**
 * `potpie.baseUrl` as the user set it in their own settings (user scope, not a workspace's or
 * a folder's), trimmed; undefined when unset or empty. From `cfg.inspect('baseUrl')`.
 */
export function userBaseUrl(inspected: { globalValue?: unknown } | undefined): string | undefined {
  const v = inspected?.globalValue;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  return v.trim();
}

function normalizeLlm(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const k of ['baseUrl', 'model', 'apiKey']) {
    if (typeof v[k] === 'string' && (v[k] as string).trim() !== '') {
      out[k] = (v[k] as string).trim();
    }
  }
  return out.baseUrl && out.model ? out : undefined;
}

/** A copy of settings that is safe to log. */
export function redactSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...settings };
  if ('apiKey' in copy) {
    copy.apiKey = '<redacted>';
  }
  if (typeof copy.llm === 'object' && copy.llm !== null && 'apiKey' in (copy.llm as object)) {
    copy.llm = { ...(copy.llm as object), apiKey: '<redacted>' };
  }
  return copy;
}

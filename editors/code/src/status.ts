// What the status bar item shows for a server status. Pure.
import { Status } from './protocol';

export interface StatusView {
  text: string;
  tooltip: string;
  /** Command run on click. */
  command: string;
  /** Whether to paint it with the error background. */
  error: boolean;
}

export const SHOW_LOG_COMMAND = 'potpie-vscode.showLog';
export const SHOW_STATUS_COMMAND = 'potpie-vscode.showStatus';

export function describeStatus(s: Status): string {
  const parts = [`state: ${s.state}`];
  if (s.backend) parts.push(`backend: ${s.backend}`);
  if (s.repoName) parts.push(`repo: ${s.repoName}${s.branchName ? `@${s.branchName}` : ''}`);
  if (s.projectId) parts.push(`project: ${s.projectId}`);
  if (s.message) parts.push(s.message);
  return parts.join(' · ');
}

export function statusView(s: Status | undefined): StatusView {
  if (!s) {
    return { text: '$(loading~spin) Potpie', tooltip: 'Potpie: starting the server…', command: SHOW_LOG_COMMAND, error: false };
  }
  const tip = `Potpie — ${describeStatus(s)}`;
  switch (s.state) {
    case 'parsing':
      return { text: '$(sync~spin) Potpie: parsing…', tooltip: tip, command: SHOW_STATUS_COMMAND, error: false };
    case 'inferring':
      return { text: '$(sync~spin) Potpie: inferring…', tooltip: tip, command: SHOW_STATUS_COMMAND, error: false };
    case 'ready':
      return {
        text: `$(check) Potpie${s.backend ? ` (${s.backend})` : ''}`,
        tooltip: `${tip}\nClick for details.`,
        command: SHOW_STATUS_COMMAND,
        error: false,
      };
    case 'error':
      return { text: '$(error) Potpie: error', tooltip: `${tip}\nClick to open the log.`, command: SHOW_LOG_COMMAND, error: true };
    case 'unbound':
      return { text: '$(circle-outline) Potpie', tooltip: tip, command: SHOW_STATUS_COMMAND, error: false };
    default:
      return { text: `Potpie: ${s.state}`, tooltip: tip, command: SHOW_STATUS_COMMAND, error: false };
  }
}

export function serverMissingView(message: string): StatusView {
  return { text: '$(error) Potpie: no server', tooltip: message, command: SHOW_LOG_COMMAND, error: true };
}

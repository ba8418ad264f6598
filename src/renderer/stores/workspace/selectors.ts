import type { Translate } from '../../i18n';

/** The name the first workspace is created with (migration 0001); the CLI and MCP address it by this name. */
const BUILT_IN_NAME = 'Default';

/** A workspace's name as shown: the built-in first workspace, while the user has not renamed it, in the UI's language. */
export const workspaceLabel = (workspace: { id: number; name: string }, t: Translate): string =>
  workspace.id === 1 && workspace.name === BUILT_IN_NAME ? t('workspace.defaultName') : workspace.name;

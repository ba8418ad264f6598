import { describe, expect, it } from 'vitest';
import { translate } from '../../../src/renderer/i18n/translate';
import { workspaceLabel } from '../../../src/renderer/stores/workspace/selectors';

// The built-in first workspace reads in the UI's language until the user names it; every other name is the user's.
describe('workspace label', () => {
  const zh = (key: Parameters<typeof translate>[1], values?: Parameters<typeof translate>[2]) => translate('zh-CN', key, values);
  it('translates the untouched built-in workspace only', () => {
    expect(workspaceLabel({ id: 1, name: 'Default' }, zh)).toBe('默认');
    expect(workspaceLabel({ id: 1, name: 'Default' }, (key, values) => translate('en', key, values))).toBe('Default');
    expect(workspaceLabel({ id: 1, name: 'Research' }, zh)).toBe('Research');
    expect(workspaceLabel({ id: 2, name: 'Default' }, zh)).toBe('Default');
  });
});

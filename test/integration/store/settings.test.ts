import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store/db';
import { SettingsStore } from '../../../src/main/settings/settings';
import { defaultSettings, settingsPatchSchema } from '../../../src/shared/settings';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const store = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-settings-'));
  dirs.push(dir);
  return new SettingsStore(openStore(dir));
};

describe('settings', () => {
  it('starts from the defaults', () => {
    expect(store().get()).toEqual(defaultSettings);
  });

  it('a partial update changes only the keys it names', () => {
    const settings = store();
    settings.update({ theme: 'dark', language: 'zh-CN' });
    const next = settings.update({ chatModelId: 'stories260K' });
    expect(next).toMatchObject({ theme: 'dark', language: 'zh-CN', chatModelId: 'stories260K' });
    expect(settingsPatchSchema.parse({ topK: 3 })).toEqual({ topK: 3 });
  });

  it('rejects out-of-range values and notifies listeners of valid changes', () => {
    const settings = store();
    expect(() => settings.update({ topK: 0 })).toThrow();
    const seen: number[] = [];
    settings.onChange((s) => seen.push(s.topK));
    settings.update({ topK: 12 });
    expect(seen).toEqual([12]);
    expect(settings.get().topK).toBe(12);
  });
});

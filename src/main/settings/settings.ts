import { EventEmitter } from 'node:events';
import { settingsPatchSchema, settingsSchema, type Settings, type SettingsPatch } from '../../shared/settings';
import type { Db } from '../store/db';

/** Typed settings over the settings table: one row per key, validated on read so a bad row falls back to its default. */
export class SettingsStore {
  private readonly changes = new EventEmitter();

  constructor(private readonly db: Db) {}

  get(): Settings {
    const rows = this.db.prepare('SELECT key, value_json FROM settings').all() as { key: string; value_json: string }[];
    const raw: Record<string, unknown> = {};
    for (const row of rows) raw[row.key] = JSON.parse(row.value_json);
    const shape = settingsSchema.shape;
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(shape) as (keyof Settings)[]) {
      const parsed = shape[key].safeParse(raw[key]);
      result[key] = parsed.success ? parsed.data : shape[key].parse(undefined);
    }
    return result as Settings;
  }

  update(patch: SettingsPatch): Settings {
    const valid = settingsPatchSchema.parse(patch);
    const write = this.db.prepare('INSERT INTO settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(valid)) if (value !== undefined) write.run(key, JSON.stringify(value));
    }).immediate();
    const next = this.get();
    this.changes.emit('change', next, valid);
    return next;
  }

  onChange(listener: (settings: Settings, patch: SettingsPatch) => void): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }
}

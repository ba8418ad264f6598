import { z } from 'zod';
import { call, stream } from './define';
import { settingsPatchSchema, settingsSchema } from '../settings';

export const settings = {
  get: call(z.object({}), settingsSchema),
  update: call(settingsPatchSchema, settingsSchema),
  /** Emits the current settings, then every change (from any window or the CLI's process). */
  watch: stream(z.object({}), settingsSchema),
};

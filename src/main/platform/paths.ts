import os from 'node:os';
import path from 'node:path';

/** The folder Electron's app.getPath('userData') would use, so the CLI, browser mode and the app share one library. */
export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'lockstep');
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'lockstep');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'lockstep');
}

/** --data-dir wins, then LOCKSTEP_DATA_DIR, then the platform default. */
export function resolveDataDir(flag?: string): string {
  return path.resolve(flag ?? process.env.LOCKSTEP_DATA_DIR ?? defaultDataDir());
}

export function modelsDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

export function cacheDir(dataDir: string): string {
  return path.join(dataDir, 'cache');
}

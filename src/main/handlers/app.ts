import type { LockstepHandlers } from '../../shared/contract/index';
import type { AppInfo } from '../../shared/contract/app';
import type { Services } from '../services';
import { storeVersions } from '../store/db';
import { discoverInstalled } from '../models/registry';
import pkg from '../../../package.json';


export async function appInfo(services: Services, runtime: AppInfo['runtime']): Promise<AppInfo> {
  const versions = storeVersions(services.db);
  return {
    app: { name: pkg.name, version: pkg.version },
    runtime,
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    sqlite: versions.sqlite,
    sqliteVec: versions.sqliteVec,
    schemaVersion: versions.schema,
    dataDir: services.dataDir,
    models: (await discoverInstalled(services.dataDir)).map((m) => ({ id: m.id, kind: m.kind, path: m.path })),
  };
}

export function appHandlers(services: Services, runtime: AppInfo['runtime']): LockstepHandlers['app'] {
  return {
    info: () => appInfo(services, runtime),
  };
}

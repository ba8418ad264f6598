import type { LockstepHandlers } from '../../shared/contract/index';
import type { AppInfo } from '../../shared/contract/app';
import type { Services } from '../services';
import { storeVersions } from '../store/db';
import pkg from '../../../package.json';


export function appInfo(services: Services, runtime: AppInfo['runtime']): AppInfo {
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
    models: [],
  };
}

export function appHandlers(services: Services, runtime: AppInfo['runtime']): LockstepHandlers['app'] {
  return {
    info: () => appInfo(services, runtime),
  };
}

import { useT } from '../../i18n';
import { unregisterFolder, useLibraryStore } from '../../stores/library/store';
import { Icon } from '../layout/icons';

/** The registered library folders, each removable; shown only once there is one. */
export function LibraryFolders() {
  const t = useT();
  const folders = useLibraryStore((s) => s.folders);
  if (!folders.length) return null;
  return (
    <section className="library-folders card" aria-label={t('library.folders')} data-testid="library-folders">
      <h2>{t('library.folders')}</h2>
      <p className="help">{t('library.foldersHelp')}</p>
      <ul>
        {folders.map((folder) => (
          <li key={folder.id}>
            <Icon name="folder" size={14} />
            <span className="folder-path">{folder.path}</span>
            <button className="button small ghost" onClick={() => void unregisterFolder(folder.id)} aria-label={t('library.folderRemove', { path: folder.path })}>
              {t('library.folderRemoveShort')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

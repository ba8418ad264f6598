import { useEffect, useState } from 'react';
import { useT } from '../../i18n';
import { grantedPaths } from '../../ipc/client';
import { addFiles } from '../../stores/library/store';
import { importModel } from '../../stores/models/store';
import { showToast, showView } from '../../stores/ui/store';
import { Icon } from '../layout/icons';
import { filesFromDrop } from './gatherFiles';

/** The whole window is a drop zone for files and folders; the overlay shows while something is dragged over it. */
export function DropOverlay() {
  const t = useT();
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    let depth = 0;
    const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    const onEnter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth++;
      setDragging(true);
    };
    const onOver = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer!.dropEffect = 'copy';
    };
    const onLeave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = async (event: DragEvent) => {
      // Text dragged into the composer is the browser's to handle; only files are ours.
      if (!carriesFiles(event) || !event.dataTransfer) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = await filesFromDrop(event.dataTransfer);
      const models = files.filter((f) => f.name.toLowerCase().endsWith('.gguf'));
      const modelPaths = await grantedPaths(models);
      if (modelPaths) for (const modelPath of modelPaths) void importModel(modelPath);
      else if (models.length) showToast(t('models.importHint'));
      const documents = files.filter((f) => !f.name.toLowerCase().endsWith('.gguf'));
      if (!documents.length) return;
      showView('library');
      await addFiles(documents);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [t]);
  if (!dragging) return null;
  return (
    <div className="drop-overlay" aria-hidden="true" data-testid="drop-overlay">
      <div className="drop-target">
        <Icon name="upload" size={36} />
        <h2>{t('library.dropTitle')}</h2>
        <p className="muted">{t('library.dropHint')}</p>
      </div>
    </div>
  );
}

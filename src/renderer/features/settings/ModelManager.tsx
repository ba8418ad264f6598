import { useState } from 'react';
import { errorMessage } from '../../ipc/errors';
import { choosePaths } from '../../stores/picker/store';
import type { DownloadProgress, ModelListing } from '../../../shared/contract/models';
import { useT } from '../../i18n';
import { formatBytes, formatDuration } from '../../i18n/format';
import { cancelPull, importModel, pullModel, removeModel, setActiveModel, useModelsStore } from '../../stores/models/store';
import { askConfirm, showToast } from '../../stores/ui/store';
import { Icon } from '../layout/icons';
import { SettingsCard } from './controls';

export function ModelManager() {
  const t = useT();
  const models = useModelsStore((s) => s.models);
  const error = useModelsStore((s) => s.error);
  return (
    <>
      <SettingsCard title={t('models.catalog')}>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        {(['chat', 'embedding', 'reranker'] as const).map((kind) => (
          <section key={kind} className="model-group">
            <h3>{t(`models.kind.${kind}`)}</h3>
            <ul className="model-list">
              {models
                .filter((m) => m.kind === kind)
                .map((model) => (
                  <ModelRow key={model.id} model={model} />
                ))}
            </ul>
          </section>
        ))}
      </SettingsCard>
      <SettingsCard title={t('models.import')}>
        <ImportForm />
      </SettingsCard>
    </>
  );
}

function ModelRow({ model }: { model: ModelListing }) {
  const t = useT();
  const download = useModelsStore((s) => s.downloads[model.id]);
  const failure = useModelsStore((s) => (model.installed ? undefined : s.failures[model.id]));
  const removable = model.installed ? model.location === 'app' : model.partialBytes > 0;
  return (
    <li className="model-row" data-testid="model-row" data-model-id={model.id}>
      <div className="model-info">
        <div className="model-name">
          {model.name}
          <InstallBadges model={model} />
          {model.location === 'shared' && <span className="pill">{t('models.shared')}</span>}
        </div>
        <div className="model-facts faint">
          <span>{model.id}</span>
          {model.sizeBytes > 0 && <span>{formatBytes(model.sizeBytes)}</span>}
          {model.memoryBytes !== null && <span>{t('models.memory', { size: formatBytes(model.memoryBytes) })}</span>}
          {model.architecture && <span>{model.architecture}</span>}
          {model.quantization && <span>{model.quantization}</span>}
          {model.compatibility && (
            <span className={model.compatibility.lpu ? 'pill ok' : 'pill danger'} title={model.compatibility.note} data-testid="model-compatibility">
              {t(model.compatibility.lpu ? 'models.runsOnLpu' : 'models.notOnLpu')}
            </span>
          )}
          {model.embedding && <span>{model.embedding.dimension}d</span>}
          {model.licence && <span>{model.licence}</span>}
          {!model.installed && model.partialBytes > 0 && !download && <span>{t('models.partial', { size: formatBytes(model.partialBytes) })}</span>}
        </div>
        {download && <DownloadBar progress={download} />}
        {failure && !download && (
          <p className="error-text" role="alert" data-testid="download-error">
            {failure}
          </p>
        )}
      </div>
      <div className="model-actions">
        {download ? (
          <button className="button small" onClick={() => cancelPull(model.id)}>
            {t('models.cancel')}
          </button>
        ) : model.installed ? (
          !model.active &&
          model.kind !== 'reranker' && (
            <button className="button small" onClick={() => void setActiveModel(model.kind, model.id)}>
              {t('models.makeActive')}
            </button>
          )
        ) : (
          model.source === 'catalog' && (
            <button className="button small primary" onClick={() => pullModel(model.id)}>
              <Icon name="download" size={14} />
              {failure ? t('models.retry') : model.partialBytes > 0 ? t('models.resume') : t('models.download')}
            </button>
          )
        )}
        {removable && !download && (
          <button
            className="button small ghost danger"
            aria-label={`${t('models.remove')} ${model.name}`}
            onClick={() => void askConfirm(t('models.confirmRemove', { name: model.name }), t('models.remove')).then((yes) => (yes ? removeModel(model.id) : undefined))}
          >
            <Icon name="trash" size={14} />
          </button>
        )}
      </div>
    </li>
  );
}

/** Active and installed, or one warning when the chosen model is missing (removed, or never finished downloading). */
function InstallBadges({ model }: { model: ModelListing }) {
  const t = useT();
  if (model.active && !model.installed)
    return (
      <span className="pill warn" data-testid="model-active-missing">
        {t('models.activeMissing')}
      </span>
    );
  return (
    <>
      {model.active && <span className="pill accent">{t('models.active')}</span>}
      {model.installed ? <span className="pill ok">{t('models.installed')}</span> : <span className="pill">{t('models.notInstalled')}</span>}
    </>
  );
}

function DownloadBar({ progress }: { progress: DownloadProgress }) {
  const t = useT();
  const fraction = progress.bytesTotal ? progress.bytesDone / progress.bytesTotal : null;
  const phase = t(`models.phase.${progress.phase}`);
  return (
    <div className="download" role="group" aria-label={phase}>
      <div
        className={`progress ${fraction === null ? 'indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
      >
        <div style={{ width: `${(fraction ?? 0) * 100}%` }} />
      </div>
      <p className="faint download-text">
        {phase} · {formatBytes(progress.bytesDone)}
        {progress.bytesTotal ? ` / ${formatBytes(progress.bytesTotal)}` : ''}
        {progress.phase === 'downloading' && ` · ${t('models.speed', { speed: formatBytes(progress.bytesPerSecond) })}`}
        {progress.etaSeconds !== null && progress.phase === 'downloading' && ` · ${t('library.eta', { time: formatDuration(progress.etaSeconds, t) })}`}
        {progress.fileCount > 1 && ` · ${progress.fileIndex + 1}/${progress.fileCount} ${progress.file}`}
      </p>
    </div>
  );
}

function ImportForm() {
  const t = useT();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  // Main's open dialog in the app, the picker in browser mode: the chosen file is granted to this caller, then imported from where it is.
  const importPicked = async () => {
    const paths = await choosePaths('files', 'models').catch((error: unknown) => (showToast(errorMessage(error)), []));
    if (!paths.length) return;
    setBusy(true);
    await importModel(paths[0]);
    setBusy(false);
  };
  return (
    <form
      className="import-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        const imported = await importModel(path.trim());
        setBusy(false);
        if (imported) setPath('');
      }}
    >
      <label className="field">
        <span>{t('models.importPath')}</span>
        <div className="inline-form">
          <input type="text" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/models/model.gguf" spellCheck={false} data-testid="model-import-path" />
          <button className="button primary" type="submit" disabled={busy || !path.trim()}>
            {busy ? <span className="spinner" /> : null}
            {t('models.import')}
          </button>
          <button className="button" type="button" disabled={busy} onClick={() => void importPicked()} data-testid="model-choose-file">
            {t('models.chooseFile')}
          </button>
        </div>
        <span className="help">{t('models.importHint')}</span>
      </label>
    </form>
  );
}

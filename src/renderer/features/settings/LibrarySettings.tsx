import { useState } from 'react';
import { useT } from '../../i18n';
import { setActiveModel, useModelsStore } from '../../stores/models/store';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { SettingRow, SettingsCard } from './controls';
import { EmbeddingStatus } from './EmbeddingStatus';

export function LibrarySettings() {
  const t = useT();
  const chunkTokens = useSettingsStore((s) => s.settings!.chunkTokens);
  const vectorWeight = useSettingsStore((s) => s.settings!.vectorSearchWeight);
  const ocrLanguage = useSettingsStore((s) => s.settings!.ocrLanguage);
  const [draft, setDraft] = useState<number | null>(null);
  const models = useModelsStore((s) => s.models);
  const activeEmbedder = useModelsStore((s) => s.active?.embedding ?? '');
  const embedders = models.filter((m) => m.kind === 'embedding' && (m.installed || m.id === activeEmbedder));
  const reranker = models.find((m) => m.kind === 'reranker' && m.installed);
  const rerankEnabled = useSettingsStore((s) => s.settings!.rerankEnabled);
  return (
    <SettingsCard title={t('settings.library')}>
      <SettingRow label={t('settings.embedder')} htmlFor="setting-embedder">
        <select id="setting-embedder" value={activeEmbedder} onChange={(e) => void setActiveModel('embedding', e.target.value)}>
          {embedders.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
              {m.installed ? '' : ` (${t('models.notInstalled')})`}
            </option>
          ))}
        </select>
      </SettingRow>
      <EmbeddingStatus />
      <SettingRow label={t('settings.chunkTokens')} help={t('settings.chunkTokens.help')} htmlFor="setting-chunk">
        <div className="range-control">
          <input
            id="setting-chunk"
            type="range"
            min={64}
            max={1024}
            step={32}
            value={draft ?? chunkTokens}
            onChange={(e) => setDraft(Number(e.target.value))}
            onPointerUp={() => draft !== null && void updateSettings({ chunkTokens: draft }).then(() => setDraft(null))}
            onKeyUp={() => draft !== null && void updateSettings({ chunkTokens: draft }).then(() => setDraft(null))}
          />
          <output htmlFor="setting-chunk">{draft ?? chunkTokens}</output>
        </div>
      </SettingRow>
      <SettingRow label={t('settings.vectorWeight')} help={t('settings.vectorWeight.help')} htmlFor="setting-vector-weight">
        <div className="range-control">
          <input id="setting-vector-weight" type="range" min={0} max={4} step={0.25} value={vectorWeight} onChange={(e) => void updateSettings({ vectorSearchWeight: Number(e.target.value) })} />
          <output htmlFor="setting-vector-weight">{vectorWeight.toFixed(2)}</output>
        </div>
      </SettingRow>
      {reranker && (
        <SettingRow label={t('settings.rerank', { model: reranker.name })} help={t('settings.rerank.help')} htmlFor="setting-rerank">
          <input id="setting-rerank" type="checkbox" role="switch" checked={rerankEnabled} onChange={(e) => void updateSettings({ rerankEnabled: e.target.checked })} />
        </SettingRow>
      )}
      <SettingRow label={t('settings.ocrLanguage')} help={t('settings.ocrLanguage.help')} htmlFor="setting-ocr-language">
        <select id="setting-ocr-language" value={ocrLanguage} onChange={(e) => void updateSettings({ ocrLanguage: e.target.value as typeof ocrLanguage })} data-testid="ocr-language-select">
          <option value="auto">{t('settings.ocrLanguage.auto')}</option>
          <option value="eng">English</option>
          <option value="chi_sim">简体中文</option>
          <option value="eng+chi_sim">English + 简体中文</option>
        </select>
      </SettingRow>
    </SettingsCard>
  );
}

import { useT } from '../../i18n';
import { setActiveModel, useModelsStore } from '../../stores/models/store';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { Segmented, SettingRow, SettingsCard } from './controls';
import { GroqKeySettings } from './GroqKeySettings';
import { OpenAiServerSettings } from './OpenAiServerSettings';

const ANSWER_LIMITS = [128, 256, 512, 1024, 2048, 4096, 8192];

export function AnswerSettings() {
  const t = useT();
  const provider = useSettingsStore((s) => s.settings!.provider);
  const answerMode = useSettingsStore((s) => s.settings!.answerMode);
  const topK = useSettingsStore((s) => s.settings!.topK);
  const maxAnswerTokens = useSettingsStore((s) => s.settings!.maxAnswerTokens);
  return (
    <>
      <SettingsCard title={t('settings.answers')}>
        <SettingRow label={t('settings.provider')} help={t('settings.provider.help')}>
          <Segmented
            label={t('settings.provider')}
            value={provider}
            onChange={(value) => void updateSettings({ provider: value })}
            options={[
              { value: 'lpu', label: t('provider.lpu') },
              { value: 'groq', label: t('provider.groq') },
              { value: 'openai', label: t('provider.openai') },
            ]}
          />
        </SettingRow>
        <ChatModelPicker />
        <SettingRow label={t('settings.answerMode')}>
          <Segmented
            label={t('settings.answerMode')}
            value={answerMode}
            onChange={(value) => void updateSettings({ answerMode: value })}
            options={[
              { value: 'documents', label: t('chat.mode.documents') },
              { value: 'chat', label: t('chat.mode.chat') },
            ]}
          />
        </SettingRow>
        <SettingRow label={t('settings.topK')} htmlFor="setting-topk">
          <div className="range-control">
            <input id="setting-topk" type="range" min={1} max={50} value={topK} onChange={(e) => void updateSettings({ topK: Number(e.target.value) })} />
            <output htmlFor="setting-topk">{topK}</output>
          </div>
        </SettingRow>
        <SettingRow label={t('settings.maxTokens')} help={t('settings.maxTokens.help')} htmlFor="setting-max-tokens">
          <select id="setting-max-tokens" value={maxAnswerTokens ?? ''} onChange={(e) => void updateSettings({ maxAnswerTokens: e.target.value ? Number(e.target.value) : null })} data-testid="max-tokens-select">
            <option value="">{t('settings.maxTokens.auto')}</option>
            {ANSWER_LIMITS.map((n) => (
              <option key={n} value={n}>
                {t('settings.maxTokens.tokens', { n })}
              </option>
            ))}
          </select>
        </SettingRow>
      </SettingsCard>
      <SettingsCard title={t('settings.groq')}>
        <GroqKeySettings />
      </SettingsCard>
      <SettingsCard title={t('settings.openai')}>
        <OpenAiServerSettings />
      </SettingsCard>
    </>
  );
}

export function ChatModelPicker() {
  const t = useT();
  const models = useModelsStore((s) => s.models);
  const active = useModelsStore((s) => s.active?.chat ?? null);
  const installed = models.filter((m) => m.kind === 'chat' && m.installed);
  return (
    <SettingRow label={t('settings.chatModel')} htmlFor="setting-chat-model">
      <select id="setting-chat-model" value={active ?? ''} onChange={(e) => void setActiveModel('chat', e.target.value || null)} data-testid="chat-model-select">
        <option value="">{t('settings.chatModel.none')}</option>
        {installed.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
          </option>
        ))}
      </select>
    </SettingRow>
  );
}

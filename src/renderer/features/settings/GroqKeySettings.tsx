import { useEffect, useState } from 'react';
import { useT, type Translate } from '../../i18n';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { SettingRow } from './controls';

type GroqModel = Awaited<ReturnType<typeof client.providers.groqModels>>[number];
type KeyAction = 'save' | 'test' | 'clear' | 'models';

/** The key goes to main once and never comes back: the UI only learns whether one is saved. */
export function GroqKeySettings() {
  const t = useT();
  const groqModel = useSettingsStore((s) => s.settings!.groqModel);
  const effort = useSettingsStore((s) => s.settings!.groqReasoningEffort);
  const tier = useSettingsStore((s) => s.settings!.groqServiceTier);
  const [hasKey, setHasKey] = useState<boolean | null>(null);
  const [draft, setDraft] = useState('');
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  // Which action is running: every button waits, only that one says so.
  const [running, setRunning] = useState<KeyAction | null>(null);
  const busy = running !== null;
  const [models, setModels] = useState<GroqModel[]>([]);

  useEffect(() => {
    client.providers.status({}).then(
      (status) => setHasKey(status.groq.hasKey),
      (error) => setResult({ ok: false, message: errorMessage(error) }),
    );
  }, []);
  // With a key, show the models it can use (the cached listing; "Refresh list" asks Groq again).
  useEffect(() => {
    if (!hasKey) return;
    client.providers.groqModels({}).then(
      (listed) => setModels(listed.filter((m) => m.chat !== false)),
      () => setModels([]),
    );
  }, [hasKey]);
  const selected = models.find((m) => m.id === groqModel);
  const efforts = selected?.reasoningEfforts ?? [];

  const run = async (name: KeyAction, action: () => Promise<void>) => {
    setRunning(name);
    setResult(null);
    try {
      await action();
    } catch (error) {
      setResult({ ok: false, message: errorMessage(error) });
    } finally {
      setRunning(null);
    }
  };
  const save = () =>
    run('save', async () => {
      await client.providers.setGroqKey({ apiKey: draft });
      setDraft('');
      setHasKey(true);
    });
  const test = () => run('test', async () => setResult(await client.providers.testGroqKey({})));
  const clear = () =>
    run('clear', async () => {
      await client.providers.clearGroqKey({});
      setHasKey(false);
    });
  const listModels = (refresh: boolean) => run('models', async () => setModels((await client.providers.groqModels({ refresh })).filter((m) => m.chat !== false)));

  return (
    <>
      <SettingRow label={t('settings.groqKey')} help={hasKey === null ? undefined : hasKey ? t('settings.groqKey.saved') : t('settings.groqKey.none')} htmlFor="groq-key">
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <input id="groq-key" type="password" autoComplete="off" spellCheck={false} placeholder="gsk_…" value={draft} onChange={(e) => setDraft(e.target.value)} data-testid="groq-key-input" />
          <button className="button primary" type="submit" disabled={busy || !draft.trim()}>
            {t('settings.groqKey.save')}
          </button>
        </form>
        <div className="inline-form">
          <button className="button" type="button" onClick={() => void test()} disabled={busy || !hasKey} data-testid="groq-key-test">
            {running === 'test' ? t('settings.groqKey.testing') : t('settings.groqKey.test')}
          </button>
          <button className="button danger" type="button" onClick={() => void clear()} disabled={busy || !hasKey}>
            {t('settings.groqKey.clear')}
          </button>
        </div>
        {result && (
          <p className={result.ok ? 'ok-text' : 'error-text'} role="status" data-testid="groq-key-result">
            {result.message}
          </p>
        )}
      </SettingRow>
      <SettingRow label={t('settings.groqModel')} htmlFor="groq-model">
        <div className="inline-form">
          {models.length > 0 ? (
            <select id="groq-model" value={groqModel} onChange={(e) => void updateSettings({ groqModel: e.target.value })} data-testid="groq-model-select">
              {!models.some((m) => m.id === groqModel) && <option value={groqModel}>{groqModel || t('settings.groqModel.auto')}</option>}
              {models.map((m) => (
                <option key={m.id} value={m.id} data-reasoning={m.reasoning ? 'true' : 'false'}>
                  {modelLabel(m, t)}
                </option>
              ))}
            </select>
          ) : (
            <GroqModelInput saved={groqModel} />
          )}
          <button className="button" type="button" onClick={() => void listModels(true)} disabled={busy || !hasKey}>
            {t('settings.groqModels.refresh')}
          </button>
        </div>
      </SettingRow>
      {efforts.length > 0 && (
        <SettingRow label={t('settings.reasoningEffort')} help={t('settings.reasoningEffort.help')} htmlFor="groq-effort">
          <select
            id="groq-effort"
            value={efforts.includes(effort) ? effort : 'default'}
            onChange={(e) => void updateSettings({ groqReasoningEffort: e.target.value as typeof effort })}
            data-testid="groq-effort"
          >
            {['default' as const, ...efforts.filter((e) => e !== 'default')].map((value) => (
              <option key={value} value={value}>
                {t(`settings.reasoningEffort.${value}`)}
              </option>
            ))}
          </select>
        </SettingRow>
      )}
      <SettingRow label={t('settings.serviceTier')} help={t('settings.serviceTier.help')} htmlFor="groq-tier">
        <select id="groq-tier" value={tier} onChange={(e) => void updateSettings({ groqServiceTier: e.target.value as typeof tier })} data-testid="groq-tier">
          {(['on_demand', 'auto', 'flex'] as const).map((value) => (
            <option key={value} value={value}>
              {t(`settings.serviceTier.${value}`)}
            </option>
          ))}
        </select>
      </SettingRow>
    </>
  );
}

/** "openai/gpt-oss-20b · 131,072 tokens · reasoning": what a model offers, readable in a plain <select>. */
function modelLabel(model: GroqModel, t: Translate): string {
  const parts = [model.id];
  if (model.contextWindow) parts.push(t('settings.groqModel.context', { n: model.contextWindow.toLocaleString('en-US') }));
  if (model.reasoning) parts.push(t('settings.groqModel.reasoning'));
  return parts.join(' · ');
}

/** A model id typed by hand: saved when the field is left or Enter is pressed, never while half-typed or empty. */
function GroqModelInput({ saved }: { saved: string }) {
  const [draft, setDraft] = useState(saved);
  useEffect(() => setDraft(saved), [saved]);
  const commit = () => {
    const model = draft.trim();
    if (!model) setDraft(saved);
    else if (model !== saved) void updateSettings({ groqModel: model });
  };
  return (
    <input
      id="groq-model"
      type="text"
      spellCheck={false}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key !== 'Enter') return;
        e.preventDefault();
        commit();
      }}
      data-testid="groq-model-input"
    />
  );
}

import { useEffect, useState } from 'react';
import type { OpenAiModel, OpenAiServerInfo } from '../../../shared/contract/chat';
import { OPENAI_SERVER_PRESETS } from '../../../shared/openai-servers';
import { useT } from '../../i18n';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { updateSettings } from '../../stores/settings/store';
import { SettingRow } from './controls';

// OpenAI-compatible servers (Ollama, LM Studio, llama.cpp): the saved ones with their model, a health check and
// removal, and "Add server" — address, optional key, then a model picked from what the server lists.

type Result = { ok: boolean; message: string } | null;

export function OpenAiServerSettings() {
  const [servers, setServers] = useState<OpenAiServerInfo[]>([]);
  const [activeId, setActiveId] = useState('');
  const [result, setResult] = useState<Result>(null);
  const [busy, setBusy] = useState(false);
  const reload = async () => {
    const listed = await client.providers.openAiServers({});
    setServers(listed.servers);
    setActiveId(listed.activeId);
  };
  useEffect(() => {
    reload().catch((error) => setResult({ ok: false, message: errorMessage(error) }));
  }, []);
  const run = async (action: () => Promise<Result | void>) => {
    setBusy(true);
    setResult(null);
    try {
      const outcome = await action();
      if (outcome) setResult(outcome);
      await reload();
    } catch (error) {
      setResult({ ok: false, message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {servers.map((server) => (
        <ServerRow
          key={server.id}
          server={server}
          active={server.id === activeId}
          busy={busy}
          onUse={() => run(async () => void (await client.providers.updateOpenAiServer({ id: server.id, active: true }), await updateSettings({ provider: 'openai' })))}
          onModel={(model) => run(async () => void (await client.providers.updateOpenAiServer({ id: server.id, model })))}
          onTest={() => run(() => client.providers.testOpenAiServer({ id: server.id }))}
          onRemove={() => run(async () => void (await client.providers.removeOpenAiServer({ id: server.id })))}
        />
      ))}
      {result && (
        <p className={`notice ${result.ok ? 'ok' : 'error'}`} role="status" data-testid="openai-result">
          {result.message}
        </p>
      )}
      <AddServerForm
        onAdded={() =>
          run(async () => {
            // A server just added is the one the user wants to answer with.
            await updateSettings({ provider: 'openai' });
          })
        }
      />
    </>
  );
}

function ServerRow(props: { server: OpenAiServerInfo; active: boolean; busy: boolean; onUse(): void; onModel(model: string): void; onTest(): void; onRemove(): void }) {
  const t = useT();
  const { server } = props;
  const [models, setModels] = useState<OpenAiModel[] | null>(null);
  const label = `${server.name} · ${server.baseURL}`;
  return (
    <SettingRow label={label} help={props.active ? t('settings.openai.active') : undefined}>
      <div className="inline-form" data-testid="openai-server-row" data-id={server.id} data-active={props.active}>
        <select
          aria-label={t('settings.openai.model')}
          value={server.model}
          onFocus={() => {
            // The listing is asked for when the user opens the picker, not for every row on every visit.
            if (models === null) client.providers.openAiModels({ serverId: server.id }).then(setModels, () => setModels([]));
          }}
          onChange={(e) => props.onModel(e.target.value)}
          disabled={props.busy}
          data-testid="openai-server-model"
        >
          {[...new Set([server.model, ...(models ?? []).map((m) => m.id)])].map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
        {!props.active && (
          <button className="button" type="button" onClick={props.onUse} disabled={props.busy}>
            {t('settings.openai.use')}
          </button>
        )}
        <button className="button" type="button" onClick={props.onTest} disabled={props.busy} data-testid="openai-server-test">
          {t('settings.openai.test')}
        </button>
        <button className="button ghost" type="button" onClick={props.onRemove} disabled={props.busy} data-testid="openai-server-remove">
          {t('settings.openai.remove')}
        </button>
      </div>
    </SettingRow>
  );
}

function AddServerForm({ onAdded }: { onAdded(): void }) {
  const t = useT();
  const [name, setName] = useState('');
  const [baseURL, setBaseURL] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [models, setModels] = useState<OpenAiModel[]>([]);
  const [model, setModel] = useState('');
  const [state, setState] = useState<{ running: 'list' | 'add' | null; error: string | null }>({ running: null, error: null });
  const busy = state.running !== null;
  // Another address or key may serve other models: list again before adding.
  const changed = () => {
    setModels([]);
    setModel('');
  };
  const list = async () => {
    setState({ running: 'list', error: null });
    try {
      const listed = await client.providers.openAiModels({ baseURL, apiKey: apiKey || undefined });
      setModels(listed);
      setModel(listed[0]?.id ?? '');
      setState({ running: null, error: listed.length ? null : t('settings.openai.noModels') });
    } catch (error) {
      setState({ running: null, error: errorMessage(error) });
    }
  };
  const add = async () => {
    setState({ running: 'add', error: null });
    try {
      await client.providers.addOpenAiServer({ name: name || baseURL, baseURL, apiKey: apiKey || undefined, model });
      setName('');
      setBaseURL('');
      setApiKey('');
      changed();
      setState({ running: null, error: null });
      onAdded();
    } catch (error) {
      setState({ running: null, error: errorMessage(error) });
    }
  };
  return (
    <div className="openai-add" data-testid="openai-add-form">
      <SettingRow label={t('settings.openai.add')} help={t('settings.openai.add.help')}>
        <div className="inline-form">
          {OPENAI_SERVER_PRESETS.map((preset) => (
            <button
              key={preset.id}
              type="button"
              className="button small"
              onClick={() => {
                setName(preset.name);
                setBaseURL(preset.baseURL);
                changed();
              }}
              data-testid={`openai-preset-${preset.id}`}
            >
              {preset.name}
            </button>
          ))}
        </div>
      </SettingRow>
      <SettingRow label={t('settings.openai.name')} htmlFor="openai-name">
        <input id="openai-name" type="text" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} data-testid="openai-name" />
      </SettingRow>
      <SettingRow label={t('settings.openai.url')} htmlFor="openai-url">
        <input
          id="openai-url"
          type="text"
          value={baseURL}
          placeholder="http://127.0.0.1:11434/v1"
          spellCheck={false}
          onChange={(e) => {
            setBaseURL(e.target.value);
            changed();
          }}
          data-testid="openai-url"
        />
      </SettingRow>
      <SettingRow label={t('settings.openai.key')} help={t('settings.openai.key.help')} htmlFor="openai-key">
        <input
          id="openai-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={apiKey}
          onChange={(e) => {
            setApiKey(e.target.value);
            changed();
          }}
          data-testid="openai-key"
        />
      </SettingRow>
      <SettingRow label={t('settings.openai.model')} htmlFor="openai-model">
        <div className="inline-form">
          <button className="button" type="button" onClick={() => void list()} disabled={busy || !baseURL.trim()} data-testid="openai-list-models">
            {state.running === 'list' ? t('settings.openai.listing') : t('settings.openai.listModels')}
          </button>
          <select id="openai-model" value={model} onChange={(e) => setModel(e.target.value)} disabled={models.length === 0} data-testid="openai-model-select">
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.contextWindow ? `${m.id} · ${t('settings.groqModel.context', { n: m.contextWindow.toLocaleString('en-US') })}` : m.id}
              </option>
            ))}
          </select>
          <button className="button primary" type="button" onClick={() => void add()} disabled={busy || !model} data-testid="openai-add">
            {t('settings.openai.addButton')}
          </button>
        </div>
      </SettingRow>
      {state.error && (
        <p className="notice error" role="alert" data-testid="openai-add-error">
          {state.error}
        </p>
      )}
    </div>
  );
}

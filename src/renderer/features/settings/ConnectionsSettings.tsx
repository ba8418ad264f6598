import { useEffect, useState } from 'react';
import type { McpClientConfig } from '../../../shared/contract/mcp';
import { useT, type MessageKey } from '../../i18n';
import {
  chooseConfigWorkspace,
  loadConnections,
  refreshCalls,
  setHttpEnabled,
  setWorkspaceShared,
  turnMcpOff,
  useConnectionsStore,
} from '../../stores/connections/store';
import { workspaceLabel } from '../../stores/workspace/selectors';
import { SettingRow, SettingsCard } from './controls';

const CALLS_REFRESH_MS = 5000;

function ClientConfig({ config }: { config: McpClientConfig }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const name = t(`connections.client.${config.client}` as MessageKey);
  const copy = async () => {
    await navigator.clipboard.writeText(config.json);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div className="mcp-config" data-testid={`mcp-config-${config.client}${config.transport === 'http' ? '-http' : ''}`}>
      <div className="mcp-config-head">
        <strong>{config.transport === 'http' ? t('connections.config.http', { client: name }) : name}</strong>
        <button className="button" type="button" onClick={() => void copy()}>
          {copied ? t('connections.copied') : t('connections.copy')}
        </button>
      </div>
      <p className="help">{t('connections.file', { file: config.file })}</p>
      {config.transport === 'http' && <p className="help">{t('connections.config.http.help')}</p>}
      <pre className="mcp-config-json">
        <code>{config.json}</code>
      </pre>
    </div>
  );
}

export function ConnectionsSettings() {
  const t = useT();
  const status = useConnectionsStore((s) => s.status);
  const calls = useConnectionsStore((s) => s.calls);
  const configs = useConnectionsStore((s) => s.configs);
  const configWorkspace = useConnectionsStore((s) => s.configWorkspace);
  useEffect(() => {
    void loadConnections();
    // Calls arrive from other processes (stdio sessions), so the list is polled while this page is open.
    const timer = setInterval(() => void refreshCalls(), CALLS_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  if (!status) return null;
  const anyOn = status.httpEnabled || status.workspaces.some((w) => w.shared);
  return (
    <>
      <SettingsCard title={t('connections.title')}>
        <p className="help">{t('connections.intro')}</p>
        <SettingRow label={t('connections.http')} help={status.httpUrl ? t('connections.http.running', { url: status.httpUrl }) : t('connections.http.help')} htmlFor="setting-mcp-http">
          <input id="setting-mcp-http" type="checkbox" role="switch" checked={status.httpEnabled} onChange={(e) => void setHttpEnabled(e.target.checked)} />
        </SettingRow>
        <SettingRow label={t('connections.turnOff')} help={t('connections.turnOff.help')}>
          <button className="button danger" type="button" disabled={!anyOn} onClick={() => void turnMcpOff()} data-testid="mcp-turn-off">
            {t('connections.turnOff')}
          </button>
        </SettingRow>
      </SettingsCard>
      <SettingsCard title={t('connections.workspaces')}>
        <p className="help">{t('connections.workspaces.help')}</p>
        {status.workspaces.map((w) => (
          <SettingRow key={w.id} label={workspaceLabel(w, t)} help={t('connections.documents', { n: w.documentCount })} htmlFor={`mcp-share-${w.id}`}>
            <input id={`mcp-share-${w.id}`} type="checkbox" role="switch" checked={w.shared} onChange={(e) => void setWorkspaceShared(w.id, e.target.checked)} />
          </SettingRow>
        ))}
      </SettingsCard>
      <SettingsCard title={t('connections.config')}>
        <p className="help">{t('connections.config.help')}</p>
        <SettingRow label={t('connections.config.workspace')} help={t('connections.config.workspace.help')} htmlFor="mcp-config-workspace">
          <select id="mcp-config-workspace" value={configWorkspace} onChange={(e) => void chooseConfigWorkspace(e.target.value)}>
            <option value="">{t('connections.config.sharedOnly')}</option>
            {status.workspaces.map((w) => (
              // The value stays the stored name: the config passes it to --workspace, which matches names as stored.
              <option key={w.id} value={w.name}>
                {workspaceLabel(w, t)}
              </option>
            ))}
          </select>
        </SettingRow>
        {configs.map((config) => (
          <ClientConfig key={`${config.client}-${config.transport}`} config={config} />
        ))}
        {!configs.some((config) => config.transport === 'http') && <p className="help">{t('connections.config.http.off')}</p>}
      </SettingsCard>
      <SettingsCard title={t('connections.calls')}>
        {calls.length === 0 ? (
          <p className="help">{t('connections.calls.empty')}</p>
        ) : (
          <table className="mcp-calls" data-testid="mcp-calls">
            <thead>
              <tr>
                <th>{t('connections.calls.time')}</th>
                <th>{t('connections.calls.client')}</th>
                <th>{t('connections.calls.tool')}</th>
                <th>{t('connections.calls.documents')}</th>
              </tr>
            </thead>
            <tbody>
              {calls.map((call) => (
                <tr key={call.id} className={call.ok ? undefined : 'failed'}>
                  <td>{new Date(call.at).toLocaleString()}</td>
                  <td>{call.client}</td>
                  <td>
                    <code>{call.tool}</code>
                    {!call.ok && ` (${t('connections.calls.failed')})`}
                  </td>
                  <td>{call.documents.map((d) => d.title ?? `#${d.id}`).join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </SettingsCard>
    </>
  );
}

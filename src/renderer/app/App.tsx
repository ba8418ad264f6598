import { useEffect, useState } from 'react';
import { useAppStore } from '../stores/app/store';

export function App() {
  const info = useAppStore((s) => s.info);
  const workspaces = useAppStore((s) => s.workspaces);
  const error = useAppStore((s) => s.error);
  const load = useAppStore((s) => s.load);
  const createWorkspace = useAppStore((s) => s.createWorkspace);
  const [name, setName] = useState('');

  useEffect(() => void load(), [load]);

  return (
    <main>
      <h1>Lockstep</h1>
      {error && <p role="alert">{error}</p>}
      {info && (
        <dl data-testid="app-info">
          <dt>Version</dt><dd>{info.app.version}</dd>
          <dt>SQLite</dt><dd data-testid="sqlite-version">{info.sqlite}</dd>
          <dt>sqlite-vec</dt><dd data-testid="sqlite-vec-version">{info.sqliteVec}</dd>
          <dt>Data folder</dt><dd>{info.dataDir}</dd>
        </dl>
      )}
      <ul aria-label="Workspaces">
        {workspaces.map((w) => <li key={w.id}>{w.name}</li>)}
      </ul>
      <form onSubmit={(e) => { e.preventDefault(); void createWorkspace(name); setName(''); }}>
        <label>New workspace <input value={name} onChange={(e) => setName(e.target.value)} /></label>
        <button type="submit">Create</button>
      </form>
    </main>
  );
}

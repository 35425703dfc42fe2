import { useEffect, useRef } from 'react';
import type { UiConfig } from '@redial/contracts';
import { Header } from './components/Header';
import { Notice } from './components/Notice';
import { useConfig, useEffectiveConfig } from './lib/config';
import { match, useLocation } from './lib/router';
import { NotFoundPage } from './pages/NotFoundPage';
import { OpsPage } from './pages/OpsPage';
import { SettingsPage } from './pages/SettingsPage';
import { SimulatorPage } from './pages/SimulatorPage';
import { StatusPage } from './pages/StatusPage';

/** The operators' pages: the dashboard (a challenge's own address opens it too) and the queue board's sign-in. */
function isOpsPath(path: string): boolean {
  return path === '/ops' || path === '/ops/' || match('/ops/challenges/:id', path) !== null || path === '/ops/queues' || path.startsWith('/ops/queues/');
}

function Route({ path, config }: { path: string; config: UiConfig }) {
  if (path === '/' || path === '/index.html') return <SettingsPage key={config.demoApiKey ?? 'no-demo-key'} config={config} />;
  const status = match('/status/:id', path);
  if (status) return <StatusPage key={status.id} id={status.id} config={config} />;
  if (path === '/simulator' || path === '/simulator/') return <SimulatorPage config={config} />;
  if (isOpsPath(path)) return <OpsPage config={config} />;
  return <NotFoundPage />;
}

export function App() {
  const { path } = useLocation();
  const { error, loading, reload } = useConfig();
  const config = useEffectiveConfig();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After client-side navigation, move focus to the new page's heading (as a page load would).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = main.current?.querySelector<HTMLElement>('h1');
    heading?.focus({ preventScroll: true });
  }, [path]);

  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header person={path.startsWith('/status/')} />
      <main id="main" ref={main} className="main" tabIndex={-1}>
        {error && (
          <Notice tone="error" title="Can't reach the Redial server" testId="config-error">
            <p>{error}</p>
            <button type="button" className="button button--secondary" onClick={reload} disabled={loading}>
              {loading ? 'Trying…' : 'Try again'}
            </button>
          </Notice>
        )}
        {config ? (
          <Route path={path} config={config} />
        ) : (
          <p className="muted page" data-testid="app-loading">
            Loading…
          </p>
        )}
      </main>
    </>
  );
}

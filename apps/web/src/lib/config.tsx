import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { UiConfig } from '@redial/contracts';
import { api, ApiError, errorMessage } from './api';

/** GET /ui-config.json once at start; pages read it from context. */
export interface ConfigState {
  config: UiConfig | null;
  loading: boolean;
  error: string | null;
  reload: () => void;
}

const ConfigContext = createContext<ConfigState>({ config: null, loading: true, error: null, reload: () => {} });

/** When the config can't be loaded: same-origin API, gateway on the default port beside it. */
export function fallbackConfig(): UiConfig {
  return {
    gatewayUrl: `${window.location.protocol}//${window.location.hostname}:3001`,
    sandbox: false,
    senderCountry: 'US',
  };
}

export function ConfigProvider({ children }: { children: ReactNode }) {
  const [config, setConfig] = useState<UiConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    api
      .uiConfig(controller.signal)
      .then((c) => {
        setConfig({ ...fallbackConfig(), ...c, senderCountry: (c.senderCountry || 'US').toUpperCase() });
        setError(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        const why =
          err instanceof ApiError && err.status === 404
            ? "The server doesn't provide /ui-config.json — is this page served by Redial's api app?"
            : errorMessage(err);
        setError(`Couldn't load this deployment's settings. ${why}`);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return <ConfigContext.Provider value={{ config, loading, error, reload }}>{children}</ConfigContext.Provider>;
}

export const useConfig = (): ConfigState => useContext(ConfigContext);

/** The loaded config, or the fallback once loading has failed. */
export function useEffectiveConfig(): UiConfig | null {
  const { config, loading } = useConfig();
  if (config) return config;
  return loading ? null : fallbackConfig();
}

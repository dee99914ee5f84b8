/**
 * Sign-in: a local account (password, then the authenticator code when enrolled) and/or the
 * organisation's identity provider, as GET /auth/config says; a way to apply for access.
 */
import { useState, type FormEvent } from 'react';
import { getAuthConfig, login, oidcStartUrl } from '../../api/auth';
import { ApiError } from '../../api/client';
import { Link } from '../../app/router';
import { useServer } from '../../app/server-context';
import { useResource } from '../../app/use-resource';
import { ErrorMessage, useErrorText } from '../../components/error-message';
import { useI18n } from '../../i18n/i18n';

/** An error code the identity provider's callback put in /sign-in?error=… */
function callbackError(): string | null {
  const code = new URLSearchParams(window.location.search).get('error');
  return code && /^ERR_[A-Z0-9_]{1,60}$/.test(code) ? code : null;
}

export default function SignInPage() {
  const { t } = useI18n();
  const { refresh } = useServer();
  const config = useResource((s) => getAuthConfig(s), []);
  const errorText = useErrorText();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fromProvider = callbackError();
  // Come back to the screen that asked for sign-in.
  const returnTo = `/${window.location.hash || '#/analyze'}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login({ username, password, ...(needCode && code ? { code } : {}) });
      if (window.location.pathname !== '/') window.history.replaceState(null, '', returnTo);
      refresh();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'ERR_AUTH_CODE_REQUIRED') {
        setNeedCode(true);
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  const c = config.data;
  return (
    <div className="page sign-in" data-testid="sign-in">
      <h2>{t('auth.signInTitle')}</h2>
      {fromProvider && (
        <p className="error" role="alert">
          {errorText(new ApiError(401, fromProvider, fromProvider))}
        </p>
      )}
      {!c ? (
        config.error ? (
          <ErrorMessage error={config.error} onRetry={config.reload} />
        ) : (
          <p role="status">{t('app.loading')}</p>
        )
      ) : (
        <>
          {c.methods.oidc && (
            <p>
              <a className="button primary" href={oidcStartUrl(returnTo)} data-testid="oidc-sign-in">
                {t('auth.signInWithProvider')}
              </a>
            </p>
          )}
          {c.methods.local && (
            <form className="form-grid narrow" onSubmit={(e) => void submit(e)} aria-labelledby="local-h">
              <h3 id="local-h">{t('auth.localAccount')}</h3>
              <label htmlFor="username">{t('auth.username')}</label>
              <input
                id="username"
                autoComplete="username"
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                required
                maxLength={200}
              />
              <label htmlFor="password">{t('auth.password')}</label>
              <input
                id="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
                maxLength={1024}
              />
              {needCode && (
                <>
                  <label htmlFor="code">{t('auth.code')}</label>
                  <input
                    id="code"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    value={code}
                    onChange={(e) => setCode(e.target.value.trim())}
                    aria-describedby="code-help"
                    required
                    maxLength={32}
                    // The field appears because the server asked for it: take the user straight there.
                    autoFocus
                  />
                  <small id="code-help" className="help">
                    {t('auth.codeHelp')}
                  </small>
                </>
              )}
              <div className="row-buttons">
                <button type="submit" className="primary" disabled={busy}>
                  {t('auth.signIn')}
                </button>
              </div>
              {error !== null && <ErrorMessage error={error} />}
            </form>
          )}
          {(c.accessRequests.anonymous || c.accessRequests.signedIn) && (
            <p>
              {t('auth.noAccess')} <Link to="/request-access">{t('auth.requestAccess')}</Link>
            </p>
          )}
        </>
      )}
    </div>
  );
}

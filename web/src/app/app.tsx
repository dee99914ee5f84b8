/** The shell: header with navigation and language, the single-user banner, and the routed screen. */
import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { LANGUAGES, setLanguage, useI18n, type Language } from '../i18n/i18n';
import AnalyzePage from '../features/analyze/analyze-page';
import { SpecimenProvider } from '../features/analyze/specimen-store';
import { logout, roleAtLeast, type Role } from '../api/auth';
import { matchPath, usePath, Link } from './router';
import { ServerProvider, useServer } from './server-context';

// Everything but the first screen loads on demand, keeping the first screen's JavaScript small.
const LivePage = lazy(() => import('../features/live/live-page'));
const HistoryPage = lazy(() => import('../features/history/history-page'));
const AnalysisPage = lazy(() => import('../features/history/analysis-page'));
const SpecimenPage = lazy(() => import('../features/history/specimen-page'));
const ModelsPage = lazy(() => import('../features/models/models-page'));
const AdminPage = lazy(() => import('../features/admin/admin-page'));
const DataHandlingPage = lazy(() => import('../features/data-handling/data-handling-page'));
const SignInPage = lazy(() => import('../features/account/sign-in-page'));
const RequestAccessPage = lazy(() => import('../features/account/request-access-page'));
const AccountPage = lazy(() => import('../features/account/account-page'));

type Page =
  | ComponentType<{ params: Record<string, string> }>
  | LazyExoticComponent<ComponentType<{ params: Record<string, string> }>>;

const ROUTES: readonly { pattern: string; page: Page; nav?: NavKey }[] = [
  { pattern: '/', page: AnalyzePage, nav: 'analyze' },
  { pattern: '/analyze', page: AnalyzePage, nav: 'analyze' },
  { pattern: '/live', page: LivePage, nav: 'live' },
  { pattern: '/history', page: HistoryPage, nav: 'history' },
  { pattern: '/analyses/:id', page: AnalysisPage, nav: 'history' },
  { pattern: '/specimens/:id', page: SpecimenPage, nav: 'history' },
  { pattern: '/models', page: ModelsPage, nav: 'models' },
  { pattern: '/admin', page: AdminPage, nav: 'admin' },
  { pattern: '/admin/:section', page: AdminPage, nav: 'admin' },
  { pattern: '/data-handling', page: DataHandlingPage, nav: 'dataHandling' },
  { pattern: '/sign-in', page: SignInPage },
  { pattern: '/request-access', page: RequestAccessPage },
  { pattern: '/account', page: AccountPage },
];

/** Screens anyone may open without signing in. */
const PUBLIC_PATHS = new Set(['/sign-in', '/request-access', '/data-handling']);

type NavKey = 'analyze' | 'live' | 'history' | 'models' | 'admin' | 'dataHandling';
/** Each screen with the least role that can use it (the server enforces the same). */
const NAV: readonly { key: NavKey; to: string; role: Role | null }[] = [
  { key: 'analyze', to: '/analyze', role: 'analyst' },
  { key: 'live', to: '/live', role: 'analyst' },
  { key: 'history', to: '/history', role: 'viewer' },
  { key: 'models', to: '/models', role: 'viewer' },
  { key: 'admin', to: '/admin', role: 'admin' },
  { key: 'dataHandling', to: '/data-handling', role: null },
];

export function App() {
  return (
    <ServerProvider>
      <SpecimenProvider>
        <Shell />
      </SpecimenProvider>
    </ServerProvider>
  );
}

function Shell() {
  const { t, lng } = useI18n();
  const hashPath = usePath();
  const { me, signedOut, auth, refresh } = useServer();
  // The identity provider's callback returns to /sign-in?error=… (a real path, not a hash route).
  const path = window.location.pathname === '/sign-in' ? '/sign-in' : hashPath;
  let match: { page: Page; params: Record<string, string>; nav?: NavKey } | null = null;
  for (const r of ROUTES) {
    const params = matchPath(r.pattern, path);
    if (params) {
      match = { page: r.page, params, ...(r.nav ? { nav: r.nav } : {}) };
      break;
    }
  }
  let Page = match?.page ?? AnalyzePage;
  // Signed out: every screen but the public ones asks for sign-in first, then comes back.
  if (signedOut && !PUBLIC_PATHS.has(path)) Page = SignInPage;
  // Signed in without a role yet: the only thing to do is to apply for one.
  else if (me?.role === 'none' && !PUBLIC_PATHS.has(path) && path !== '/account') Page = RequestAccessPage;
  // Home is Analyze for those who may submit fields, History for viewers.
  else if ((path === '/' || path === '/analyze') && me && !roleAtLeast(me.role, 'analyst'))
    Page = HistoryPage;
  const visibleNav = NAV.filter((n) => n.role === null || (me && roleAtLeast(me.role, n.role)));
  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        <Link to="/analyze" className="brand">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </Link>
        <nav aria-label={t('nav.label')}>
          <ul>
            {visibleNav.map((n) => (
              <li key={n.key}>
                <Link to={n.to} aria-current={match?.nav === n.key ? 'page' : undefined}>
                  {t(`nav.${n.key}`)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="header-tools">
          {me?.user && me.mode === 'multi-user' && (
            <>
              <Link to="/account" className="user" data-testid="account-link">
                {t('app.signedInAs', { name: me.user.name })} · {t(`roles.${me.role}`)}
              </Link>
              <button
                type="button"
                className="header-button"
                onClick={() => {
                  logout().then(refresh, refresh);
                }}
              >
                {t('auth.signOut')}
              </button>
            </>
          )}
          {signedOut && Page !== SignInPage && (
            <Link to="/sign-in" className="user">
              {t('auth.signIn')}
            </Link>
          )}
          <label htmlFor="language" className="visually-hidden">
            {t('app.language')}
          </label>
          <select
            id="language"
            value={lng}
            onChange={(e) => setLanguage(e.target.value as Language)}
            data-testid="language"
          >
            {LANGUAGES.map((l) => (
              <option key={l} value={l} lang={l}>
                {l === 'en' ? 'English' : '日本語'}
              </option>
            ))}
          </select>
        </div>
      </header>
      {(auth?.mode ?? me?.mode) === 'single-user' && (
        <p className="banner" role="note" data-testid="single-user-banner">
          {t('app.singleUser')}
        </p>
      )}
      {/* Focusable so keyboard users can scroll long screens (the main element is the scroller). */}
      <main id="main" tabIndex={0}>
        <Suspense fallback={<p role="status">{t('app.loading')}</p>}>
          <Page params={match?.params ?? {}} />
        </Suspense>
      </main>
    </>
  );
}

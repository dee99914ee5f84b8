/** The shell: header with navigation and language, the single-user banner, and the routed screen. */
import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { LANGUAGES, setLanguage, useI18n, type Language } from '../i18n/i18n';
import AnalyzePage from '../features/analyze/analyze-page';
import { SpecimenProvider } from '../features/analyze/specimen-store';
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
];

type NavKey = 'analyze' | 'live' | 'history' | 'models' | 'admin' | 'dataHandling';
const NAV: readonly { key: NavKey; to: string }[] = [
  { key: 'analyze', to: '/analyze' },
  { key: 'live', to: '/live' },
  { key: 'history', to: '/history' },
  { key: 'models', to: '/models' },
  { key: 'admin', to: '/admin' },
  { key: 'dataHandling', to: '/data-handling' },
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
  const path = usePath();
  const { me } = useServer();
  let match: { page: Page; params: Record<string, string>; nav?: NavKey } | null = null;
  for (const r of ROUTES) {
    const params = matchPath(r.pattern, path);
    if (params) {
      match = { page: r.page, params, ...(r.nav ? { nav: r.nav } : {}) };
      break;
    }
  }
  const Page = match?.page ?? AnalyzePage;
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
            {NAV.map((n) => (
              <li key={n.key}>
                <Link to={n.to} aria-current={match?.nav === n.key ? 'page' : undefined}>
                  {t(`nav.${n.key}`)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="header-tools">
          {me?.user && <span className="user">{t('app.signedInAs', { name: me.user.name })}</span>}
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
      {me?.mode === 'single-user' && (
        <p className="banner" role="note">
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

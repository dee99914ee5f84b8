/** History: past analyses, newest first, filtered on the server, paged with a cursor. */
import { useEffect, useState } from 'react';
import { listAnalyses, type AnalysisListItem, type ListQuery } from '../../api/analyses';
import { ApiError } from '../../api/client';
import { Link } from '../../app/router';
import { useServer } from '../../app/server-context';
import { ErrorMessage } from '../../components/error-message';
import { Unavailable } from '../../components/unavailable';
import { findingFromEnglish, formatDateTime, useI18n } from '../../i18n/i18n';
import { MORPHOTYPE_KEYS, MORPHOTYPES, NO_ORGANISMS } from '../../../../src/domain/taxonomy.js';

const PAGE_SIZE = 50;

type Status = '' | 'preliminary' | 'final';

interface Filters {
  specimen: string;
  finding: string;
  status: Status;
  engine: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { specimen: '', finding: '', status: '', engine: '', from: '', to: '' };

function toQuery(f: Filters): Omit<ListQuery, 'limit' | 'cursor'> {
  return {
    ...(f.specimen.trim() ? { specimen: f.specimen.trim() } : {}),
    ...(f.finding ? { q: f.finding } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.engine ? { engine: f.engine } : {}),
    // Dates are the user's local days; the server compares ISO instants.
    ...(f.from ? { from: new Date(`${f.from}T00:00:00`).toISOString() } : {}),
    ...(f.to ? { to: new Date(`${f.to}T23:59:59.999`).toISOString() } : {}),
  };
}

export default function HistoryPage() {
  const { t, lng } = useI18n();
  const { engines, capabilities } = useServer();
  const hasSpecimens = capabilities?.has('get', '/specimens/{id}') ?? false;
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [items, setItems] = useState<AnalysisListItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = (f: Filters, cursor: string | null, signal?: AbortSignal) => {
    setLoading(true);
    setError(null);
    listAnalyses({ limit: PAGE_SIZE, cursor, ...toQuery(f) }, signal).then(
      (page) => {
        setItems((prev) => (cursor ? [...prev, ...page.items] : page.items));
        setNext(page.next);
        setLoading(false);
      },
      (err: unknown) => {
        if (signal?.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
  };

  // Re-query as filters change; a short pause lets typing in the specimen box settle first.
  useEffect(() => {
    const ctl = new AbortController();
    const timer = setTimeout(() => load(filters, null, ctl.signal), 250);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [filters]);

  if (error instanceof ApiError && error.unavailable)
    return (
      <div className="page">
        <Unavailable feature={t('history.title')} />
      </div>
    );

  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  const findingOptions = [
    ...MORPHOTYPE_KEYS.filter((k) => MORPHOTYPES[k].organism).map((k) => MORPHOTYPES[k]),
    NO_ORGANISMS,
  ];

  return (
    <div className="page" data-testid="history">
      <h2>{t('history.title')}</h2>
      <form className="filters-bar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('history.specimen')}
          <input
            type="search"
            value={filters.specimen}
            onChange={(e) => set({ specimen: e.target.value })}
            maxLength={64}
          />
        </label>
        <label>
          {t('history.finding')}
          <select value={filters.finding} onChange={(e) => set({ finding: e.target.value })}>
            <option value="">{t('history.filterAll')}</option>
            {findingOptions.map((m) => (
              <option key={m.en} value={m.en}>
                {m[lng]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('history.filterStatus')}
          <select value={filters.status} onChange={(e) => set({ status: e.target.value as Status })}>
            <option value="">{t('history.statusAny')}</option>
            <option value="preliminary">{t('history.statusPreliminary')}</option>
            <option value="final">{t('history.statusSignedOff')}</option>
          </select>
        </label>
        {engines && engines.engines.length > 1 && (
          <label>
            {t('history.engine')}
            <select value={filters.engine} onChange={(e) => set({ engine: e.target.value })}>
              <option value="">{t('history.filterAll')}</option>
              {engines.engines.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('history.from')}
          <input type="date" value={filters.from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        <label>
          {t('history.to')}
          <input type="date" value={filters.to} onChange={(e) => set({ to: e.target.value })} />
        </label>
        <button type="button" onClick={() => setFilters(EMPTY)}>
          {t('history.clear')}
        </button>
      </form>
      {error !== null && <ErrorMessage error={error} onRetry={() => load(filters, null)} />}
      {!loading && items.length === 0 && error === null ? (
        <p>{filters === EMPTY ? t('history.none') : t('history.empty')}</p>
      ) : (
        <table className="table" data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">{t('history.when')}</th>
              <th scope="col">{t('history.specimen')}</th>
              <th scope="col">{t('history.finding')}</th>
              <th scope="col">{t('history.gram')}</th>
              <th scope="col" className="num">
                {t('history.detections')}
              </th>
              <th scope="col">{t('history.engine')}</th>
              <th scope="col">{t('history.status')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('history.open')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => {
              const final = a.status === 'final' || a.status === 'signed-off';
              return (
                <tr key={a.id}>
                  <td>{formatDateTime(a.createdAt, lng)}</td>
                  <td>
                    {a.specimen && hasSpecimens ? (
                      <Link to={`/specimens/${encodeURIComponent(a.specimen)}`}>{a.specimen}</Link>
                    ) : (
                      (a.specimen ?? '—')
                    )}
                  </td>
                  <td data-testid="history-finding">
                    {lng === 'ja' ? (a.findingJa ?? findingFromEnglish(a.finding, lng)) : a.finding}
                  </td>
                  <td>
                    +{a.gram.positive} / −{a.gram.negative}
                  </td>
                  <td className="num">{a.detectionCount}</td>
                  <td>{a.engine}</td>
                  <td>
                    <span className={`badge ${final ? 'signed-off' : ''}`}>
                      {final ? t('history.statusSignedOff') : t('history.statusPreliminary')}
                    </span>
                  </td>
                  <td>
                    <Link
                      to={`/analyses/${encodeURIComponent(a.id)}`}
                      aria-label={`${t('history.open')}: ${a.id}`}
                    >
                      {t('history.open')}
                    </Link>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {loading && <p role="status">{t('app.loading')}</p>}
      {next && !loading && (
        <button type="button" onClick={() => load(filters, next)}>
          {t('history.loadMore')}
        </button>
      )}
    </div>
  );
}

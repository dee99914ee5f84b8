/** History: past analyses, newest first, searchable and filterable, paged from the server. */
import { useEffect, useMemo, useState } from 'react';
import { listAnalyses, reviewOf, type AnalysisResult } from '../../api/analyses';
import { ApiError } from '../../api/client';
import { Link } from '../../app/router';
import { ErrorMessage } from '../../components/error-message';
import { Unavailable } from '../../components/unavailable';
import { formatDateTime, formatScore, labelName, localised, useI18n } from '../../i18n/i18n';
import { LABEL_LIST } from '../../../../src/domain/taxonomy.js';

const PAGE_SIZE = 50;

type Status = '' | 'preliminary' | 'signed-off';

export default function HistoryPage() {
  const { t, lng } = useI18n();
  const [items, setItems] = useState<AnalysisResult[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [q, setQ] = useState('');
  const [label, setLabel] = useState('');
  const [status, setStatus] = useState<Status>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  const load = (cursor: string | null, signal?: AbortSignal) => {
    setLoading(true);
    setError(null);
    listAnalyses({ limit: PAGE_SIZE, cursor }, signal).then(
      (page) => {
        setItems((prev) => (cursor ? [...prev, ...page.items] : page.items));
        setNext(page.next);
        setTotal(page.total);
        setLoading(false);
      },
      (err: unknown) => {
        if (signal?.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
  };

  useEffect(() => {
    const ctl = new AbortController();
    load(null, ctl.signal);
    return () => ctl.abort();
  }, []);

  const filtered = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const fromT = from ? new Date(`${from}T00:00:00`).getTime() : -Infinity;
    const toT = to ? new Date(`${to}T23:59:59.999`).getTime() : Infinity;
    return items.filter((a) => {
      const created = new Date(a.createdAt).getTime();
      if (created < fromT || created > toT) return false;
      if (label && a.summary.differential[0]?.label !== label) return false;
      if (status) {
        const s = reviewOf(a).status;
        if (status === 'signed-off' ? s !== 'signed-off' : s === 'signed-off') return false;
      }
      if (needle) {
        const hay = [a.id, a.specimen ?? '', a.summary.finding.en, a.summary.finding.ja].join(' ').toLowerCase();
        if (!hay.includes(needle)) return false;
      }
      return true;
    });
  }, [items, q, label, status, from, to]);

  if (error instanceof ApiError && error.unavailable) return <div className="page"><Unavailable feature={t('history.title')} /></div>;

  return (
    <div className="page" data-testid="history">
      <h2>{t('history.title')}</h2>
      <form className="filters-bar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('history.search')}
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <label>
          {t('history.filterLabel')}
          <select value={label} onChange={(e) => setLabel(e.target.value)}>
            <option value="">{t('history.filterAll')}</option>
            {LABEL_LIST.filter((l) => l.key !== 'rbc').map((l) => (
              <option key={l.key} value={l.key}>
                {l[lng]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('history.filterStatus')}
          <select value={status} onChange={(e) => setStatus(e.target.value as Status)}>
            <option value="">{t('history.statusAny')}</option>
            <option value="preliminary">{t('history.statusPreliminary')}</option>
            <option value="signed-off">{t('history.statusSignedOff')}</option>
          </select>
        </label>
        <label>
          {t('history.from')}
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t('history.to')}
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </form>
      {total !== null && <p className="help">{t('history.total', { count: total })}{next ? ` — ${t('history.filterNote')}` : ''}</p>}
      {error !== null && <ErrorMessage error={error} onRetry={() => load(null)} />}
      {!loading && items.length === 0 && error === null ? (
        <p>{t('history.none')}</p>
      ) : (
        <table className="table" data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">{t('history.when')}</th>
              <th scope="col">{t('history.specimen')}</th>
              <th scope="col">{t('history.finding')}</th>
              <th scope="col">{t('history.top')}</th>
              <th scope="col">{t('history.engine')}</th>
              <th scope="col">{t('history.status')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('history.open')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {filtered.map((a) => {
              const top = a.summary.differential[0];
              const st = reviewOf(a).status;
              return (
                <tr key={a.id}>
                  <td>{formatDateTime(a.createdAt, lng)}</td>
                  <td>{a.specimen ?? '—'}</td>
                  <td>{localised(a.summary.finding, lng)}</td>
                  <td>{top ? `${labelName(top.label, lng)} (${formatScore(top.score)})` : '—'}</td>
                  <td>
                    {a.engine.name}
                    {a.engine.model ? ` · ${a.engine.model.name}` : ''}
                  </td>
                  <td>
                    <span className={`badge ${st}`}>
                      {st === 'signed-off' ? t('history.statusSignedOff') : t('history.statusPreliminary')}
                    </span>
                  </td>
                  <td>
                    <Link to={`/analyses/${encodeURIComponent(a.id)}`}>{t('history.open')}</Link>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {!loading && items.length > 0 && filtered.length === 0 && <p>{t('history.empty')}</p>}
      {loading && <p role="status">{t('app.loading')}</p>}
      {next && !loading && (
        <button type="button" onClick={() => load(next)}>
          {t('history.loadMore')}
        </button>
      )}
    </div>
  );
}

/** One stored analysis, opened from History or a link: the full result view with review. */
import { getAnalysis } from '../../api/analyses';
import { ApiError, apiUrl } from '../../api/client';
import { Link } from '../../app/router';
import { useResource } from '../../app/use-resource';
import { ErrorMessage } from '../../components/error-message';
import { useI18n } from '../../i18n/i18n';
import { ResultView } from '../result/result-view';

export default function AnalysisPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const id = params.id ?? '';
  const resource = useResource((signal) => getAnalysis(id, signal), [id]);
  // The original field exists only while the server keeps it (GRAMSCOPE_RETAIN_IMAGES, then the
  // retention period); the result says which, so no request is made for an image that is gone.
  const imageUrl =
    resource.data?.storedImage?.status === 'retained'
      ? apiUrl(`/api/v1/analyses/${encodeURIComponent(id)}/original.png`)
      : null;

  if (resource.error) {
    const notFound = resource.error instanceof ApiError && resource.error.status === 404;
    return (
      <div className="page">
        {notFound ? (
          <p role="alert">{t('analysis.notFound')}</p>
        ) : (
          <ErrorMessage error={resource.error} onRetry={resource.reload} />
        )}
        <Link to="/history">{t('analysis.back')}</Link>
      </div>
    );
  }
  if (!resource.data)
    return (
      <p role="status" className="page">
        {t('app.loading')}
      </p>
    );
  return <ResultView result={resource.data} imageUrl={imageUrl} onUpdated={resource.set} />;
}

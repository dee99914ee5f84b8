import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { Resource } from '../app/use-resource';
import { useI18n } from '../i18n/i18n';
import { ErrorMessage } from './error-message';
import { Unavailable } from './unavailable';

/** Renders a loaded resource, or its loading, unavailable, forbidden or error state. */
export function ResourceView<T>({
  resource,
  feature,
  children,
}: {
  resource: Resource<T>;
  feature: string;
  children: (data: T) => ReactNode;
}) {
  const { t } = useI18n();
  if (resource.error) {
    const err = resource.error;
    if (err instanceof ApiError && err.unavailable) return <Unavailable feature={feature} />;
    if (err instanceof ApiError && err.status === 403) return <p role="status">{t('common.forbidden')}</p>;
    if (err instanceof ApiError && err.status === 401)
      return <p role="status">{t('common.signInRequired')}</p>;
    return <ErrorMessage error={err} onRetry={resource.reload} />;
  }
  if (resource.data === undefined) return <p role="status">{t('app.loading')}</p>;
  return <>{children(resource.data)}</>;
}

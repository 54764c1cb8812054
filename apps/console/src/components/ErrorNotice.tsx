import { Alert, Button } from 'antd';
import type { ApiFailure } from '../api/errors.js';
import { useI18n } from '../i18n/index.js';

/**
 * An API failure as the user sees it: the API's own message (it names what is wrong) and the correlation
 * id to quote to ops staff, who find the whole story in the server log under it.
 */
export function ErrorNotice({ error, onRetry }: { error: ApiFailure; onRetry?: () => void }) {
  const { t } = useI18n();
  const message = error.status === 0 ? t('error.network') : error.message;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={error.correlationId ? t('error.withCorrelation', { message, requestId: error.correlationId }) : message}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('action.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}

import { Alert, Button, Card, Form, Input, List, Skeleton, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { ApiFailure, unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LanguageSwitch } from '../../components/LanguageSwitch.js';
import { useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';

/**
 * Sign-in: on the development stack (`npm start`) a list of its development users, one click each; on
 * any server, a field to paste an access token from the deployment's identity provider.
 */
export function SignInPage() {
  const { t } = useI18n();
  const { signIn, expired } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [failure, setFailure] = useState<ApiFailure>();
  const [busy, setBusy] = useState<string>();
  // A 404 means the server is not the development stack: the list is simply not offered.
  const identities = useApi(() => unwrap(api.GET('/dev/identities')).catch((error: unknown) => (error instanceof ApiFailure && error.status === 404 ? { items: [] } : Promise.reject(error))), []);
  const returnTo = (location.state as { from?: string } | null)?.from ?? '/';

  const enter = async (token: () => Promise<string>, key: string) => {
    setBusy(key);
    setFailure(undefined);
    try {
      await signIn(await token());
      await navigate(returnTo, { replace: true });
    } catch (error) {
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, undefined));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <main className="pf-sign-in">
      <Card title={<Typography.Title level={1} className="pf-page-title">{t('signIn.title')}</Typography.Title>} extra={<LanguageSwitch />}>
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          {expired && <Alert type="warning" showIcon title={t('signIn.expired')} />}
          {failure && <ErrorNotice error={failure} />}
          {identities.error && <ErrorNotice error={identities.error} onRetry={identities.reload} />}
          {/* Until the server has said whether it offers development users, neither way in is shown: the list
              would otherwise arrive above the token field and push it down under the reader's eyes. */}
          {!identities.data && !identities.error && <Skeleton active paragraph={{ rows: 6 }} />}
          {(identities.data?.items.length ?? 0) > 0 && (
            <section aria-labelledby="dev-users">
              <Typography.Title level={2} id="dev-users" className="pf-section-title">
                {t('signIn.devUsers')}
              </Typography.Title>
              <Typography.Paragraph type="secondary">{t('signIn.devUsersHint')}</Typography.Paragraph>
              <List
                dataSource={identities.data?.items ?? []}
                renderItem={(identity) => (
                  <List.Item
                    actions={[
                      <Button
                        key="enter"
                        type="primary"
                        loading={busy === identity.userId}
                        aria-label={t('signIn.as', { name: identity.name })}
                        onClick={() => void enter(async () => (await unwrap(api.POST('/dev/sign-in', { body: { userId: identity.userId } }))).token, identity.userId)}
                      >
                        {t('signIn.enter')}
                      </Button>,
                    ]}
                  >
                    <List.Item.Meta
                      title={identity.name}
                      description={
                        <Space wrap size={4}>
                          <Typography.Text code>{identity.userId}</Typography.Text>
                          {identity.roles.map((role) => (
                            <Tag key={role}>{role}</Tag>
                          ))}
                          <Tag color="blue">{identity.jurisdiction}</Tag>
                          {identity.vendorName && <Tag color="purple">{identity.vendorName}</Tag>}
                        </Space>
                      }
                    />
                  </List.Item>
                )}
              />
            </section>
          )}
          {(identities.data || identities.error) && (
            <section aria-labelledby="paste-token">
              <Typography.Title level={2} id="paste-token" className="pf-section-title">
                {t('signIn.token')}
              </Typography.Title>
              <Typography.Paragraph type="secondary">{t('signIn.tokenHint')}</Typography.Paragraph>
              <Form layout="vertical" onFinish={(values: { token: string }) => void enter(async () => values.token, 'token')}>
                <Form.Item name="token" label={t('signIn.tokenLabel')} rules={[{ required: true, whitespace: true, message: t('signIn.tokenRequired') }]}>
                  <Input.TextArea rows={3} autoComplete="off" spellCheck={false} />
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={busy === 'token'}>
                  {t('signIn.submit')}
                </Button>
              </Form>
            </section>
          )}
        </Space>
      </Card>
    </main>
  );
}

import { Card, Descriptions, List, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n/index.js';
import { visibleNavigation } from '../../routes.js';
import { useSession } from '../../session/session.js';

/** Who you are and where your roles take you: the page after sign-in when no other page fits. */
export function HomePage() {
  const { t, dateTime } = useI18n();
  const { user } = useSession();
  if (!user) return null;
  const pages = visibleNavigation(user.roles).filter((entry) => entry.path !== '/home');
  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('home.title', { name: user.name })}
      </Typography.Title>
      <Card>
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('session.user')}>{user.userId}</Descriptions.Item>
          <Descriptions.Item label={t('session.roles')}>
            {user.roles.map((role) => (
              <Tag key={role}>{role}</Tag>
            ))}
          </Descriptions.Item>
          <Descriptions.Item label={t('session.jurisdiction')}>{user.jurisdiction}</Descriptions.Item>
          {user.vendorId && <Descriptions.Item label={t('session.vendor')}>{user.vendorId}</Descriptions.Item>}
          {user.expiresAt && <Descriptions.Item label={t('session.expires')}>{dateTime(user.expiresAt)}</Descriptions.Item>}
        </Descriptions>
      </Card>
      {pages.length > 0 && (
        <Card title={t('home.pages')} className="pf-section">
          <List dataSource={pages} renderItem={(entry) => <List.Item><Link to={entry.path}>{t(entry.label)}</Link></List.Item>} />
        </Card>
      )}
    </>
  );
}

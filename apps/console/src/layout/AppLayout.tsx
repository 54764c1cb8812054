import { Button, Drawer, Grid, Layout, Menu, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session/session.js';
import { visibleNavigation } from '../routes.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';

/**
 * The frame of every signed-in page: who you are (name, roles, jurisdiction), the pages your roles may
 * use, the language switch and sign-out. On a phone-width screen the menu moves into a drawer.
 */
export function AppLayout() {
  const { t } = useI18n();
  const { user, signOut } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const narrow = screens.md === false;
  const items = visibleNavigation(user?.roles ?? []).map((entry) => ({ key: entry.path, icon: entry.icon, label: <Link to={entry.path}>{t(entry.label)}</Link> }));
  // The most specific entry only: /ops/processes/… is under "/ops/processes", not also under "/ops".
  const selected = items
    .filter((item) => location.pathname === item.key || location.pathname.startsWith(`${item.key}/`))
    .map((item) => item.key)
    .sort((a, b) => b.length - a.length)
    .slice(0, 1);
  const menu = <Menu mode="inline" selectedKeys={selected} items={items} onClick={() => setDrawerOpen(false)} aria-label={t('nav.label')} />;

  return (
    <Layout className="pf-shell">
      <a className="pf-skip-link" href="#main">
        {t('nav.skipToContent')}
      </a>
      <Layout.Header className="pf-header">
        <Space size="middle" className="pf-header-start">
          {narrow && (
            <Button onClick={() => setDrawerOpen(true)} aria-label={t('nav.open')}>
              ☰
            </Button>
          )}
          <Link to="/" className="pf-brand">
            {t('app.name')}
          </Link>
        </Space>
        <Space size="small" wrap className="pf-header-end">
          {user && (
            <span className="pf-user" aria-label={t('session.who')}>
              <Typography.Text strong>{user.name}</Typography.Text>
              {!narrow && user.roles.map((role) => <Tag key={role}>{role}</Tag>)}
              {!narrow && <Tag color="blue">{user.jurisdiction}</Tag>}
            </span>
          )}
          <LanguageSwitch />
          <Button
            size="small"
            onClick={() => {
              signOut();
              void navigate('/sign-in');
            }}
          >
            {t('session.signOut')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout>
        {narrow ? (
          <Drawer open={drawerOpen} onClose={() => setDrawerOpen(false)} placement="left" title={t('nav.label')} size={260}>
            {menu}
          </Drawer>
        ) : (
          <Layout.Sider width={220} theme="light" className="pf-sider">
            {menu}
          </Layout.Sider>
        )}
        <Layout.Content id="main" tabIndex={-1} className="pf-content">
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

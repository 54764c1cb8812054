import { LoadingOutlined } from '@ant-design/icons';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCNLocale from 'antd/locale/zh_CN';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { I18nProvider, useI18n } from './i18n/index.js';
import { SessionProvider } from './session/session.js';
import './styles.css';

/**
 * Ant Design's default secondary and placeholder greys fall short of WCAG AA contrast (4.5:1) on white;
 * these meet it, so hints, descriptions, links and error text (and danger buttons) stay readable.
 */
const ACCESSIBLE_THEME = {
  token: { colorPrimary: '#1d4ed8', colorLink: '#1d4ed8', colorError: '#c41d1d', colorTextSecondary: '#595959', colorTextDescription: '#595959', colorTextTertiary: '#595959', colorTextPlaceholder: '#707070' },
};

/**
 * A busy button shows this spinner, hidden from assistive technology so the button keeps its name ("Register",
 * not "loading Register"). It is also drawn without Ant Design's collapse animation, whose end event can be
 * lost when a request answers quickly, which used to leave the spinner (and the changed name) on a finished button.
 * Two-character Chinese labels keep the catalog's text ("登记", not Ant Design's spaced "登 记"), so a
 * button's accessible name is exactly its message.
 */
const BUTTON_CONFIG = { loadingIcon: <LoadingOutlined aria-hidden />, autoInsertSpace: false };

/** Ant Design speaks the console's language (date pickers, pagination, empty states). */
function Localised() {
  const { locale } = useI18n();
  return (
    <ConfigProvider locale={locale === 'en' ? enUS : zhCNLocale} theme={ACCESSIBLE_THEME} button={BUTTON_CONFIG}>
      <AntApp>
        <SessionProvider>
          <App />
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <I18nProvider>
      <Localised />
    </I18nProvider>
  </StrictMode>,
);

import { Button } from 'antd';
import { useI18n } from '../i18n/index.js';

/** Switches the console between Chinese and English; labelled in the language it switches to. */
export function LanguageSwitch() {
  const { t, locale, setLocale } = useI18n();
  return (
    <Button size="small" onClick={() => setLocale(locale === 'en' ? 'zh-CN' : 'en')} lang={locale === 'en' ? 'zh-CN' : 'en'}>
      {t('locale.switch')}
    </Button>
  );
}

import type { Browser } from 'playwright-core';
import { consoleContext, horizontalOverflow, launchBrowser, PHONE, screenshot, seriousAccessibilityViolations, signInAs, type ConsoleLocale } from '../support/browser.js';
import { type RunningStack, startStack } from '../support/stack.js';

/**
 * Sign-in and the frame of the console, in a real Chromium against `npm start`'s stack: the development
 * users are offered, a click signs in, the header shows who you are, a pasted token that the API refuses
 * says why, and a signed-out visitor is sent to sign-in and back.
 */
describe('console sign-in', () => {
  let stack: RunningStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack('console-sign-in', { logLevel: 'warn' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it.each<ConsoleLocale>(['zh-CN', 'en'])('offers the development users and signs one in (%s)', async (locale) => {
    const context = await consoleContext(browser, stack.baseUrl, locale);
    const page = await context.newPage();
    await page.goto('/');
    // `/` leads to the console, which sends a visitor without a session to sign-in.
    await page.waitForURL('**/console/sign-in');
    await page.getByText('dev.finance-bureau').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in', locale);

    await signInAs(page, 'dev.finance-bureau');
    // An approver lands on the inbox, its own work, not on a page every role may read.
    await page.waitForURL('**/console/inbox');
    await page.goto('/console/home');
    const header = page.locator('.pf-user');
    expect(await header.textContent()).toContain('finance-bureau');
    expect(await header.textContent()).toContain('zj-deqing');
    expect(await page.locator('html').getAttribute('lang')).toBe(locale);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'home', locale);
    await context.close();
  });

  it('refuses a token the API does not accept, with the reason and the correlation id', async () => {
    const context = await consoleContext(browser, stack.baseUrl, 'en');
    const page = await context.newPage();
    await page.goto('/console/sign-in');
    await page.getByRole('textbox', { name: /Access token/ }).fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).last().click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toMatch(/token/i);
    expect(text).toMatch(/request id [0-9a-f-]{8,}/);
    expect(page.url()).toContain('/console/sign-in');
    await context.close();
  });

  it('signs in with a pasted token, returns to the page asked for, and signs out', async () => {
    const token = await stack.sign({ userId: 'it.admin', name: 'Test administrator', roles: ['administrator'], jurisdiction: 'zj-deqing' });
    const context = await consoleContext(browser, stack.baseUrl, 'en');
    const page = await context.newPage();
    await page.goto('/console/home');
    await page.waitForURL('**/console/sign-in');
    await page.getByRole('textbox', { name: /Access token/ }).fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).last().click();
    await page.waitForURL('**/console/home');
    expect(await page.locator('.pf-user').textContent()).toContain('Test administrator');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/console/sign-in');
    // The token is gone with the session: reloading a signed-in page asks for sign-in again.
    await page.goto('/console/home');
    await page.waitForURL('**/console/sign-in');
    await context.close();
  });

  it('lands each role on its own work: administrators on cycles, vendors on the inbox, ops staff on the overview', async () => {
    const landings: Record<string, string> = {};
    for (const userId of ['dev.administrator', 'dev.vendor.1', 'dev.ops']) {
      const context = await consoleContext(browser, stack.baseUrl, 'zh-CN');
      const page = await context.newPage();
      await signInAs(page, userId);
      await page.waitForURL((url) => !url.pathname.endsWith('/sign-in') && url.pathname !== '/console/');
      landings[userId] = new URL(page.url()).pathname;
      await context.close();
    }
    expect(landings).toEqual({ 'dev.administrator': '/console/cycles', 'dev.vendor.1': '/console/inbox', 'dev.ops': '/console/ops' });
  });

  it('switches the sign-in page to English before anyone signs in', async () => {
    const context = await consoleContext(browser, stack.baseUrl, 'zh-CN');
    const page = await context.newPage();
    await page.goto('/console/sign-in');
    await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await context.close();
  });

  it('ends a session whose token expired: sign-in says so, and signing in again returns to the page', async () => {
    const identity = { userId: 'it.justice', name: 'Test justice', roles: ['justice-bureau'], jurisdiction: 'zj-deqing' };
    const context = await consoleContext(browser, stack.baseUrl, 'en');
    const page = await context.newPage();
    await page.goto('/console/sign-in');
    await page.getByRole('textbox', { name: /Access token/ }).fill(await stack.sign(identity));
    await page.getByRole('button', { name: 'Sign in', exact: true }).last().click();
    await page.waitForURL('**/console/inbox');
    await page.goto('/console/home');
    await page.locator('.pf-user').waitFor();
    // The same user's token as it is once its hour is over: issued two hours ago, valid for one.
    const expired = await stack.sign(identity, { expiresInSeconds: 3600, now: new Date(Date.now() - 2 * 3600_000) });
    const signInAgain = async () => {
      await page.getByRole('alert').filter({ hasText: 'Your sign-in has expired' }).waitFor();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await page.getByRole('textbox', { name: /Access token/ }).fill(await stack.sign(identity));
      await page.getByRole('button', { name: 'Sign in', exact: true }).last().click();
      await page.waitForURL('**/console/cycles');
      await page.locator('.pf-user').waitFor();
    };

    // Expired while a page is open: the next page's request is refused.
    await page.evaluate(`sessionStorage.setItem('procureflow.token', ${JSON.stringify(expired)})`);
    await page.getByRole('link', { name: 'Cycles' }).first().click();
    await page.waitForURL('**/console/sign-in');
    await signInAgain();

    // Expired while the tab was away: reloading finds the kept token refused.
    await page.evaluate(`sessionStorage.setItem('procureflow.token', ${JSON.stringify(expired)})`);
    await page.reload();
    await page.waitForURL('**/console/sign-in');
    await signInAgain();
    await context.close();
  });

  it('fits a phone-width screen: the menu moves into a drawer', async () => {
    const context = await consoleContext(browser, stack.baseUrl, 'zh-CN', PHONE);
    const page = await context.newPage();
    await signInAs(page, 'dev.justice-bureau');
    await page.getByRole('button', { name: '打开导航' }).click();
    await page.getByRole('dialog').getByRole('link', { name: '首页' }).waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await context.close();
  });
});

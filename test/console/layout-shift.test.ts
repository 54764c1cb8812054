import type { Browser, Page } from 'playwright-core';
import { consoleContext, DESKTOP, launchBrowser, seriousAccessibilityViolations, signInAs, type ConsoleLocale } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { type RunningStack, startStack } from '../support/stack.js';

const JURISDICTION = 'zj-deqing';
const DEQING = 'deqing-community-correction';
/** Google's threshold of a "good" cumulative layout shift. */
const GOOD_LAYOUT_SHIFT = 0.1;

/**
 * Counts every layout shift of the document from its first paint, as Core Web Vitals does (shifts within
 * 500 ms of the user's input excluded), and names the elements that moved, for a failure to point at.
 * Registered before any page script runs, so the shifts while the page loads its data count too.
 * A script string, not a function: this file is compiled for Node, where the page's globals have no types.
 */
const LAYOUT_SHIFT_OBSERVER = `(() => {
  let total = 0;
  const moved = [];
  const count = (entries) => {
    for (const entry of entries) {
      if (entry.hadRecentInput) continue;
      total += entry.value;
      for (const source of entry.sources || []) {
        const node = source.node;
        if (node && node.nodeType === 1) moved.push(node.tagName + (node.className && typeof node.className === 'string' ? '.' + node.className.trim().split(/\\s+/).slice(0, 3).join('.') : '') + ' (' + entry.value.toFixed(3) + ')');
      }
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ type: 'layout-shift', buffered: true });
  window.procureflowLayoutShift = () => {
    count(observer.takeRecords());
    return { total, moved: [...new Set(moved)].slice(0, 8) };
  };
})();`;

// Two frames after the data is shown, so the layout it causes has been done and observed.
const READ_LAYOUT_SHIFT = `new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(window.procureflowLayoutShift()))))`;

interface Shift {
  total: number;
  moved: string[];
}

interface Sweep {
  readonly name: string;
  readonly path: string;
  /** Resolves once the page shows its data (the last thing it loads). */
  ready(page: Page): Promise<void>;
  /** After the measure: brings the page into a further state (a filled form, a dry run, a sealed bid) and checks it with axe. */
  further?(page: Page): Promise<void>;
}

/**
 * The main pages hold still while they load, at the laptop screen the console is designed for (1366×768):
 * each page is loaded, its data awaited, and its cumulative layout shift must stay below 0.1 — space is
 * reserved for what arrives (skeletons of the final size, fixed heights), so nothing jumps under the
 * reader's eyes or pointer. Every page is also checked with axe, in both languages, as are the further
 * states some pages are brought into after the measure.
 */
/** The console's pages at 1366×768, as the sweep visits them (the signed-out ones first, the vendor's view last). */
const SWEPT_PAGES = [
  'sign-in',
  'public-notices',
  'home',
  'inbox',
  'task-draft',
  'cycles',
  'cycle',
  'cycle-launch',
  'definitions',
  'definition',
  'vendors',
  'cases',
  'ops-summary',
  'ops-processes',
  'ops-inspect',
  'cycle (vendor)',
];

describe('console layout shift at 1366×768', () => {
  let stack: RunningStack;
  let browser: Browser;
  /** A cycle waiting for the justice bureau's budget draft. */
  let drafting: string;
  /** A cycle in vendor selection, two vendors' sealed bids in. */
  let bidding: string;
  let draftTaskId: string;
  let vendor: { userId: string; vendorId: string };
  const tokens: Record<string, string> = {};

  async function call<T>(method: 'GET' | 'POST', route: string, role: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${stack.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${tokens[role] ?? ''}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async function openTask(cycleId: string, role: string, nodeId: string): Promise<string> {
    const list = await eventually(
      () => call<{ tasks: Array<{ id: string; nodeId: string }> }>('GET', `/tasks?cycleId=${encodeURIComponent(cycleId)}`, role),
      (answer) => answer.body.tasks.some((task) => task.nodeId === nodeId),
    );
    return list.body.tasks.find((task) => task.nodeId === nodeId)?.id ?? '';
  }

  async function decide(cycleId: string, role: string, nodeId: string, decision: Record<string, unknown>): Promise<void> {
    const id = await openTask(cycleId, role, nodeId);
    const answer = await call('POST', `/tasks/${encodeURIComponent(id)}/decision`, role, { requestId: crypto.randomUUID(), ...decision });
    expect(answer.status).toBe(200);
  }

  async function launch(): Promise<string> {
    const launched = await call<{ cycleId: string }>('POST', '/cycles', 'administrator', { definitionKey: DEQING, inputs: {} });
    expect(launched.status).toBe(201);
    return launched.body.cycleId;
  }

  beforeAll(async () => {
    stack = await startStack('console-layout-shift', { logLevel: 'warn' });
    browser = await launchBrowser();
    for (const role of ['administrator', 'justice-bureau', 'finance-bureau', 'public-resource-office']) {
      tokens[role] = await stack.sign({ userId: `it.${role}`, name: role, roles: [role], jurisdiction: JURISDICTION });
    }
    drafting = await launch();
    draftTaskId = await openTask(drafting, 'justice-bureau', 'draftBudget');

    bidding = await launch();
    await decide(bidding, 'justice-bureau', 'draftBudget', { outcome: 'submit', fields: { supervisedPersons: 120 } });
    await decide(bidding, 'finance-bureau', 'confirmBudget', { outcome: 'approve' });
    await decide(bidding, 'justice-bureau', 'draftPublicInformation', {
      outcome: 'submit',
      fields: { projectName: '版面稳定性测试项目', vendorConditions: '依法登记的社会组织', serviceContent: '社区矫正服务', media: '德清县人民政府网' },
    });
    await decide(bidding, 'public-resource-office', 'determineMethod', { outcome: 'submit', fields: { method: 'competitiveConsultation' } });
    const identities = (await (await fetch(`${stack.baseUrl}/dev/identities`)).json()) as { items: Array<{ userId: string; vendorId?: string }> };
    const vendors = identities.items.filter((identity) => identity.vendorId).slice(0, 2);
    expect(vendors).toHaveLength(2);
    for (const [index, each] of vendors.entries()) {
      tokens[each.userId] = await stack.sign({ userId: each.userId, name: each.userId, roles: ['vendor'], jurisdiction: JURISDICTION, vendorId: each.vendorId ?? '' });
      const bid = await eventually(
        () => call('POST', `/cycles/${encodeURIComponent(bidding)}/bids`, each.userId, { requestId: crypto.randomUUID(), vendorId: each.vendorId, priceFen: 11_000_000 + index }),
        (answer) => answer.status === 200 || answer.status === 201,
        30,
        1000,
      );
      expect([200, 201]).toContain(bid.status);
    }
    vendor = { userId: vendors[0]?.userId ?? '', vendorId: vendors[0]?.vendorId ?? '' };
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const cycleLink = (page: Page, cycleId: string) => page.locator(`a[href$="/cycles/${encodeURIComponent(cycleId)}"]`).first();

  /** The pages each user opens, in the order of the sweep; `undefined` is the visitor who has not signed in. */
  function pagesOf(locale: ConsoleLocale): Array<{ user: string | undefined; pages: Sweep[] }> {
    const zh = locale === 'zh-CN';
    return [
      {
        user: undefined,
        pages: [
          {
            name: 'sign-in',
            path: '/console/sign-in',
            ready: (page) => page.locator('.ant-list-item').filter({ hasText: 'dev.justice-bureau' }).waitFor(),
          },
          {
            name: 'public-notices',
            path: `/console/public/notices?jurisdiction=${JURISDICTION}`,
            ready: (page) => page.locator('.ant-collapse-item').first().waitFor(),
          },
        ],
      },
      {
        user: 'dev.justice-bureau',
        pages: [
          { name: 'home', path: '/console/home', ready: (page) => page.locator('.pf-content h1').waitFor() },
          { name: 'inbox', path: '/console/inbox', ready: (page) => page.locator(`a[href$="/tasks/${encodeURIComponent(draftTaskId)}"]`).first().waitFor() },
          {
            name: 'task-draft',
            path: `/console/tasks/${encodeURIComponent(draftTaskId)}`,
            ready: (page) => page.locator('#fields_supervisedPersons').waitFor(),
          },
        ],
      },
      {
        user: 'dev.administrator',
        pages: [
          {
            name: 'cycles',
            path: '/console/cycles',
            ready: async (page) => {
              await cycleLink(page, drafting).waitFor();
              await cycleLink(page, bidding).waitFor();
            },
          },
          { name: 'cycle', path: `/console/cycles/${encodeURIComponent(bidding)}`, ready: (page) => page.locator('[data-step="vendorSelection"][data-state="current"]').waitFor() },
          {
            name: 'cycle-launch',
            path: '/console/cycles/new',
            ready: (page) => page.locator('#launch-definition').waitFor(),
            further: async (page) => {
              if (locale !== 'zh-CN') return;
              // The procedure chosen, a price in 元, a title.
              await page.locator('#launch-definition').click();
              await page.locator('.ant-select-item-option').filter({ hasText: DEQING }).click();
              // The closing list is still drawn for its animation; axe looks at the form once it is gone.
              await page.locator('.ant-select-dropdown').waitFor({ state: 'hidden' });
              const price = page.locator('input[id$="pricePerPersonYear"]');
              await eventually(() => price.inputValue(), (value) => value === '1000.00', 50, 200);
              await price.fill('1,234.56');
              await page.getByLabel(/周期名称/).fill('2027年度社区矫正服务（浏览器测试）');
              await page.mouse.move(0, 0);
              await check(page, 'cycle-launch (filled)');
            },
          },
          { name: 'definitions', path: '/console/definitions', ready: (page) => page.locator(`a[href$="/definitions/${DEQING}"]`).first().waitFor() },
          { name: 'definition', path: `/console/definitions/${DEQING}`, ready: (page) => page.locator('.pf-src-line').first().waitFor() },
          { name: 'vendors', path: '/console/vendors', ready: (page) => page.locator('.ant-table-row').first().waitFor() },
          { name: 'cases', path: '/console/cases', ready: (page) => page.locator('.ant-table-placeholder, .ant-table-row').first().waitFor() },
        ],
      },
      {
        user: 'dev.ops',
        pages: [
          { name: 'ops-summary', path: '/console/ops', ready: (page) => page.getByRole('heading', { level: 2, name: zh ? '未结束流程' : 'Open processes' }).waitFor() },
          {
            name: 'ops-processes',
            path: `/console/ops/processes?definition=${DEQING}&status=running`,
            ready: async (page) => {
              await page.getByRole('link', { name: drafting }).waitFor();
              await page.getByRole('link', { name: bidding }).waitFor();
            },
            further: async (page) => {
              if (locale !== 'en') return;
              // The dry run's frozen list (nothing is executed here).
              await page.getByRole('button', { name: 'Bulk action on these filters' }).click();
              const modal = page.getByRole('dialog');
              await modal.getByRole('textbox', { name: 'Reason' }).fill('2026年预算取消');
              await modal.getByRole('button', { name: 'Dry run' }).click();
              await modal.locator('.pf-ops-workflow-id').first().waitFor();
              expect((await modal.locator('.pf-ops-workflow-id').allTextContents()).sort()).toEqual([drafting, bidding].sort());
              await page.mouse.move(0, 0);
              await check(page, 'ops-bulk');
            },
          },
          { name: 'ops-inspect', path: `/console/ops/processes/${encodeURIComponent(bidding)}`, ready: (page) => page.locator('.pf-ops-timeline').waitFor() },
        ],
      },
      {
        user: vendor.userId,
        pages: [
          {
            name: 'cycle (vendor)',
            path: `/console/cycles/${encodeURIComponent(bidding)}`,
            ready: (page) => page.locator('[data-step="vendorSelection"]').waitFor(),
            further: async (page) => {
              if (locale !== 'en') return;
              // The vendor sees its own sealed bid only.
              await page.getByRole('tab', { name: 'Bids' }).click();
              const rows = page.locator('.pf-bids tbody tr.ant-table-row');
              await rows.first().waitFor();
              expect(await rows.count()).toBe(1);
              await page.mouse.move(0, 0);
              await check(page, 'cycle-vendor-bids');
            },
          },
        ],
      },
    ];
  }

  const violations: string[] = [];
  async function check(page: Page, name: string): Promise<void> {
    violations.push(...(await seriousAccessibilityViolations(page)).map((violation) => `${name}: ${violation}`));
  }

  it.each<ConsoleLocale>(['zh-CN', 'en'])('keeps every main page below 0.1 cumulative layout shift while it loads (%s)', async (locale) => {
    violations.length = 0;
    const shifted: string[] = [];
    const measured: string[] = [];
    for (const { user, pages } of pagesOf(locale)) {
      const context = await consoleContext(browser, stack.baseUrl, locale, DESKTOP);
      await context.addInitScript({ content: LAYOUT_SHIFT_OBSERVER });
      const page = await context.newPage();
      if (user) await signInAs(page, user);
      for (const sweep of pages) {
        await page.goto(sweep.path);
        await sweep.ready(page);
        const shift = await page.evaluate<Shift>(READ_LAYOUT_SHIFT);
        measured.push(sweep.name);
        if (shift.total >= GOOD_LAYOUT_SHIFT) shifted.push(`${sweep.name}: ${shift.total.toFixed(3)}, moved ${shift.moved.join(', ')}`);
        await page.mouse.move(0, 0);
        await check(page, sweep.name);
        await sweep.further?.(page);
      }
      await context.close();
    }
    // Every page the console has was reached and measured, in this order: a page dropped from the sweep fails here.
    expect(measured).toEqual(SWEPT_PAGES);
    expect(shifted).toEqual([]);
    expect(violations).toEqual([]);
  });
});

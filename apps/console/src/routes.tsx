import type { ReactNode } from 'react';
import type { RouteObject } from 'react-router-dom';
import type { MessageKey } from './i18n/index.js';
import { CasePage } from './pages/cases/CasePage.js';
import { CasesPage } from './pages/cases/CasesPage.js';
import { EnrolCasePage } from './pages/cases/EnrolCasePage.js';
import { CyclePage } from './pages/cycles/CyclePage.js';
import { CyclesPage } from './pages/cycles/CyclesPage.js';
import { LaunchCyclePage } from './pages/cycles/LaunchCyclePage.js';
import { PublicNoticesPage } from './pages/public/PublicNoticesPage.js';
import { DefinitionPage } from './pages/definitions/DefinitionPage.js';
import { DefinitionsPage } from './pages/definitions/DefinitionsPage.js';
import { EditorPage } from './pages/definitions/EditorPage.js';
import { HomePage } from './pages/home/HomePage.js';
import { OPS_NAVIGATION, OPS_ROUTES } from './pages/ops/routes.js';
import { RegisterVendorPage } from './pages/vendors/RegisterVendorPage.js';
import { VendorPage } from './pages/vendors/VendorPage.js';
import { VendorsPage } from './pages/vendors/VendorsPage.js';
import { InboxPage } from './pages/inbox/InboxPage.js';
import { TaskPage } from './pages/task/TaskPage.js';

/**
 * The console's pages. Paths are relative to the console's base (/console).
 *
 * `SIGNED_IN_ROUTES` render inside the frame (AppLayout) and need a signed-in user; `PUBLIC_ROUTES` need
 * nobody. `NAVIGATION` is the menu, in order; `roles`: only users holding one of them see the entry (each
 * page checks again, and the API is the real judge — the menu only avoids offering what would be refused).
 */
export interface NavigationEntry {
  readonly path: string;
  readonly label: MessageKey;
  readonly icon?: ReactNode;
  readonly roles?: readonly string[];
  /** Hidden from users who hold only these roles (e.g. the inbox: whoever can hold a task, i.e. not only ops staff or administrators). */
  readonly notOnly?: readonly string[];
}

export const NAVIGATION: readonly NavigationEntry[] = [
  { path: '/home', label: 'nav.home' },
  { path: '/inbox', label: 'nav.inbox', notOnly: ['ops', 'administrator'] },
  { path: '/cycles', label: 'nav.cycles', notOnly: ['ops'] },
  { path: '/cases', label: 'nav.cases', notOnly: ['ops'] },
  { path: '/definitions', label: 'nav.definitions' },
  { path: '/vendors', label: 'nav.vendors' },
  ...OPS_NAVIGATION,
];

export const SIGNED_IN_ROUTES: RouteObject[] = [
  { path: 'home', element: <HomePage /> },
  { path: 'inbox', element: <InboxPage /> },
  { path: 'cycles', element: <CyclesPage /> },
  { path: 'cycles/new', element: <LaunchCyclePage /> },
  { path: 'cycles/:id', element: <CyclePage /> },
  { path: 'tasks/:id', element: <TaskPage /> },
  { path: 'cases', element: <CasesPage /> },
  { path: 'cases/new', element: <EnrolCasePage /> },
  { path: 'cases/:id', element: <CasePage /> },
  { path: 'definitions', element: <DefinitionsPage /> },
  { path: 'definitions/editor', element: <EditorPage /> },
  { path: 'definitions/:key', element: <DefinitionPage /> },
  { path: 'vendors', element: <VendorsPage /> },
  { path: 'vendors/new', element: <RegisterVendorPage /> },
  { path: 'vendors/:id', element: <VendorPage /> },
  ...OPS_ROUTES,
];

export const PUBLIC_ROUTES: RouteObject[] = [{ path: '/public/notices', element: <PublicNoticesPage /> }];

export function visibleNavigation(userRoles: readonly string[]): NavigationEntry[] {
  const holdsAny = (roles: readonly string[]) => roles.some((role) => userRoles.includes(role));
  return NAVIGATION.filter((entry) => (!entry.roles || holdsAny(entry.roles)) && (!entry.notOnly || userRoles.some((role) => !entry.notOnly?.includes(role))));
}

/** Pages every role may read; a user lands on the first page of the menu that is their own work instead. */
const REFERENCE_PATHS: ReadonlySet<string> = new Set(['/home', '/definitions', '/vendors']);

/** Where a signed-in user lands: their inbox, cycles, cases or the ops overview, whichever their roles reach first. */
export function landingPath(userRoles: readonly string[]): string {
  const visible = visibleNavigation(userRoles);
  return (visible.find((entry) => !REFERENCE_PATHS.has(entry.path)) ?? visible[0] ?? NAVIGATION[0])?.path ?? '/home';
}

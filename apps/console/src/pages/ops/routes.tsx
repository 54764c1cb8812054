import type { RouteObject } from 'react-router-dom';
import type { NavigationEntry } from '../../routes.js';
import { OpsOverduePage } from './OpsOverduePage.js';
import { OpsProcessesPage } from './OpsProcessesPage.js';
import { OpsProcessPage } from './OpsProcessPage.js';
import { OpsStuckPage } from './OpsStuckPage.js';
import { OpsSummaryPage } from './OpsSummaryPage.js';
import { OPS_ROLE } from './shared.js';

/** The ops pages' menu entries: only ops staff see them (each page says so to anyone else who opens it). */
export const OPS_NAVIGATION: readonly NavigationEntry[] = [
  { path: '/ops', label: 'nav.ops', roles: [OPS_ROLE] },
  { path: '/ops/overdue', label: 'nav.opsOverdue', roles: [OPS_ROLE] },
  { path: '/ops/stuck', label: 'nav.opsStuck', roles: [OPS_ROLE] },
  { path: '/ops/processes', label: 'nav.opsProcesses', roles: [OPS_ROLE] },
];

export const OPS_ROUTES: RouteObject[] = [
  { path: 'ops', element: <OpsSummaryPage /> },
  { path: 'ops/overdue', element: <OpsOverduePage /> },
  { path: 'ops/stuck', element: <OpsStuckPage /> },
  { path: 'ops/processes', element: <OpsProcessesPage /> },
  { path: 'ops/processes/:workflowId', element: <OpsProcessPage /> },
];

import type { ReactNode } from 'react';
import type { RouteObject } from 'react-router-dom';
import type { MessageKey } from './i18n/index.js';
import { HomePage } from './pages/home/HomePage.js';
import { OPS_NAVIGATION, OPS_ROUTES } from './pages/ops/routes.js';

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
}

export const NAVIGATION: readonly NavigationEntry[] = [{ path: '/home', label: 'nav.home' }, ...OPS_NAVIGATION];

export const SIGNED_IN_ROUTES: RouteObject[] = [{ path: 'home', element: <HomePage /> }, ...OPS_ROUTES];

export const PUBLIC_ROUTES: RouteObject[] = [];

export function visibleNavigation(hasRole: (...roles: string[]) => boolean): NavigationEntry[] {
  return NAVIGATION.filter((entry) => !entry.roles || hasRole(...entry.roles));
}

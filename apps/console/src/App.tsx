import { Result, Spin } from 'antd';
import { createBrowserRouter, Navigate, RouterProvider, useLocation, type RouteObject } from 'react-router-dom';
import { useI18n } from './i18n/index.js';
import { AppLayout } from './layout/AppLayout.js';
import { SignInPage } from './pages/sign-in/SignInPage.js';
import { landingPath, PUBLIC_ROUTES, SIGNED_IN_ROUTES } from './routes.js';
import { useSession } from './session/session.js';

/** Pages that need a signed-in user send everyone else to sign-in, and back here afterwards. */
function RequireSession({ children }: { children: React.ReactNode }) {
  const { user, checking } = useSession();
  const location = useLocation();
  const { t } = useI18n();
  if (checking) return <Spin fullscreen tip={t('app.loading')} />;
  if (!user) return <Navigate to="/sign-in" replace state={{ from: `${location.pathname}${location.search}` }} />;
  return <>{children}</>;
}

/** The first page the user's roles lead to (approvers their inbox, ops their lists, …). */
function Landing() {
  const { user } = useSession();
  return <Navigate to={landingPath(user?.roles ?? [])} replace />;
}

function NotFound() {
  const { t } = useI18n();
  return <Result status="404" title={t('notFound.title')} subTitle={t('notFound.detail')} />;
}

const routes: RouteObject[] = [
  { path: '/sign-in', element: <SignInPage /> },
  ...PUBLIC_ROUTES,
  {
    path: '/',
    element: (
      <RequireSession>
        <AppLayout />
      </RequireSession>
    ),
    children: [{ index: true, element: <Landing /> }, ...SIGNED_IN_ROUTES, { path: '*', element: <NotFound /> }],
  },
];

const router = createBrowserRouter(routes, { basename: '/console' });

export function App() {
  return <RouterProvider router={router} />;
}

import { Text, ThemeProvider, useTheme } from "@saleor/macaw-ui";
import { useEffect, useMemo, useRef, type ReactNode } from "react";
import { I18nextProvider, useTranslation } from "react-i18next";
import { Provider as UrqlProvider } from "urql";
import type { i18n } from "i18next";
import { createApiClient } from "./client";
import { Guard } from "./components/Guard";
import { Empty } from "./components/states";
import { useDashboard, type DashboardState } from "./dashboard";
import { languageForLocale } from "./i18n";
import type { Permission } from "./lib/permissions";
import { useRoute, type Route } from "./router";
import { DistributorDetailPage } from "./pages/DistributorDetailPage";
import { DistributorsPage } from "./pages/DistributorsPage";
import { OverviewPage } from "./pages/OverviewPage";
import { ProgrammePage } from "./pages/ProgrammePage";
import { WithdrawalsPage } from "./pages/WithdrawalsPage";
import { CustomerWidget } from "./widgets/CustomerWidget";
import { OrderWidget } from "./widgets/OrderWidget";

/** Which Saleor permission each view needs (the API checks the same ones). */
export const ROUTE_PERMISSIONS: Record<Route["page"], Permission[]> = {
  overview: ["MANAGE_ORDERS"],
  distributors: ["MANAGE_USERS"],
  distributor: ["MANAGE_USERS"],
  withdrawals: ["MANAGE_ORDERS"],
  programme: ["MANAGE_ORDERS"],
  orderWidget: ["MANAGE_ORDERS"],
  customerWidget: ["MANAGE_USERS"],
  notFound: [],
};

/** Follows the dashboard: its locale picks the language, its theme the palette. */
function DashboardSync({ i18n }: { i18n: i18n }) {
  const { locale, theme } = useDashboard();
  const { setTheme } = useTheme();
  useEffect(() => {
    const language = languageForLocale(locale);
    if (i18n.language !== language) void i18n.changeLanguage(language);
    document.documentElement.lang = language;
  }, [i18n, locale]);
  useEffect(() => setTheme(theme === "dark" ? "defaultDark" : "defaultLight"), [setTheme, theme]);
  return null;
}

const NAV: { page: Route["page"]; path: string; label: string }[] = [
  { page: "overview", path: "/overview", label: "nav.overview" },
  { page: "distributors", path: "/distributors", label: "nav.distributors" },
  { page: "withdrawals", path: "/withdrawals", label: "nav.withdrawals" },
  { page: "programme", path: "/programme", label: "nav.programme" },
];

function Navigation({ route, navigate }: { route: Route; navigate: (path: string) => void }) {
  const { t } = useTranslation();
  const current = route.page === "distributor" ? "distributors" : route.page;
  return (
    <nav className="nav" aria-label={t("common.appName")}>
      <Text fontWeight="bold" marginRight={4}>
        {t("common.appName")}
      </Text>
      {NAV.map((item) => (
        <a
          key={item.page}
          href={`/dashboard${item.path}`}
          aria-current={current === item.page ? "page" : undefined}
          onClick={(event) => {
            event.preventDefault();
            navigate(item.path);
          }}
        >
          {t(item.label)}
        </a>
      ))}
    </nav>
  );
}

function Screen() {
  const { t } = useTranslation();
  const dashboard = useDashboard();
  const { route, navigate } = useRoute();
  if (!dashboard.embedded) {
    return (
      <div className="state" data-state="not-embedded">
        <Text size={6} fontWeight="bold">
          {t("states.notInDashboardTitle")}
        </Text>
        <Text color="default2">{t("states.notInDashboardText")}</Text>
      </div>
    );
  }
  if (!dashboard.ready) return <Empty>{t("states.waiting")}</Empty>;

  const permissions = ROUTE_PERMISSIONS[route.page];
  if (route.page === "orderWidget" || route.page === "customerWidget") {
    return (
      <div className="widget">
        <Guard permissions={permissions}>{route.page === "orderWidget" ? <OrderWidget /> : <CustomerWidget />}</Guard>
      </div>
    );
  }
  let page: ReactNode;
  switch (route.page) {
    case "overview":
      page = <OverviewPage navigate={navigate} />;
      break;
    case "distributors":
      page = <DistributorsPage navigate={navigate} />;
      break;
    case "distributor":
      page = <DistributorDetailPage id={route.id} navigate={navigate} />;
      break;
    case "withdrawals":
      page = <WithdrawalsPage />;
      break;
    case "programme":
      page = <ProgrammePage />;
      break;
    default:
      page = <Empty />;
  }
  return (
    <>
      <Navigation route={route} navigate={navigate} />
      <main className="page" data-page={route.page}>
        <Guard permissions={permissions}>{page}</Guard>
      </main>
    </>
  );
}

export function App({ i18n, dashboard }: { i18n: i18n; dashboard: DashboardState }) {
  // The client reads the token at send time, so one client serves every refresh.
  const stateRef = useRef(dashboard);
  stateRef.current = dashboard;
  const client = useMemo(
    () => createApiClient({ getState: () => ({ token: stateRef.current.token, saleorApiUrl: stateRef.current.saleorApiUrl }) }),
    [],
  );
  return (
    <I18nextProvider i18n={i18n}>
      <ThemeProvider defaultTheme={dashboard.theme === "dark" ? "defaultDark" : "defaultLight"}>
        <DashboardSync i18n={i18n} />
        <UrqlProvider value={client}>
          <Screen />
        </UrqlProvider>
      </ThemeProvider>
    </I18nextProvider>
  );
}

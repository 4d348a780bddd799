// A small router for the app page: paths live under /dashboard/ (the manifest's appUrl), the
// dashboard's query string (saleorApiUrl, id, theme, orderId, …) is kept, and each move is
// reported to the dashboard so its own URL (and a reload) lands on the same page.
import { actions } from "@saleor/app-sdk/app-bridge";
import { useCallback, useEffect, useState } from "react";
import { useDashboard } from "./dashboard";

export const BASE_PATH = "/dashboard";

export function appPath(pathname: string = window.location.pathname): string {
  const rest = pathname.startsWith(BASE_PATH) ? pathname.slice(BASE_PATH.length) : pathname;
  const trimmed = rest.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

export type Route =
  | { page: "overview" }
  | { page: "distributors" }
  | { page: "distributor"; id: string }
  | { page: "withdrawals" }
  | { page: "programme" }
  | { page: "orderWidget" }
  | { page: "customerWidget" }
  | { page: "notFound" };

export function matchRoute(path: string): Route {
  if (path === "/" || path === "/overview") return { page: "overview" };
  if (path === "/distributors") return { page: "distributors" };
  const detail = /^\/distributors\/([^/]+)$/.exec(path);
  if (detail) return { page: "distributor", id: decodeURIComponent(detail[1]) };
  if (path === "/withdrawals") return { page: "withdrawals" };
  if (path === "/programme") return { page: "programme" };
  if (path === "/widgets/order") return { page: "orderWidget" };
  if (path === "/widgets/customer") return { page: "customerWidget" };
  return { page: "notFound" };
}

const NAVIGATE_EVENT = "distribution:navigate";

export function useRoute(): { path: string; route: Route; navigate: (path: string) => void } {
  const { appBridge } = useDashboard();
  const [path, setPath] = useState(() => appPath());
  useEffect(() => {
    const sync = () => setPath(appPath());
    window.addEventListener("popstate", sync);
    window.addEventListener(NAVIGATE_EVENT, sync);
    return () => {
      window.removeEventListener("popstate", sync);
      window.removeEventListener(NAVIGATE_EVENT, sync);
    };
  }, []);
  const navigate = useCallback(
    (to: string) => {
      window.history.pushState(null, "", `${BASE_PATH}${to}${window.location.search}`);
      window.dispatchEvent(new Event(NAVIGATE_EVENT));
      appBridge?.dispatch(actions.UpdateRouting({ newRoute: to })).catch(() => undefined);
    },
    [appBridge],
  );
  return { path, route: matchRoute(path), navigate };
}

/** A query parameter of the iframe URL (the dashboard passes orderId / customerId there). */
export function queryParam(name: string): string | null {
  return new URL(window.location.href).searchParams.get(name);
}

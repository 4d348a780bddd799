// The dashboard's side of the conversation, as the app sees it: AppBridge state (token,
// Saleor API URL, theme, locale) kept current from the handshake, tokenRefresh, theme and
// localeChanged events, plus notifications and routing sent back to the dashboard.
import {
  actions,
  reportWidgetHeightFromElement,
  type AppBridge,
  type AppBridgeState,
} from "@saleor/app-sdk/app-bridge";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode, type RefObject } from "react";

export interface DashboardState {
  ready: boolean;
  token: string | undefined;
  saleorApiUrl: string;
  locale: string;
  theme: "light" | "dark";
  /** False when the page was opened outside Saleor's dashboard (no AppBridge). */
  embedded: boolean;
  appBridge: AppBridge | null;
}

const EVENTS = ["handshake", "tokenRefresh", "theme", "localeChanged"] as const;

function fromBridge(appBridge: AppBridge | null, state: AppBridgeState | null): DashboardState {
  return {
    ready: Boolean(state?.ready && state.token),
    token: state?.token,
    saleorApiUrl: state?.saleorApiUrl ?? "",
    locale: state?.locale ?? "zh-Hans",
    theme: state?.theme === "dark" ? "dark" : "light",
    embedded: appBridge !== null,
    appBridge,
  };
}

const DashboardContext = createContext<DashboardState>(fromBridge(null, null));

export function DashboardProvider({
  appBridge,
  children,
}: {
  appBridge: AppBridge | null;
  children: ReactNode;
}) {
  const [state, setState] = useState(() => fromBridge(appBridge, appBridge?.getState() ?? null));
  useEffect(() => {
    if (!appBridge) return undefined;
    const update = () => setState(fromBridge(appBridge, appBridge.getState()));
    const unsubscribes = EVENTS.map((event) => appBridge.subscribe(event, update));
    update(); // a handshake may have arrived before this effect ran
    return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
  }, [appBridge]);
  return <DashboardContext.Provider value={state}>{children}</DashboardContext.Provider>;
}

export const useDashboard = (): DashboardState => useContext(DashboardContext);

export type NotifyStatus = "success" | "error" | "info" | "warning";

/** Show a toast in the dashboard (a no-op outside it). */
export function useNotify(): (status: NotifyStatus, title: string, text?: string) => void {
  const { appBridge } = useDashboard();
  return useMemo(
    () => (status: NotifyStatus, title: string, text?: string) => {
      if (!appBridge) return;
      appBridge.dispatch(actions.Notification({ status, title, text })).catch(() => {
        // The dashboard did not answer in time; the page already shows the outcome.
      });
    },
    [appBridge],
  );
}

/** Keep the dashboard's widget iframe as tall as `ref`'s content (`widgetResize`). */
export function useWidgetHeight(ref: RefObject<HTMLDivElement | null>): void {
  const { appBridge } = useDashboard();
  useEffect(() => {
    const element = ref.current;
    if (!appBridge || !element) return undefined;
    const report = () => reportWidgetHeightFromElement(appBridge, element);
    report();
    const observer = new ResizeObserver(report);
    observer.observe(element);
    return () => observer.disconnect();
  }, [appBridge, ref]);
}

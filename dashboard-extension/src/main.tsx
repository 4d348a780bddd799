import "@saleor/macaw-ui/style";
import "./styles.css";
import { AppBridge } from "@saleor/app-sdk/app-bridge";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { DashboardProvider, useDashboard } from "./dashboard";
import { createI18n } from "./i18n";

// The dashboard embeds the app in an iframe and talks to it with postMessage; opened on its
// own, there is no dashboard to hand over a token.
const embedded = window.parent !== window;
const appBridge = embedded ? new AppBridge() : null;
const i18n = createI18n("zh-CN");

function Root() {
  const dashboard = useDashboard();
  return <App i18n={i18n} dashboard={dashboard} />;
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <DashboardProvider appBridge={appBridge}>
      <Root />
    </DashboardProvider>
  </StrictMode>,
);

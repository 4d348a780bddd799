import { act, render, screen, waitFor } from "@testing-library/react";
import { App } from "./App";
import { DashboardProvider, useDashboard } from "./dashboard";
import { createI18n, languageForLocale } from "./i18n";
import { FakeBridge, fakeToken } from "./test/utils";

// App builds its own client against /graphql/; answer through fetch at the network edge.
function stubFetch(answer: (body: { operationName?: string; query: string }) => unknown) {
  const calls: { headers: Headers; body: { query: string } }[] = [];
  vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    calls.push({ headers: new Headers(init.headers), body });
    return new Response(JSON.stringify(answer(body)), { headers: { "Content-Type": "application/json" } });
  });
  return calls;
}

function renderApp(bridge: FakeBridge, path = "/dashboard/overview") {
  window.history.replaceState(null, "", path);
  const i18n = createI18n("zh-CN");
  function Root() {
    return <App i18n={i18n} dashboard={useDashboard()} />;
  }
  render(
    <DashboardProvider appBridge={bridge.asAppBridge()}>
      <Root />
    </DashboardProvider>,
  );
  return i18n;
}

afterEach(() => vi.unstubAllGlobals());

describe("languages", () => {
  it("maps the dashboard's locales onto the two languages", () => {
    expect(["zh-Hans", "zh-Hant", "zh", "en", "de", undefined].map(languageForLocale)).toEqual([
      "zh-CN",
      "zh-CN",
      "zh-CN",
      "en",
      "en",
      "en",
    ]);
  });

  it("follows localeChanged from the dashboard, back and forth", async () => {
    stubFetch(() => ({ data: { programmeOverview: null } }));
    const bridge = new FakeBridge();
    renderApp(bridge);

    act(() => bridge.emit("handshake", { token: fakeToken(["MANAGE_ORDERS", "MANAGE_USERS"]), version: 1 }));
    act(() => bridge.emit("localeChanged", { locale: "zh-Hans" }));
    expect(await screen.findByRole("link", { name: "分销员" })).toBeTruthy();
    expect(document.documentElement.lang).toBe("zh-CN");

    act(() => bridge.emit("localeChanged", { locale: "en" }));
    expect(await screen.findByRole("link", { name: "Distributors" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Programme overview" })).toBeTruthy();

    act(() => bridge.emit("localeChanged", { locale: "zh-Hans" }));
    expect(await screen.findByRole("heading", { name: "分销概览" })).toBeTruthy();
  });
});

describe("the app page", () => {
  it("waits for the dashboard's handshake before asking the API anything", () => {
    const calls = stubFetch(() => ({ data: null }));
    renderApp(new FakeBridge());

    expect(screen.getByText("Waiting for the Saleor dashboard…")).toBeTruthy();
    expect(calls).toEqual([]);
  });

  it("shows the permission-denied view for a token without the permission, without a request", async () => {
    const calls = stubFetch(() => ({ data: null }));
    const bridge = new FakeBridge();
    renderApp(bridge, "/dashboard/withdrawals");

    act(() => bridge.emit("handshake", { token: fakeToken(["MANAGE_USERS"]), version: 1 }));

    const denied = await screen.findByRole("alert");
    expect(denied.getAttribute("data-state")).toBe("permission-denied");
    expect(denied.textContent).toContain("MANAGE_ORDERS");
    expect(calls).toEqual([]);
  });

  it("sends the dashboard token to the API and uses a refreshed one", async () => {
    const calls = stubFetch(() => ({ data: { programmeOverview: null } }));
    const bridge = new FakeBridge();
    const first = fakeToken(["MANAGE_ORDERS"]);
    renderApp(bridge);

    act(() => bridge.emit("handshake", { token: first, version: 1 }));
    await waitFor(() => expect(calls.length).toBeGreaterThan(0));
    expect(calls[0].headers.get("authorization")).toBe(`Bearer ${first}`);
    expect(calls[0].headers.get("saleor-api-url")).toBe("https://shop.example.com/graphql/");
    expect(calls[0].body.query).toContain("query ProgrammeOverview");

    const refreshed = fakeToken(["MANAGE_ORDERS"], { exp: 2 });
    act(() => bridge.emit("tokenRefresh", { token: refreshed }));
    act(() => bridge.emit("localeChanged", { locale: "en" }));
    await screen.findByRole("heading", { name: "Programme overview" });
    screen.getByRole("button", { name: "Last 7 days" }).click();
    await waitFor(() => expect(calls.at(-1)?.headers.get("authorization")).toBe(`Bearer ${refreshed}`));
  });

  it("tells someone who opened it outside the dashboard where to open it", () => {
    window.history.replaceState(null, "", "/dashboard/overview");
    const i18n = createI18n("zh-CN");
    function Root() {
      return <App i18n={i18n} dashboard={useDashboard()} />;
    }
    render(
      <DashboardProvider appBridge={null}>
        <Root />
      </DashboardProvider>,
    );
    // No dashboard, no locale from it: the default language is Chinese.
    expect(screen.getByText("请从 Saleor 后台打开此页面")).toBeTruthy();
  });
});


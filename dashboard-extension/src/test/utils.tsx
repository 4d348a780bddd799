// Test doubles at the edges only: the dashboard (a bridge that records what the app sends
// and lets a test play the dashboard's events) and the network (an urql exchange answering
// from a handler). Components, i18n, formatting and the urql client are the real ones.
import type { AppBridge, AppBridgeState } from "@saleor/app-sdk/app-bridge";
import { ThemeProvider } from "@saleor/macaw-ui";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { I18nextProvider } from "react-i18next";
import { Client, makeErrorResult, makeResult, Provider, type Exchange, type Operation } from "urql";
import { filter, fromPromise, mergeMap, pipe } from "wonka";
import { DashboardProvider } from "../dashboard";
import { createI18n, type Language } from "../i18n";

export function base64url(value: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(value)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** A JWT-shaped token (unsigned: the app never verifies it, the API does). */
export function fakeToken(permissions: string[], extra: Record<string, unknown> = {}): string {
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({ type: "thirdparty", app: "QXBwOjE=", email: "staff@example.com", user_permissions: permissions, ...extra }),
  );
  return `${header}.${payload}.signature`;
}

type Listener = (payload: unknown) => void;

export class FakeBridge {
  state: AppBridgeState;
  dispatched: { type: string; payload: Record<string, unknown> }[] = [];
  private listeners: Record<string, Set<Listener>> = {};

  constructor(state: Partial<AppBridgeState> = {}) {
    this.state = {
      id: "QXBwOjE=",
      ready: false,
      path: "/",
      theme: "light",
      locale: "en",
      saleorApiUrl: "https://shop.example.com/graphql/",
      formContext: {},
      ...state,
    } as AppBridgeState;
  }

  getState = () => this.state;

  subscribe = (event: string, callback: Listener) => {
    (this.listeners[event] ??= new Set()).add(callback);
    return () => this.listeners[event]?.delete(callback);
  };

  dispatch = async (action: { type: string; payload: Record<string, unknown> }) => {
    this.dispatched.push(action);
  };

  /** Play a dashboard → app event, as app-sdk's reducer would apply it. */
  emit(type: "handshake" | "localeChanged" | "theme" | "tokenRefresh", payload: Record<string, unknown>) {
    if (type === "handshake") this.state = { ...this.state, ready: true, token: payload.token as string };
    if (type === "tokenRefresh") this.state = { ...this.state, token: payload.token as string };
    if (type === "localeChanged") this.state = { ...this.state, locale: payload.locale as AppBridgeState["locale"] };
    if (type === "theme") this.state = { ...this.state, theme: payload.theme as AppBridgeState["theme"] };
    this.listeners[type]?.forEach((listener) => listener(payload));
  }

  asAppBridge(): AppBridge {
    return this as unknown as AppBridge;
  }
}

export interface Answer {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  networkError?: Error;
}

export interface SentOperation {
  name: string;
  variables: Record<string, unknown>;
  kind: string;
}

/** A real urql client whose network is `handler(operationName, variables)`. */
export function mockClient(handler: (op: SentOperation) => Answer | Promise<Answer>) {
  const sent: SentOperation[] = [];
  const exchange: Exchange = () => (operations$) =>
    pipe(
      operations$,
      filter((op: Operation) => op.kind !== "teardown"),
      mergeMap((op: Operation) => {
        const definition = op.query.definitions.find((d) => d.kind === "OperationDefinition");
        const name = definition && "name" in definition ? (definition.name?.value ?? "") : "";
        const call = { name, variables: (op.variables ?? {}) as Record<string, unknown>, kind: op.kind };
        sent.push(call);
        return fromPromise(
          Promise.resolve(handler(call)).then((answer) =>
            answer.networkError
              ? makeErrorResult(op, answer.networkError)
              : makeResult(op, { data: answer.data ?? null, errors: answer.errors }),
          ),
        );
      }),
    );
  const client = new Client({ url: "/graphql/", exchanges: [exchange] });
  return { client, sent };
}

export function renderWithApp(
  ui: ReactNode,
  {
    client,
    permissions = ["MANAGE_USERS", "MANAGE_ORDERS"],
    language = "en",
    bridge,
  }: { client: Client; permissions?: string[]; language?: Language; bridge?: FakeBridge },
) {
  const fake = bridge ?? new FakeBridge({ ready: true, token: fakeToken(permissions) });
  const i18n = createI18n(language);
  const view = render(
    <I18nextProvider i18n={i18n}>
      <ThemeProvider>
        <DashboardProvider appBridge={fake.asAppBridge()}>
          <Provider value={client}>{ui}</Provider>
        </DashboardProvider>
      </ThemeProvider>
    </I18nextProvider>,
  );
  return { ...view, bridge: fake, i18n };
}

export const money = (amount: string, currency = "CNY") => ({ amount, currency, fractionDigits: 2 });

// The GraphQL client: every request carries the dashboard token as `Authorization: Bearer`
// with `Saleor-Api-Url`, and, through app-sdk's createAuthenticatedFetch, the same pair as
// `authorization-bearer` / `saleor-api-url`. The token is read at send time, so a
// tokenRefresh from the dashboard applies to the next request.
import { createAuthenticatedFetch } from "@saleor/app-sdk/app-bridge";
import { Client, cacheExchange, fetchExchange } from "urql";

export interface TokenSource {
  getState(): { token?: string; saleorApiUrl: string };
}

type SdkStateSource = Parameters<typeof createAuthenticatedFetch>[0];

export function apiFetch(
  source: TokenSource,
  baseFetch: typeof fetch = (input, init) => fetch(input, init),
): typeof fetch {
  // createAuthenticatedFetch reads only `token` and `saleorApiUrl` from the state.
  const sdkFetch = createAuthenticatedFetch(source as unknown as SdkStateSource, baseFetch);
  return (input, init) => {
    const { token, saleorApiUrl } = source.getState();
    const headers = new Headers(init?.headers);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    if (saleorApiUrl) headers.set("Saleor-Api-Url", saleorApiUrl);
    return sdkFetch(input, { ...init, headers });
  };
}

export function createApiClient(source: TokenSource, url = "/graphql/"): Client {
  return new Client({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetch: apiFetch(source),
    requestPolicy: "cache-and-network",
    preferGetMethod: false,
  });
}

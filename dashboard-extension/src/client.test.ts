import { apiFetch } from "./client";

describe("requests to the app's API", () => {
  it("carry the current dashboard token both ways the API accepts", async () => {
    const seen: Headers[] = [];
    const state = { token: "first.jwt.token", saleorApiUrl: "https://shop.example.com/graphql/" };
    const send = apiFetch({ getState: () => state }, async (_input, init) => {
      seen.push(new Headers(init?.headers));
      return new Response("{}");
    });

    await send("/graphql/", { method: "POST", headers: { "Content-Type": "application/json" } });
    state.token = "refreshed.jwt.token"; // a tokenRefresh from the dashboard
    await send("/graphql/", { method: "POST" });

    expect(seen[0].get("authorization")).toBe("Bearer first.jwt.token");
    expect(seen[0].get("saleor-api-url")).toBe("https://shop.example.com/graphql/");
    expect(seen[0].get("authorization-bearer")).toBe("first.jwt.token");
    expect(seen[0].get("content-type")).toBe("application/json");
    expect(seen[1].get("authorization")).toBe("Bearer refreshed.jwt.token");
  });
});

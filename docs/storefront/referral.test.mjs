// node --test docs/storefront/referral.test.mjs
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  attachReferralToCheckout,
  captureReferral,
  fetchMyDistributor,
  readReferral,
  referralMetadata,
} from "./referral.mjs";

function memoryStorage() {
  const items = new Map();
  return {
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
  };
}

test("a referral link's code is kept, first touch wins", () => {
  const storage = memoryStorage();
  assert.equal(captureReferral("https://shop.example.com/?ref=abc2345", storage, { now: 1000 }), "ABC2345");
  assert.equal(captureReferral("https://shop.example.com/p/tee?ref=ZZZ9999", storage, { now: 2000 }), "ABC2345");
  assert.equal(captureReferral("https://shop.example.com/p/tee?ref=ZZZ9999", storage, { now: 3000, lastTouch: true }), "ZZZ9999");
});

test("garbage and expired codes are not kept", () => {
  const storage = memoryStorage();
  assert.equal(captureReferral("https://shop.example.com/?ref=<script>", storage), null);
  captureReferral("https://shop.example.com/?ref=ABC2345", storage, { now: 0 });
  assert.equal(readReferral(storage, { now: 31 * 86_400_000 }), null);
  assert.equal(readReferral(storage, { now: 0 }), null); // forgotten for good
});

test("checkout metadata carries the code under distribution.ref", () => {
  assert.deepEqual(referralMetadata(" abc2345 "), [{ key: "distribution.ref", value: "ABC2345" }]);
  assert.deepEqual(referralMetadata(""), []);
});

test("the code is written onto the checkout with updateMetadata", async () => {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return { ok: true, json: async () => ({ data: { updateMetadata: { errors: [] } } }) };
  };
  const attached = await attachReferralToCheckout({
    saleorApiUrl: "https://shop.example.com/graphql/", checkoutId: "Q2hlY2tvdXQ6MQ==", code: "abc2345", fetchImpl,
  });
  assert.equal(attached, true);
  const body = JSON.parse(calls[0].init.body);
  assert.equal(calls[0].url, "https://shop.example.com/graphql/");
  assert.match(body.query, /updateMetadata\(id: \$id, input: \$input\)/);
  assert.deepEqual(body.variables, { id: "Q2hlY2tvdXQ6MQ==", input: [{ key: "distribution.ref", value: "ABC2345" }] });
});

test("Saleor's errors surface", async () => {
  const fetchImpl = async () => ({
    ok: true,
    json: async () => ({ data: { updateMetadata: { errors: [{ field: "id", code: "NOT_FOUND", message: "Couldn't resolve id" }] } } }),
  });
  await assert.rejects(
    attachReferralToCheckout({ saleorApiUrl: "x", checkoutId: "bad", code: "ABC2345", fetchImpl }),
    /Couldn't resolve id/,
  );
});

test("the distributor pages ask the app with the customer's token", async () => {
  let seen;
  const fetchImpl = async (url, init) => {
    seen = { url, init };
    return { ok: true, json: async () => ({ data: { me: { distributor: { code: "ABC2345", status: "ACTIVE", displayName: "王芳" } } } }) };
  };
  const distributor = await fetchMyDistributor({
    appGraphqlUrl: "https://distribution.example.com/graphql/",
    saleorApiUrl: "https://shop.example.com/graphql/",
    accessToken: "eyJ.token.sig",
    fetchImpl,
  });
  assert.deepEqual(distributor, { code: "ABC2345", status: "ACTIVE", displayName: "王芳" });
  assert.equal(seen.init.headers.Authorization, "Bearer eyJ.token.sig");
  assert.equal(seen.init.headers["Saleor-Api-Url"], "https://shop.example.com/graphql/");
});

// Carry a distributor's referral code from a referral link into the Saleor checkout, and show
// the signed-in customer's distributor pages. Plain ES module, no dependencies; copy it into a
// storefront (Next.js, Nuxt, a mini program's web-view...) and adapt the storage.
//
// 1. A referral link `/r/<CODE>` redirects to the storefront with `?ref=<CODE>`.
// 2. captureReferral() keeps the code (first visit wins unless lastTouch is set).
// 3. attachReferralToCheckout() writes it into the checkout's metadata as `distribution.ref`.
//    Saleor copies checkout metadata onto the order at checkoutComplete; the app attributes
//    the order from there and validates the code (a customer can write any value).

export const REF_PARAM = "ref";
export const REF_METADATA_KEY = "distribution.ref";
const STORAGE_KEY = "saleor-distribution:ref";
// Referral codes: letters and digits, 4–16 characters (the app's codes are 7, unambiguous).
const CODE_PATTERN = /^[A-Za-z0-9]{4,16}$/;
const DEFAULT_MAX_AGE_DAYS = 30;

export function normaliseCode(code) {
  if (typeof code !== "string") return null;
  const trimmed = code.trim();
  return CODE_PATTERN.test(trimmed) ? trimmed.toUpperCase() : null;
}

/** Read `?ref=` from a URL and keep it in `storage` (localStorage-like). Returns the code kept. */
export function captureReferral(url, storage, { now = Date.now(), lastTouch = false } = {}) {
  const code = normaliseCode(new URL(url).searchParams.get(REF_PARAM));
  const kept = readReferral(storage, { now });
  if (code && (!kept || lastTouch)) {
    storage.setItem(STORAGE_KEY, JSON.stringify({ code, at: now }));
    return code;
  }
  return kept;
}

/** The kept code, unless older than maxAgeDays (then forgotten). */
export function readReferral(storage, { now = Date.now(), maxAgeDays = DEFAULT_MAX_AGE_DAYS } = {}) {
  let kept;
  try {
    kept = JSON.parse(storage.getItem(STORAGE_KEY) || "null");
  } catch {
    kept = null;
  }
  const code = kept && normaliseCode(kept.code);
  if (!code || typeof kept.at !== "number" || now - kept.at > maxAgeDays * 86_400_000) {
    storage.removeItem(STORAGE_KEY);
    return null;
  }
  return code;
}

/** Metadata for `checkoutCreate(input: { metadata })`, or [] without a code. */
export function referralMetadata(code) {
  const normalised = normaliseCode(code);
  return normalised ? [{ key: REF_METADATA_KEY, value: normalised }] : [];
}

// Anyone may write a checkout's public metadata (no token needed), by checkout id or token.
export const UPDATE_CHECKOUT_METADATA = `
mutation AttachReferral($id: ID!, $input: [MetadataInput!]!) {
  updateMetadata(id: $id, input: $input) {
    errors { field code message }
  }
}`;

/** Write the referral code onto an existing checkout. Throws with Saleor's message on error. */
export async function attachReferralToCheckout({ saleorApiUrl, checkoutId, code, fetchImpl = fetch }) {
  const input = referralMetadata(code);
  if (input.length === 0) return false;
  const response = await fetchImpl(saleorApiUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query: UPDATE_CHECKOUT_METADATA, variables: { id: checkoutId, input } }),
  });
  const body = await response.json();
  const errors = [...(body.errors || []), ...(body.data?.updateMetadata?.errors || [])];
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join("; "));
  return true;
}

// The distributor pages: the app's API, with the customer's Saleor access token.
export const MY_DISTRIBUTOR = `
query MyDistributor {
  me {
    distributor {
      code status displayName
      grade { name }
      nextGrade {
        grade { name }
        met
        targets {
          target met
          requiredSales { amount currency } currentSales { amount currency }
          requiredCount currentCount
        }
      }
    }
  }
}`;

/** The signed-in customer's distributor profile from the app (null if not a distributor). */
export async function fetchMyDistributor({ appGraphqlUrl, saleorApiUrl, accessToken, fetchImpl = fetch }) {
  const response = await fetchImpl(appGraphqlUrl, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${accessToken}`,
      "Saleor-Api-Url": saleorApiUrl,
    },
    body: JSON.stringify({ query: MY_DISTRIBUTOR }),
  });
  const body = await response.json();
  if (!response.ok || body.errors) {
    throw new Error((body.errors || []).map((e) => e.message).join("; ") || `HTTP ${response.status}`);
  }
  return body.data.me?.distributor ?? null;
}

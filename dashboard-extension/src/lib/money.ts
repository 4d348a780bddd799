// Money arrives from the API as an exact decimal string with its currency
// (DistributionMoney). It is formatted with Intl, which knows each currency's minor digits
// (JPY 0, CNY 2, KWD 3), and never goes through a float for display.

export interface MoneyLike {
  amount: string;
  currency: string;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function formatter(locale: string, currency: string): Intl.NumberFormat {
  return new Intl.NumberFormat(locale, { style: "currency", currency });
}

/** "¥1,234.50" for CNY in zh-CN, "JP¥1,235" style for JPY (0 digits), "—" for nothing. */
export function formatMoney(money: MoneyLike | null | undefined, locale: string): string {
  if (!money) return "—";
  if (!DECIMAL.test(money.amount)) return `${money.amount} ${money.currency}`;
  try {
    // Intl.NumberFormat formats a decimal string exactly (no binary float on the way).
    return formatter(locale, money.currency).format(money.amount as `${number}`);
  } catch {
    return `${money.amount} ${money.currency}`; // not an ISO 4217 code Intl knows
  }
}

/** The currency's number of minor digits as Intl knows it (JPY 0, CNY 2). */
export function currencyDigits(currency: string): number {
  try {
    return formatter("en", currency).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** For charts only: axis positions need numbers; labels still use formatMoney. */
export function chartValue(money: MoneyLike | null | undefined): number {
  return money ? Number(money.amount) : 0;
}

/** A staff-typed amount checked against the currency's digits: "12.5" ok for CNY, not JPY. */
export function parseAmountInput(
  text: string,
  currency: string,
  { allowNegative = false }: { allowNegative?: boolean } = {},
): { ok: true; amount: string } | { ok: false; reason: "format" | "digits" | "zero" } {
  const value = text.trim().replace(/,/g, "");
  const pattern = allowNegative ? /^-?\d+(\.\d+)?$/ : /^\d+(\.\d+)?$/;
  if (!pattern.test(value)) return { ok: false, reason: "format" };
  const fraction = value.split(".")[1] ?? "";
  if (fraction.length > currencyDigits(currency)) return { ok: false, reason: "digits" };
  if (/^-?0*(\.0*)?$/.test(value)) return { ok: false, reason: "zero" };
  return { ok: true, amount: value };
}

// Exact decimal strings for rates: the API speaks fractions ("0.125"), staff type percents
// ("12.5"). Shifting the decimal point on the digits avoids binary floats entirely.

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

function normalise(intPart: string, fracPart: string): string {
  const int = intPart.replace(/^0+(?=\d)/, "") || "0";
  const frac = fracPart.replace(/0+$/, "");
  return frac ? `${int}.${frac}` : int;
}

/** Multiply a non-negative decimal string by 10^places (places may be negative). */
export function shiftDecimal(value: string, places: number): string {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new Error(`not a decimal: ${value}`);
  const digits = match[1] + (match[2] ?? "");
  let point = match[1].length + places;
  let padded = digits;
  if (point < 0) {
    padded = "0".repeat(-point) + padded;
    point = 0;
  }
  if (point > padded.length) padded = padded + "0".repeat(point - padded.length);
  return normalise(padded.slice(0, point), padded.slice(point));
}

export const fractionToPercent = (fraction: string): string => shiftDecimal(fraction, 2);
export const percentToFraction = (percent: string): string => shiftDecimal(percent, -2);

export function isDecimal(value: string): boolean {
  return DECIMAL.test(value.trim());
}

/** Compare two non-negative decimal strings: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const scale = (v: string) => (v.split(".")[1] ?? "").length;
  const places = Math.max(scale(a), scale(b));
  const toInt = (v: string) => BigInt(shiftDecimal(v, places).split(".")[0]);
  const x = toInt(a);
  const y = toInt(b);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Sum of non-negative decimal strings, exact. */
export function sumDecimals(values: string[]): string {
  const places = Math.max(0, ...values.map((v) => (v.split(".")[1] ?? "").length));
  const total = values.reduce((acc, v) => acc + BigInt(shiftDecimal(v, places).split(".")[0]), 0n);
  return shiftDecimal(total.toString(), -places);
}

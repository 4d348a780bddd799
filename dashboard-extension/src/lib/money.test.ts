import { chartValue, currencyDigits, formatMoney, parseAmountInput } from "./money";

describe("formatMoney", () => {
  it("shows CNY with 2 digits in Chinese and English", () => {
    expect(formatMoney({ amount: "1234.5", currency: "CNY" }, "zh-CN")).toBe("¥1,234.50");
    expect(formatMoney({ amount: "1234.5", currency: "CNY" }, "en")).toBe("CN¥1,234.50");
  });

  it("shows JPY with no minor digits", () => {
    expect(formatMoney({ amount: "1235", currency: "JPY" }, "en")).toBe("¥1,235");
    expect(formatMoney({ amount: "1235", currency: "JPY" }, "zh-CN")).toBe("JP¥1,235");
  });

  it("shows a three-digit currency with three digits", () => {
    expect(formatMoney({ amount: "1.5", currency: "KWD" }, "en")).toBe("KWD\u00a01.500");
  });

  it("keeps every digit of a large exact amount (no float on the way)", () => {
    expect(formatMoney({ amount: "12345678901234567.89", currency: "CNY" }, "en")).toBe(
      "CN¥12,345,678,901,234,567.89",
    );
  });

  it("shows negatives and nothing", () => {
    expect(formatMoney({ amount: "-20.00", currency: "CNY" }, "en")).toBe("-CN¥20.00");
    expect(formatMoney(null, "en")).toBe("—");
  });

  it("falls back to the raw value for a code Intl does not know", () => {
    expect(formatMoney({ amount: "3.00", currency: "POINTS" }, "en")).toBe("3.00 POINTS");
  });
});

describe("currency digits and typed amounts", () => {
  it("knows JPY 0, CNY 2, KWD 3", () => {
    expect([currencyDigits("JPY"), currencyDigits("CNY"), currencyDigits("KWD")]).toEqual([0, 2, 3]);
  });

  it("accepts what the currency can hold and refuses the rest", () => {
    expect(parseAmountInput("12.50", "CNY")).toEqual({ ok: true, amount: "12.50" });
    expect(parseAmountInput("1,200", "JPY")).toEqual({ ok: true, amount: "1200" });
    expect(parseAmountInput("12.5", "JPY")).toEqual({ ok: false, reason: "digits" });
    expect(parseAmountInput("12.345", "CNY")).toEqual({ ok: false, reason: "digits" });
    expect(parseAmountInput("-5", "CNY")).toEqual({ ok: false, reason: "format" });
    expect(parseAmountInput("-5", "CNY", { allowNegative: true })).toEqual({ ok: true, amount: "-5" });
    expect(parseAmountInput("0.00", "CNY")).toEqual({ ok: false, reason: "zero" });
    expect(parseAmountInput("abc", "CNY")).toEqual({ ok: false, reason: "format" });
  });

  it("gives charts a number", () => {
    expect(chartValue({ amount: "12.34", currency: "CNY" })).toBe(12.34);
    expect(chartValue(null)).toBe(0);
  });
});

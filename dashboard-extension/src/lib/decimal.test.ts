import { compareDecimal, fractionToPercent, percentToFraction, sumDecimals } from "./decimal";
import { DEFAULT_PLAN_FORM, formToInput, planToForm, validatePlanForm } from "./plan";
import type { CommissionPlan } from "../graphql/types";

describe("rates", () => {
  it("moves between fractions and percents exactly", () => {
    expect(fractionToPercent("0.1")).toBe("10");
    expect(fractionToPercent("0.125")).toBe("12.5");
    expect(fractionToPercent("0.00333")).toBe("0.333");
    expect(fractionToPercent("1")).toBe("100");
    expect(percentToFraction("12.5")).toBe("0.125");
    expect(percentToFraction("0.5")).toBe("0.005");
    expect(percentToFraction("30")).toBe("0.3");
    expect(percentToFraction("0")).toBe("0");
  });

  it("compares and sums without floats", () => {
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
    expect(compareDecimal(sumDecimals(["10", "5", "15.5"]), "30")).toBe(1);
    expect(compareDecimal("30", "30.0")).toBe(0);
  });
});

const plan: CommissionPlan = {
  id: "Q29tbWlzc2lvblBsYW46Mw==",
  version: 3,
  isActive: true,
  createdAt: "2026-11-20T08:00:00Z",
  createdBy: "staff@example.com",
  levels: [
    { level: 2, rate: "0.05" },
    { level: 1, rate: "0.12" },
  ],
  gradeRates: [{ gradeId: "R3JhZGU6Mg==", level: 1, rate: "0.15" }],
  productOverrides: [{ id: "UHJvZHVjdDo3Mg==", kind: "FIXED", level: 1, value: "8.00" }],
  categoryOverrides: [{ id: "Q2F0ZWdvcnk6OQ==", kind: "PERCENTAGE", level: 2, value: "0.02" }],
  base: "NET",
  includeShipping: false,
  includeTax: false,
  capShare: "0.3",
  selfPurchase: true,
  activityMode: "SKIP",
  activityDays: 60,
  freezeDays: 14,
};

describe("commission plan form", () => {
  it("shows an active plan in percents and sends it back in fractions", () => {
    const form = planToForm(plan);

    expect(form.levels).toEqual(["12", "5"]);
    expect(form.gradeRates).toEqual({ "R3JhZGU6Mg==": ["15", ""] });
    expect(form.capShare).toBe("30");
    expect(validatePlanForm(form)).toEqual({});
    expect(formToInput(form)).toEqual({
      levels: [
        { level: 1, rate: "0.12" },
        { level: 2, rate: "0.05" },
      ],
      gradeRates: [{ gradeId: "R3JhZGU6Mg==", level: 1, rate: "0.15" }],
      productOverrides: [{ id: "UHJvZHVjdDo3Mg==", kind: "FIXED", level: 1, value: "8.00" }],
      categoryOverrides: [{ id: "Q2F0ZWdvcnk6OQ==", kind: "PERCENTAGE", level: 2, value: "0.02" }],
      base: "NET",
      includeShipping: false,
      includeTax: false,
      capShare: "0.3",
      selfPurchase: true,
      activityMode: "SKIP",
      activityDays: 60,
      freezeDays: 14,
    });
  });

  it("starts from defaults when no plan is active", () => {
    expect(planToForm(null)).toEqual(DEFAULT_PLAN_FORM);
  });

  it("names every invalid field", () => {
    const errors = validatePlanForm({
      ...DEFAULT_PLAN_FORM,
      levels: ["20", "abc", "120"],
      capShare: "30",
      freezeDays: "1.5",
      activityMode: "PASS_UP",
      activityDays: "0",
      productOverrides: [{ id: "", kind: "PERCENTAGE", level: "4", value: "x" }],
    });

    expect(errors).toEqual({
      "levels.1": "percent",
      "levels.2": "percent",
      "productOverrides.0.id": "required",
      "productOverrides.0.level": "level",
      "productOverrides.0.value": "value",
      freezeDays: "days",
      activityDays: "days",
    });
  });

  it("keeps a plan without a cap without one (the API's empty capShare)", () => {
    const form = planToForm({ ...plan, capShare: "" });

    expect(form.capShare).toBe("");
    expect(validatePlanForm(form)).toEqual({});
    expect(formToInput(form).capShare).toBe("");
    expect(formToInput({ ...form, capShare: "40" }).capShare).toBe("0.4");
  });

  it("refuses a cap below the sum of the level rates", () => {
    expect(validatePlanForm({ ...DEFAULT_PLAN_FORM, levels: ["20", "15"], capShare: "30" })).toEqual({
      capShare: "capBelowLevels",
    });
  });
});

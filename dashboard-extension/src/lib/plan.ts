// The commission plan editor's form: what staff type (percents, days) and the
// CommissionPlanInput the API takes (fractions), with validation in between.
import type { CommissionPlan, RateKind } from "../graphql/types";
import { compareDecimal, fractionToPercent, isDecimal, percentToFraction, sumDecimals } from "./decimal";

export interface OverrideForm {
  id: string;
  kind: RateKind;
  level: string;
  value: string; // percent for PERCENTAGE, an amount for FIXED
}

export interface PlanForm {
  levels: string[]; // percent per level, level 1 first
  gradeRates: Record<string, string[]>; // grade id -> percent per level ("" = level rate)
  productOverrides: OverrideForm[];
  categoryOverrides: OverrideForm[];
  base: "NET" | "GROSS";
  includeShipping: boolean;
  includeTax: boolean;
  capShare: string; // percent; "" for no cap
  selfPurchase: boolean;
  activityMode: "OFF" | "SKIP" | "PASS_UP";
  activityDays: string;
  freezeDays: string;
}

export const DEFAULT_PLAN_FORM: PlanForm = {
  levels: ["10", "5"],
  gradeRates: {},
  productOverrides: [],
  categoryOverrides: [],
  base: "NET",
  includeShipping: false,
  includeTax: false,
  capShare: "30",
  selfPurchase: false,
  activityMode: "OFF",
  activityDays: "30",
  freezeDays: "7",
};

const overrideToForm = (o: CommissionPlan["productOverrides"][number]): OverrideForm => ({
  id: o.id,
  kind: o.kind,
  level: String(o.level),
  value: o.kind === "PERCENTAGE" ? fractionToPercent(o.value) : o.value,
});

export function planToForm(plan: CommissionPlan | null | undefined): PlanForm {
  if (!plan) return structuredClone(DEFAULT_PLAN_FORM);
  const levels = [...plan.levels].sort((a, b) => a.level - b.level).map((l) => fractionToPercent(l.rate));
  const gradeRates: Record<string, string[]> = {};
  for (const rate of plan.gradeRates) {
    const row = (gradeRates[rate.gradeId] ??= levels.map(() => ""));
    row[rate.level - 1] = fractionToPercent(rate.rate);
  }
  return {
    levels,
    gradeRates,
    productOverrides: plan.productOverrides.map(overrideToForm),
    categoryOverrides: plan.categoryOverrides.map(overrideToForm),
    base: plan.base,
    includeShipping: plan.includeShipping,
    includeTax: plan.includeTax,
    capShare: plan.capShare === "" ? "" : fractionToPercent(plan.capShare),
    selfPurchase: plan.selfPurchase,
    activityMode: plan.activityMode,
    activityDays: String(plan.activityDays),
    freezeDays: String(plan.freezeDays),
  };
}

export type PlanErrors = Record<string, string>; // field path -> message key

const isPercent = (v: string) => isDecimal(v) && compareDecimal(v.trim(), "100") <= 0;
const isWholeNumber = (v: string) => /^\d+$/.test(v.trim());

export function validatePlanForm(form: PlanForm): PlanErrors {
  const errors: PlanErrors = {};
  if (form.levels.length === 0) errors.levels = "atLeastOneLevel";
  form.levels.forEach((rate, i) => {
    if (!isPercent(rate)) errors[`levels.${i}`] = "percent";
  });
  for (const [gradeId, rates] of Object.entries(form.gradeRates)) {
    rates.forEach((rate, i) => {
      if (rate.trim() !== "" && !isPercent(rate)) errors[`gradeRates.${gradeId}.${i}`] = "percent";
    });
  }
  for (const group of ["productOverrides", "categoryOverrides"] as const) {
    form[group].forEach((o, i) => {
      if (o.id.trim() === "") errors[`${group}.${i}.id`] = "required";
      const level = Number(o.level);
      if (!isWholeNumber(o.level) || level < 1 || level > form.levels.length) errors[`${group}.${i}.level`] = "level";
      if (o.kind === "PERCENTAGE" ? !isPercent(o.value) : !isDecimal(o.value)) errors[`${group}.${i}.value`] = "value";
    });
  }
  if (form.capShare.trim() === "") {
    // no cap: the level rates alone bound an order's commissions
  } else if (!isPercent(form.capShare)) errors.capShare = "percent";
  else if (!errors.levels && form.levels.every(isPercent) && compareDecimal(sumDecimals(form.levels.map((l) => l.trim())), form.capShare.trim()) > 0) {
    errors.capShare = "capBelowLevels";
  }
  if (!isWholeNumber(form.freezeDays)) errors.freezeDays = "days";
  if (form.activityMode !== "OFF" && (!isWholeNumber(form.activityDays) || Number(form.activityDays) < 1)) {
    errors.activityDays = "days";
  }
  return errors;
}

const overrideToInput = (o: OverrideForm) => ({
  id: o.id.trim(),
  kind: o.kind,
  level: Number(o.level),
  value: o.kind === "PERCENTAGE" ? percentToFraction(o.value) : o.value.trim(),
});

/** The CommissionPlanInput for a valid form (call validatePlanForm first). */
export function formToInput(form: PlanForm) {
  return {
    levels: form.levels.map((rate, i) => ({ level: i + 1, rate: percentToFraction(rate) })),
    gradeRates: Object.entries(form.gradeRates).flatMap(([gradeId, rates]) =>
      rates.flatMap((rate, i) =>
        rate.trim() === "" || i >= form.levels.length ? [] : [{ gradeId, level: i + 1, rate: percentToFraction(rate) }],
      ),
    ),
    productOverrides: form.productOverrides.map(overrideToInput),
    categoryOverrides: form.categoryOverrides.map(overrideToInput),
    base: form.base,
    includeShipping: form.includeShipping,
    includeTax: form.includeTax,
    capShare: form.capShare.trim() === "" ? "" : percentToFraction(form.capShare),
    selfPurchase: form.selfPurchase,
    activityMode: form.activityMode,
    activityDays: Number(form.activityDays) || 0,
    freezeDays: Number(form.freezeDays),
  };
}

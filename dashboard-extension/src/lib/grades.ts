// The grade editor's form: what staff type (strings), checked before sending, and turned
// into gradeCreate / gradeUpdate input. An empty target is "not required" (sent as null).
import type { Grade, GradeProgress } from "../graphql/types";
import { currencyDigits } from "./money";

export interface GradeForm {
  name: string;
  rank: string;
  minSales: string;
  currency: string;
  minDirectCount: string;
  minTeamSize: string;
  autoUpgrade: boolean;
}

export type GradeFormErrors = Partial<Record<keyof GradeForm, "required" | "whole" | "amount" | "digits" | "currency">>;

export const DEFAULT_CURRENCY = "CNY";

/** A form for `grade`, or for a new grade ranked above every existing one. */
export function gradeToForm(grade: Grade | null, existing: Grade[] = []): GradeForm {
  if (!grade) {
    const top = existing.reduce((max, g) => Math.max(max, g.rank), 0);
    return {
      name: "",
      rank: String(existing.length > 0 ? top + 1 : 1),
      minSales: "",
      currency: existing.find((g) => g.minSales)?.minSales?.currency ?? DEFAULT_CURRENCY,
      minDirectCount: "",
      minTeamSize: "",
      autoUpgrade: true,
    };
  }
  return {
    name: grade.name,
    rank: String(grade.rank),
    minSales: grade.minSales?.amount ?? "",
    currency: grade.minSales?.currency ?? DEFAULT_CURRENCY,
    minDirectCount: grade.minDirectCount == null ? "" : String(grade.minDirectCount),
    minTeamSize: grade.minTeamSize == null ? "" : String(grade.minTeamSize),
    autoUpgrade: grade.autoUpgrade ?? false,
  };
}

const WHOLE = /^\d{1,9}$/;
const AMOUNT = /^\d{1,17}(\.\d+)?$/;
const CURRENCY = /^[A-Z]{3}$/;

export function validateGradeForm(form: GradeForm): GradeFormErrors {
  const errors: GradeFormErrors = {};
  if (form.name.trim() === "") errors.name = "required";
  if (!WHOLE.test(form.rank.trim())) errors.rank = "whole";
  const sales = form.minSales.trim().replace(/,/g, "");
  if (sales !== "") {
    if (!CURRENCY.test(form.currency.trim())) errors.currency = "currency";
    if (!AMOUNT.test(sales)) errors.minSales = "amount";
    else if ((sales.split(".")[1] ?? "").length > currencyDigits(form.currency.trim())) errors.minSales = "digits";
  }
  for (const key of ["minDirectCount", "minTeamSize"] as const) {
    if (form[key].trim() !== "" && !WHOLE.test(form[key].trim())) errors[key] = "whole";
  }
  return errors;
}

const count = (text: string): number | null => (text.trim() === "" ? null : Number(text.trim()));

/** gradeCreate / gradeUpdate input: every field, so emptied targets are cleared. */
export function gradeFormToInput(form: GradeForm) {
  const sales = form.minSales.trim().replace(/,/g, "");
  return {
    name: form.name.trim(),
    rank: Number(form.rank.trim()),
    minSales: sales === "" ? null : { amount: sales, currency: form.currency.trim() },
    minDirectCount: count(form.minDirectCount),
    minTeamSize: count(form.minTeamSize),
    autoUpgrade: form.autoUpgrade,
  };
}

export function hasTargets(grade: Grade): boolean {
  return Boolean(grade.minSales) || grade.minDirectCount != null || grade.minTeamSize != null;
}

/** How far along a target is, 0..1: for a progress bar only (labels use the exact values). */
export function targetShare(target: GradeProgress["targets"][number]): number {
  const [current, required] =
    target.target === "SALES"
      ? [Number(target.currentSales?.amount ?? 0), Number(target.requiredSales?.amount ?? 0)]
      : [target.currentCount ?? 0, target.requiredCount ?? 0];
  if (target.met || required <= 0) return 1;
  return Math.max(0, Math.min(1, current / required));
}

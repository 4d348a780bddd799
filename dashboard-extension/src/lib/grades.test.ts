import { gradeFormToInput, gradeToForm, targetShare, validateGradeForm, type GradeForm } from "./grades";

const gold = {
  id: "R3JhZGU6Mg==",
  name: "Gold",
  rank: 2,
  minSales: { amount: "1000.00", currency: "USD", fractionDigits: 2 },
  minDirectCount: 3,
  minTeamSize: null,
  autoUpgrade: true,
};
const form = (patch: Partial<GradeForm> = {}): GradeForm => ({ ...gradeToForm(gold), ...patch });

describe("grade form", () => {
  it("shows a grade's targets, empty where none is required", () => {
    expect(gradeToForm(gold)).toEqual({
      name: "Gold",
      rank: "2",
      minSales: "1000.00",
      currency: "USD",
      minDirectCount: "3",
      minTeamSize: "",
      autoUpgrade: true,
    });
  });

  it("starts a new grade above the highest, in the currency already used", () => {
    const silver = { id: "R3JhZGU6MQ==", name: "Silver", rank: 1, minSales: null, minDirectCount: null, minTeamSize: null, autoUpgrade: false };
    expect(gradeToForm(null, [silver, gold])).toMatchObject({ name: "", rank: "3", currency: "USD", autoUpgrade: true });
    expect(gradeToForm(null, [])).toMatchObject({ rank: "1", currency: "CNY" });
  });

  it("sends every field, empty targets as null so they are cleared", () => {
    expect(gradeFormToInput(form({ name: " Gold+ ", minSales: "1,200.5", minDirectCount: "" }))).toEqual({
      name: "Gold+",
      rank: 2,
      minSales: { amount: "1200.5", currency: "USD" },
      minDirectCount: null,
      minTeamSize: null,
      autoUpgrade: true,
    });
    expect(gradeFormToInput(form({ minSales: "" })).minSales).toBeNull();
  });

  it("refuses what the API would refuse", () => {
    expect(validateGradeForm(form())).toEqual({});
    expect(
      validateGradeForm(form({ name: " ", rank: "-1", minSales: "abc", currency: "usd", minDirectCount: "2.5", minTeamSize: "x" })),
    ).toEqual({ name: "required", rank: "whole", minSales: "amount", currency: "currency", minDirectCount: "whole", minTeamSize: "whole" });
    expect(validateGradeForm(form({ minSales: "10.5", currency: "JPY" }))).toEqual({ minSales: "digits" });
    // No sales target: the currency is not looked at.
    expect(validateGradeForm(form({ minSales: "", currency: "" }))).toEqual({});
  });
});

describe("targetShare", () => {
  const base = { requiredSales: null, currentSales: null, requiredCount: null, currentCount: null };
  it("is the share reached, capped at 1, and 1 when met", () => {
    expect(targetShare({ ...base, target: "DIRECT_COUNT", met: false, requiredCount: 4, currentCount: 1 })).toBe(0.25);
    expect(
      targetShare({ ...base, target: "SALES", met: false, requiredSales: { amount: "500.00", currency: "USD" }, currentSales: { amount: "125.00", currency: "USD" } }),
    ).toBe(0.25);
    expect(targetShare({ ...base, target: "TEAM_SIZE", met: true, requiredCount: 0, currentCount: 0 })).toBe(1);
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ProgrammePage, payoutInput } from "./ProgrammePage";
import { mockClient, renderWithApp, type SentOperation } from "../test/utils";

const plan = {
  id: "UGxhbjox",
  version: 1,
  isActive: true,
  createdAt: "2026-11-20T08:00:00Z",
  createdBy: "owner@example.com",
  levels: [
    { level: 1, rate: "0.1" },
    { level: 2, rate: "0.05" },
  ],
  gradeRates: [],
  productOverrides: [],
  categoryOverrides: [],
  base: "NET",
  includeShipping: false,
  includeTax: false,
  capShare: "0.3",
  selfPurchase: false,
  activityMode: "OFF",
  activityDays: 30,
  freezeDays: 7,
};
const payouts = {
  wechatEnabled: true,
  wechatMchId: "1900000109",
  wechatAppId: "wx8888888888888888",
  wechatConfigured: true,
  alipayEnabled: false,
  alipayAppId: null,
  alipayConfigured: false,
  manualEnabled: true,
};

function api(overrides: Partial<Record<string, () => unknown>> = {}) {
  return mockClient((op: SentOperation) => {
    const override = overrides[op.name];
    if (override) return override() as never;
    switch (op.name) {
      case "CommissionPlans":
        return { data: { activeCommissionPlan: plan, commissionPlans: { totalCount: 1, edges: [{ node: plan }] }, grades: [] } };
      case "ProgrammeSettings":
        return { data: { programmeSettings: null } };
      case "Grades":
        return { data: { grades: [] } };
      case "PayoutSettings":
        return { data: { payoutSettings: payouts } };
      case "CommissionPlanCreate":
        return { data: { commissionPlanCreate: { commissionPlan: { ...plan, id: "UGxhbjoy", version: 2, isActive: false }, errors: [] } } };
      case "CommissionPlanActivate":
        return { data: { commissionPlanActivate: { commissionPlan: { ...plan, id: "UGxhbjoy", version: 2 }, errors: [] } } };
      case "PayoutSettingsUpdate":
        return { data: { payoutSettingsUpdate: { payoutSettings: payouts, errors: [] } } };
      default:
        throw new Error(`unexpected ${op.name}`);
    }
  });
}

describe("ProgrammePage", () => {
  it("shows each section's API error without breaking the page", async () => {
    const { client } = mockClient(() => ({ errors: [{ message: 'Cannot query field "commissionPlans" on type "Query".' }] }));
    renderWithApp(<ProgrammePage />, { client });

    // Plans, grades, settings and payouts: each its own error.
    await waitFor(() => expect(screen.getAllByTestId("api-message")).toHaveLength(4));
  });

  it("saves the edited plan as a new version and activates it", async () => {
    const { client, sent } = api();
    renderWithApp(<ProgrammePage />, { client });

    const level1 = within(await screen.findByTestId("level-1")).queryByRole("textbox") ?? (await screen.findByTestId("level-1"));
    await userEvent.clear(level1);
    await userEvent.type(level1, "12.5");
    await userEvent.click(screen.getByTestId("save-plan"));

    await waitFor(() => expect(sent.map((op) => op.name)).toContain("CommissionPlanActivate"));
    const create = sent.find((op) => op.name === "CommissionPlanCreate")!;
    expect((create.variables.input as { levels: unknown }).levels).toEqual([
      { level: 1, rate: "0.125" },
      { level: 2, rate: "0.05" },
    ]);
    expect(sent.find((op) => op.name === "CommissionPlanActivate")!.variables).toEqual({ id: "UGxhbjoy" });
  });

  it("refuses an invalid plan before sending anything", async () => {
    const { client, sent } = api();
    renderWithApp(<ProgrammePage />, { client });

    const level1 = within(await screen.findByTestId("level-1")).queryByRole("textbox") ?? (await screen.findByTestId("level-1"));
    await userEvent.clear(level1);
    await userEvent.type(level1, "150");
    await userEvent.click(screen.getByTestId("save-plan"));

    expect((await screen.findByTestId("plan-error")).textContent).toBe("Check the highlighted values.");
    expect(sent.filter((op) => op.kind === "mutation")).toEqual([]);
  });

  it("never shows stored payout secrets and sends only the ones typed", async () => {
    const { client } = api();
    const { container } = renderWithApp(<ProgrammePage />, { client });

    await screen.findByText("Credentials stored");
    const secrets = container.querySelectorAll<HTMLInputElement>("input[data-secret]");
    expect([...secrets].map((input) => [input.type, input.value])).toEqual([
      ["password", ""],
      ["password", ""],
      ["password", ""],
      ["password", ""],
      ["password", ""],
      ["password", ""],
    ]);
    expect(payoutInput(payouts, { wechatApiV3Key: "new-key-32-bytes", wechatPrivateKey: "  " })).toEqual({
      wechatEnabled: true,
      wechatMchId: "1900000109",
      wechatAppId: "wx8888888888888888",
      alipayEnabled: false,
      alipayAppId: null,
      manualEnabled: true,
      wechatApiV3Key: "new-key-32-bytes",
    });
  });
});

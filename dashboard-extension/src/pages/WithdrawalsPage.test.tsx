import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { WithdrawalsPage } from "./WithdrawalsPage";
import { mockClient, money, renderWithApp, type SentOperation } from "../test/utils";

const withdrawal = (n: number, amount: string, currency = "CNY") => ({
  id: `V2l0aGRyYXdhbDo${n}`,
  status: "REQUESTED",
  channel: "WECHAT",
  payee: "微信 o***9xQ",
  providerStatus: null,
  failureReason: null,
  rejectionReason: null,
  requestedAt: "2026-11-25T03:00:00Z",
  amount: money(amount, currency),
  fee: money("0.00", currency),
  net: money(amount, currency),
  distributor: { id: `RGlzdHJpYnV0b3I6${n}`, code: `CODE${n}`, displayName: `分销员 ${n}` },
});

function api(rows = [withdrawal(1, "100.00"), withdrawal(2, "2500", "JPY")]) {
  return mockClient((op: SentOperation) => {
    switch (op.name) {
      case "Withdrawals":
        return { data: { withdrawals: { totalCount: rows.length, pageInfo: { hasNextPage: false, endCursor: null }, edges: rows.map((node) => ({ node })) } } };
      case "WithdrawalApprove":
        return { data: { withdrawalApprove: { withdrawal: { ...rows[0], status: "APPROVED" }, errors: [] } } };
      case "WithdrawalReject":
        return { data: { withdrawalReject: { withdrawal: null, errors: [{ field: "id", code: "INVALID_STATUS", message: "The withdrawal is already paid" }] } } };
      case "WithdrawalsApprove":
        return { data: { withdrawalsApprove: { withdrawals: [], errors: [] } } };
      default:
        throw new Error(`unexpected ${op.name}`);
    }
  });
}

describe("WithdrawalsPage", () => {
  it("lists the queue with payee, amount, fee and net per currency", async () => {
    const { client, sent } = api();
    renderWithApp(<WithdrawalsPage />, { client });

    const table = await screen.findByTestId("withdrawal-table");
    expect(within(table).getAllByText("CN¥100.00")).toHaveLength(2); // amount and net
    expect(within(table).getAllByText("¥2,500")).toHaveLength(2); // JPY: no minor digits
    expect(within(table).getAllByText("微信 o***9xQ")).toHaveLength(2);
    expect(sent[0]).toEqual({
      name: "Withdrawals",
      kind: "query",
      variables: { first: 20, after: null, filter: { status: ["REQUESTED"] }, sortBy: { field: "REQUESTED_AT", direction: "ASC" } },
    });
  });

  it("approves one withdrawal only after confirmation and tells the dashboard", async () => {
    const { client, sent } = api();
    const { bridge } = renderWithApp(<WithdrawalsPage />, { client });

    await userEvent.click((await screen.findAllByTestId("approve"))[0]);
    expect(sent.filter((op) => op.kind === "mutation")).toEqual([]);
    const dialog = screen.getByRole("alertdialog");
    expect(within(dialog).getByText("CN¥100.00 will be paid to 微信 o***9xQ through WeChat Pay.")).toBeTruthy();
    await userEvent.click(within(dialog).getByTestId("confirm"));

    await waitFor(() => expect(sent.filter((op) => op.kind === "mutation")).toEqual([
      { name: "WithdrawalApprove", kind: "mutation", variables: { id: "V2l0aGRyYXdhbDo1" } },
    ]));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(bridge.dispatched.map((a) => [a.type, a.payload.status, a.payload.title])).toContainEqual(["notification", "success", "Withdrawal approved"]);
  });

  it("keeps the reject dialog open with the API's error", async () => {
    const { client } = api();
    renderWithApp(<WithdrawalsPage />, { client });

    await userEvent.click((await screen.findAllByTestId("reject"))[0]);
    await userEvent.type(screen.getByRole("textbox", { name: "Reason" }), "Payee name does not match");
    await userEvent.click(screen.getByTestId("confirm"));

    await waitFor(() => expect(screen.getByTestId("dialog-error").textContent).toBe("id: The withdrawal is already paid"));
  });

  it("batch-approves the selected withdrawals", async () => {
    const { client, sent } = api();
    renderWithApp(<WithdrawalsPage />, { client });

    await screen.findByTestId("withdrawal-table");
    await userEvent.click(screen.getByRole("checkbox", { name: "Select all" }));
    await userEvent.click(screen.getByTestId("batch-approve"));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByTestId("confirm"));

    await waitFor(() =>
      expect(sent.find((op) => op.name === "WithdrawalsApprove")?.variables).toEqual({ ids: ["V2l0aGRyYXdhbDo1", "V2l0aGRyYXdhbDo2"] }),
    );
  });

  it("shows the permission-denied view when the API refuses", async () => {
    const { client } = mockClient(() => ({
      errors: [{ message: "You need one of the following permissions: MANAGE_ORDERS", extensions: { code: "PERMISSION_DENIED" } }],
    }));
    renderWithApp(<WithdrawalsPage />, { client });

    expect((await screen.findByRole("alert")).getAttribute("data-state")).toBe("permission-denied");
  });

  it("shows the API's message when a query fails", async () => {
    const { client } = mockClient(() => ({ errors: [{ message: 'Cannot query field "withdrawals" on type "Query".' }] }));
    renderWithApp(<WithdrawalsPage />, { client });

    expect((await screen.findByTestId("api-message")).textContent).toBe('Cannot query field "withdrawals" on type "Query".');
  });

  it("shows an empty queue", async () => {
    const { client } = api([]);
    renderWithApp(<WithdrawalsPage />, { client });

    expect(await screen.findByText("No withdrawal in this state.")).toBeTruthy();
  });
});

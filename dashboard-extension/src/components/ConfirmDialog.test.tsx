import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConfirmDialog } from "./ConfirmDialog";
import { mockClient, renderWithApp } from "../test/utils";

function setup(onConfirm: (reason: string) => Promise<string | null>, requireReason = false) {
  const onClose = vi.fn();
  const { client } = mockClient(() => ({ data: {} }));
  renderWithApp(
    <ConfirmDialog open title="Suspend Chen?" text="They stop earning." destructive requireReason={requireReason} onConfirm={onConfirm} onClose={onClose} />,
    { client },
  );
  return { onClose };
}

describe("ConfirmDialog", () => {
  it("does nothing until confirmed, and cancel never confirms", async () => {
    const onConfirm = vi.fn(async () => null);
    const { onClose } = setup(onConfirm);

    expect(screen.getByRole("alertdialog", { name: "Suspend Chen?" })).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));

    expect(onConfirm).not.toHaveBeenCalled();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("requires a reason when asked and passes it on", async () => {
    const onConfirm = vi.fn(async () => null);
    const { onClose } = setup(onConfirm, true);

    await userEvent.click(screen.getByTestId("confirm"));
    expect(screen.getByTestId("dialog-error").textContent).toBe("A reason is required.");
    expect(onConfirm).not.toHaveBeenCalled();

    await userEvent.type(screen.getByRole("textbox", { name: "Reason" }), "  Fake orders  ");
    await userEvent.click(screen.getByTestId("confirm"));

    expect(onConfirm).toHaveBeenCalledWith("Fake orders");
    await waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
  });

  it("stays open with the API's message when the action fails", async () => {
    const onConfirm = vi.fn(async () => "Distributor is already suspended");
    const { onClose } = setup(onConfirm);

    await userEvent.click(screen.getByTestId("confirm"));

    await waitFor(() => expect(screen.getByTestId("dialog-error").textContent).toBe("Distributor is already suspended"));
    expect(onClose).not.toHaveBeenCalled();
  });
});

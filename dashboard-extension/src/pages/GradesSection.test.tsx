import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { GradesSection } from "./GradesSection";
import { mockClient, money, renderWithApp, type SentOperation } from "../test/utils";

const silver = { id: "R3JhZGU6MQ==", name: "Silver", rank: 1, minSales: null, minDirectCount: null, minTeamSize: null, autoUpgrade: false };
const gold = { id: "R3JhZGU6Mg==", name: "Gold", rank: 2, minSales: money("1000.00"), minDirectCount: 3, minTeamSize: null, autoUpgrade: true };

function api(answers: Partial<Record<string, (op: SentOperation) => unknown>> = {}) {
  return mockClient((op: SentOperation) => {
    const answer = answers[op.name];
    if (answer) return answer(op) as never;
    if (op.name === "Grades") return { data: { grades: [gold, silver] } };
    throw new Error(`unexpected ${op.name}`);
  });
}

const textbox = (testId: string) => within(screen.getByTestId(testId)).queryByRole("textbox") ?? screen.getByTestId(testId);

describe("GradesSection", () => {
  it("lists the grades by rank with their targets", async () => {
    const { client } = api();
    renderWithApp(<GradesSection />, { client });

    const list = await screen.findByTestId("grade-list");
    const rows = [...list.querySelectorAll("tbody tr")].map((row) => [...row.querySelectorAll("td")].slice(0, 4).map((cell) => cell.textContent));
    expect(rows).toEqual([
      ["1", "Silver", "No targets: given by staff", "By staff"],
      ["2", "Gold", "Sales ≥ CN¥1,000.00 · Direct ≥ 3", "Automatic"],
    ]);
  });

  it("adds a grade with its targets", async () => {
    const { client, sent } = api({
      GradeCreate: () => ({ data: { gradeCreate: { grade: { ...gold, id: "R3JhZGU6Mw==", name: "Diamond", rank: 3 }, errors: [] } } }),
    });
    renderWithApp(<GradesSection />, { client });

    await userEvent.click(await screen.findByTestId("add-grade"));
    await userEvent.type(textbox("grade-name"), "Diamond");
    await userEvent.type(textbox("grade-minTeamSize"), "50");
    await userEvent.type(textbox("grade-minSales"), "5000");
    await userEvent.click(screen.getByTestId("confirm"));

    await waitFor(() => expect(sent.map((op) => op.name)).toContain("GradeCreate"));
    expect(sent.find((op) => op.name === "GradeCreate")!.variables).toEqual({
      input: { name: "Diamond", rank: 3, minSales: { amount: "5000", currency: "CNY" }, minDirectCount: null, minTeamSize: 50, autoUpgrade: true },
    });
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
  });

  it("refuses a bad target before sending, and shows the API's refusal", async () => {
    const { client, sent } = api({
      GradeUpdate: () => ({ data: { gradeUpdate: { grade: null, errors: [{ field: "rank", code: "GRADE_RANK_TAKEN", message: "Another grade has this rank." }] } } }),
    });
    renderWithApp(<GradesSection />, { client });

    await userEvent.click(await screen.findByTestId("edit-grade-2"));
    await userEvent.type(textbox("grade-minDirectCount"), ".5");
    await userEvent.click(screen.getByTestId("confirm"));
    expect((await screen.findByTestId("dialog-error")).textContent).toBe("Check the highlighted values.");
    expect(sent.filter((op) => op.kind === "mutation")).toEqual([]);

    await userEvent.clear(textbox("grade-minDirectCount"));
    await userEvent.clear(textbox("grade-rank"));
    await userEvent.type(textbox("grade-rank"), "1");
    await userEvent.click(screen.getByTestId("confirm"));

    await waitFor(() => expect(screen.getByTestId("dialog-error").textContent).toBe("rank: Another grade has this rank."));
    expect(sent.find((op) => op.name === "GradeUpdate")!.variables).toEqual({
      id: gold.id,
      input: { name: "Gold", rank: 1, minSales: { amount: "1000.00", currency: "CNY" }, minDirectCount: null, minTeamSize: null, autoUpgrade: true },
    });
  });

  it("deletes a grade only after confirmation, and explains a refusal", async () => {
    const { client, sent } = api({
      GradeDelete: () => ({
        data: { gradeDelete: { grade: null, errors: [{ field: "id", code: "GRADE_IN_USE", message: "1 distributor(s) hold this grade; give them another grade first." }] } },
      }),
    });
    renderWithApp(<GradesSection />, { client, language: "zh-CN" });

    await userEvent.click(await screen.findByTestId("delete-grade-1"));
    expect(screen.getByRole("alertdialog").textContent).toContain("删除等级 Silver？");
    expect(sent.filter((op) => op.kind === "mutation")).toEqual([]);
    await userEvent.click(screen.getByTestId("confirm"));

    await waitFor(() => expect(screen.getByTestId("dialog-error").textContent).toBe("id: 1 distributor(s) hold this grade; give them another grade first."));
    expect(sent.find((op) => op.name === "GradeDelete")!.variables).toEqual({ id: silver.id });
  });
});

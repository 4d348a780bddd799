import { screen } from "@testing-library/react";
import { GradeProgressCard } from "./GradeProgressCard";
import { mockClient, money, renderWithApp } from "../test/utils";

const progress = {
  grade: { id: "R3JhZGU6Mg==", name: "Gold", autoUpgrade: true },
  met: false,
  targets: [
    { target: "SALES" as const, met: false, requiredSales: money("500.00", "USD"), currentSales: money("111.00", "USD"), requiredCount: null, currentCount: null },
    { target: "DIRECT_COUNT" as const, met: true, requiredSales: null, currentSales: null, requiredCount: 2, currentCount: 3 },
  ],
};

describe("GradeProgressCard", () => {
  const { client } = mockClient(() => ({ data: {} }));

  it("shows each target of the next grade with where the distributor is", () => {
    renderWithApp(<GradeProgressCard progress={progress} hasGrade />, { client });

    const card = screen.getByTestId("next-grade");
    expect(card.querySelector("header")?.textContent).toBe("Next grade: Gold");
    const rows = [...card.querySelectorAll("[data-target]")].map((row) => [row.getAttribute("data-met"), row.querySelector(".row")?.textContent]);
    expect(rows).toEqual([
      ["false", "Own paid sales$111.00 of $500.00"],
      ["true", "✓ Direct recruits3 of 2"],
    ]);
  });

  it("says when every target is met, in Chinese too", () => {
    renderWithApp(<GradeProgressCard progress={{ ...progress, met: true }} hasGrade />, { client, language: "zh-CN" });

    expect(screen.getByText("已达到全部条件：将在下次检查时升级。")).toBeTruthy();
  });

  it("says the top is reached, and shows nothing when there are no grades", () => {
    const { unmount } = renderWithApp(<GradeProgressCard progress={null} hasGrade />, { client });
    expect(screen.getByTestId("next-grade").textContent).toBe("Top grade reached.");
    unmount();

    renderWithApp(<GradeProgressCard progress={null} hasGrade={false} />, { client });
    expect(screen.queryByTestId("next-grade")).toBeNull();
  });
});

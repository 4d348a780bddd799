import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { TeamTree } from "./TeamTree";
import { mockClient, renderWithApp, type SentOperation } from "../test/utils";

const member = (id: string, directCount = 0) => ({
  id,
  code: id.toUpperCase(),
  displayName: `Member ${id}`,
  status: "ACTIVE",
  teamSize: directCount * 2,
  directCount,
});

// A distributor with 100,000 direct members, served 50 at a time like the API would.
function bigTeam() {
  return mockClient((op: SentOperation) => {
    const { id, first, after } = op.variables as { id: string; first: number; after: string | null };
    if (id === "root") {
      const start = after ? Number(after) : 0;
      const nodes = Array.from({ length: first }, (_, i) => member(`m${start + i}`, start + i === 0 ? 3 : 0));
      return {
        data: {
          distributor: {
            id,
            team: { totalCount: 100000, pageInfo: { hasNextPage: true, endCursor: String(start + first) }, edges: nodes.map((node) => ({ node })) },
          },
        },
      };
    }
    return {
      data: {
        distributor: {
          id,
          team: { totalCount: 3, pageInfo: { hasNextPage: false, endCursor: null }, edges: ["a", "b", "c"].map((s) => ({ node: member(`${id}-${s}`) })) },
        },
      },
    };
  });
}

describe("TeamTree", () => {
  it("loads the team page by page and branches only when opened", async () => {
    const { client, sent } = bigTeam();
    renderWithApp(<TeamTree rootId="root" onOpen={() => undefined} />, { client });

    expect(await screen.findByRole("button", { name: "Load more (50 of 100,000)" })).toBeTruthy();
    expect(screen.getAllByRole("treeitem")).toHaveLength(50);
    expect(sent).toEqual([{ name: "DistributorTeam", kind: "query", variables: { id: "root", first: 50, after: null } }]);

    await userEvent.click(screen.getByTestId("team-load-more"));
    expect(await screen.findByRole("button", { name: "Load more (100 of 100,000)" })).toBeTruthy();
    expect(screen.getAllByRole("treeitem")).toHaveLength(100);
    expect(sent[1].variables).toEqual({ id: "root", first: 50, after: "50" });

    await userEvent.click(screen.getByRole("button", { name: "M0" }));
    await waitFor(() => expect(screen.getAllByRole("treeitem")).toHaveLength(103));
    expect(sent[2].variables).toEqual({ id: "m0", first: 50, after: null });
    expect(screen.getByRole("treeitem", { expanded: true }).getAttribute("data-code")).toBe("M0");

    await userEvent.click(screen.getByRole("button", { name: "M0" }));
    expect(screen.getAllByRole("treeitem")).toHaveLength(100);
    await userEvent.click(screen.getByRole("button", { name: "M0" }));
    expect(screen.getAllByRole("treeitem")).toHaveLength(103);
    expect(sent).toHaveLength(3); // reopening reuses the loaded page
  });

  it("says so when nobody joined yet", async () => {
    const { client } = mockClient(() => ({
      data: { distributor: { id: "root", team: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] } } },
    }));
    renderWithApp(<TeamTree rootId="root" onOpen={() => undefined} />, { client });

    expect(await screen.findByText("No one has joined through this distributor yet.")).toBeTruthy();
  });
});

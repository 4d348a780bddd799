import { addPage, emptyTree, failLoading, needsFirstPage, startLoading, toggle, visibleRows, type TeamMember } from "./tree";

const member = (n: number, directCount = 0): TeamMember => ({
  id: `D${n}`,
  code: `C${n}`,
  displayName: `Member ${n}`,
  status: "ACTIVE",
  teamSize: directCount,
  directCount,
});

describe("team tree paging", () => {
  it("appends pages and offers more until the last page", () => {
    let tree = startLoading(emptyTree(), "root");
    expect(visibleRows(tree, "root")).toEqual([{ kind: "loading", parentId: "root", depth: 0 }]);

    tree = addPage(tree, "root", { members: [member(1), member(2)], endCursor: "c2", hasNextPage: true, totalCount: 100000 });
    let rows = visibleRows(tree, "root");
    expect(rows.map((r) => r.kind)).toEqual(["member", "member", "more"]);
    expect(rows[2]).toEqual({ kind: "more", parentId: "root", depth: 0, loaded: 2, total: 100000, loading: false });
    expect(tree.branches.root.endCursor).toBe("c2");

    tree = addPage(tree, "root", { members: [member(2), member(3)], endCursor: "c3", hasNextPage: false, totalCount: null });
    rows = visibleRows(tree, "root");
    expect(rows.map((r) => (r.kind === "member" ? r.member.id : r.kind))).toEqual(["D1", "D2", "D3"]);
    expect(tree.branches.root.totalCount).toBe(100000);
  });

  it("loads a branch only when first expanded and nests its rows", () => {
    let tree = addPage(emptyTree(), "root", { members: [member(1, 3), member(2)], endCursor: null, hasNextPage: false, totalCount: 2 });
    expect(needsFirstPage(tree, "D1")).toBe(true);

    tree = toggle(tree, "D1");
    tree = addPage(tree, "D1", { members: [member(10)], endCursor: "x", hasNextPage: true, totalCount: 3 });
    expect(needsFirstPage(tree, "D1")).toBe(false);
    const rows = visibleRows(tree, "root");
    expect(rows.map((r) => [r.kind, r.depth])).toEqual([
      ["member", 0],
      ["member", 1],
      ["more", 1],
      ["member", 0],
    ]);

    tree = toggle(tree, "D1");
    expect(visibleRows(tree, "root").map((r) => r.kind)).toEqual(["member", "member"]);
    expect(needsFirstPage(tree, "D1")).toBe(false); // collapsing keeps what was loaded
  });

  it("shows a failed page with its message", () => {
    const tree = failLoading(startLoading(emptyTree(), "root"), "root", "You need MANAGE_USERS");
    expect(visibleRows(tree, "root")).toEqual([{ kind: "error", parentId: "root", depth: 0, message: "You need MANAGE_USERS" }]);
  });

  it("never renders more than the row budget", () => {
    const members = Array.from({ length: 300 }, (_, i) => member(i));
    const tree = addPage(emptyTree(), "root", { members, endCursor: "c", hasNextPage: true, totalCount: 100000 });
    expect(visibleRows(tree, "root", 100)).toHaveLength(100);
  });
});

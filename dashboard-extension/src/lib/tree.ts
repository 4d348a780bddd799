// The team tree, loaded one page of direct children at a time, so a distributor with
// 100,000 people below them costs one small request per expanded branch and page, and only
// loaded rows are ever rendered.

export interface TeamMember {
  id: string;
  code: string;
  displayName: string;
  status: string;
  teamSize: number;
  directCount: number;
}

export interface Branch {
  childIds: string[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount: number | null;
  loading: boolean;
  error: string | null;
}

export interface TreeState {
  members: Record<string, TeamMember>;
  branches: Record<string, Branch>;
  expanded: Record<string, boolean>;
}

export interface TeamPage {
  members: TeamMember[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount: number | null;
}

export type TreeRow =
  | { kind: "member"; member: TeamMember; depth: number; expanded: boolean }
  | { kind: "more"; parentId: string; depth: number; loaded: number; total: number | null; loading: boolean }
  | { kind: "loading"; parentId: string; depth: number }
  | { kind: "error"; parentId: string; depth: number; message: string };

export const TEAM_PAGE_SIZE = 50;

export const emptyTree = (): TreeState => ({ members: {}, branches: {}, expanded: {} });

const emptyBranch = (): Branch => ({
  childIds: [],
  endCursor: null,
  hasNextPage: true,
  totalCount: null,
  loading: false,
  error: null,
});

export function startLoading(state: TreeState, parentId: string): TreeState {
  const branch = state.branches[parentId] ?? emptyBranch();
  return {
    ...state,
    branches: { ...state.branches, [parentId]: { ...branch, loading: true, error: null } },
  };
}

export function failLoading(state: TreeState, parentId: string, message: string): TreeState {
  const branch = state.branches[parentId] ?? emptyBranch();
  return {
    ...state,
    branches: { ...state.branches, [parentId]: { ...branch, loading: false, error: message } },
  };
}

/** Append a page of direct children; a member already listed is not listed twice. */
export function addPage(state: TreeState, parentId: string, page: TeamPage): TreeState {
  const branch = state.branches[parentId] ?? emptyBranch();
  const known = new Set(branch.childIds);
  const members = { ...state.members };
  const childIds = [...branch.childIds];
  for (const member of page.members) {
    members[member.id] = member;
    if (!known.has(member.id)) {
      known.add(member.id);
      childIds.push(member.id);
    }
  }
  return {
    ...state,
    members,
    branches: {
      ...state.branches,
      [parentId]: {
        childIds,
        endCursor: page.endCursor,
        hasNextPage: page.hasNextPage,
        totalCount: page.totalCount ?? branch.totalCount,
        loading: false,
        error: null,
      },
    },
  };
}

export function toggle(state: TreeState, id: string): TreeState {
  return { ...state, expanded: { ...state.expanded, [id]: !state.expanded[id] } };
}

/** Does expanding `id` need a first page from the API? */
export function needsFirstPage(state: TreeState, id: string): boolean {
  const branch = state.branches[id];
  return !branch || (branch.childIds.length === 0 && branch.hasNextPage && !branch.loading);
}

/** The rows to render under `rootId`: loaded members of expanded branches, depth first,
 * each branch followed by a "load more" row while it has further pages. */
export function visibleRows(state: TreeState, rootId: string, maxRows = 5000): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (parentId: string, depth: number): void => {
    const branch = state.branches[parentId];
    if (!branch) return;
    for (const childId of branch.childIds) {
      if (rows.length >= maxRows) return;
      const member = state.members[childId];
      const expanded = Boolean(state.expanded[childId]);
      rows.push({ kind: "member", member, depth, expanded });
      if (expanded) walk(childId, depth + 1);
    }
    if (branch.error) {
      rows.push({ kind: "error", parentId, depth, message: branch.error });
    } else if (branch.loading && branch.childIds.length === 0) {
      rows.push({ kind: "loading", parentId, depth });
    } else if (branch.hasNextPage && branch.childIds.length > 0) {
      rows.push({
        kind: "more",
        parentId,
        depth,
        loaded: branch.childIds.length,
        total: branch.totalCount,
        loading: branch.loading,
      });
    }
  };
  walk(rootId, 0);
  return rows;
}

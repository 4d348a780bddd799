// A distributor's team, one page of direct children per request, expanded branch by branch.
import { Button, Text } from "@saleor/macaw-ui";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useClient } from "urql";
import { doc } from "../graphql/documents";
import type { Connection } from "../graphql/types";
import { problemFromError } from "../lib/errors";
import { useFormat } from "../lib/format";
import {
  TEAM_PAGE_SIZE,
  addPage,
  emptyTree,
  failLoading,
  needsFirstPage,
  startLoading,
  toggle,
  visibleRows,
  type TeamMember,
  type TreeState,
} from "../lib/tree";
import { Empty } from "./states";
import { StatusBadge } from "./ui";

const TEAM = doc("DistributorTeam");

export function TeamTree({ rootId, onOpen }: { rootId: string; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const client = useClient();
  const [tree, setTree] = useState<TreeState>(emptyTree);
  const treeRef = useRef(tree);
  treeRef.current = tree;

  const loadPage = useCallback(
    async (parentId: string) => {
      const branch = treeRef.current.branches[parentId];
      if (branch?.loading) return;
      setTree((state) => startLoading(state, parentId));
      const result = await client
        .query<{ distributor: { team: Connection<TeamMember> | null } | null }>(
          TEAM,
          { id: parentId, first: TEAM_PAGE_SIZE, after: branch?.endCursor ?? null },
          { requestPolicy: "network-only" },
        )
        .toPromise();
      if (result.error) {
        setTree((state) => failLoading(state, parentId, problemFromError(result.error!).message));
        return;
      }
      const team = result.data?.distributor?.team;
      setTree((state) =>
        addPage(state, parentId, {
          members: team?.edges.map((edge) => edge.node) ?? [],
          endCursor: team?.pageInfo.endCursor ?? null,
          hasNextPage: team?.pageInfo.hasNextPage ?? false,
          totalCount: team?.totalCount ?? null,
        }),
      );
    },
    [client],
  );

  useEffect(() => {
    setTree(emptyTree());
    void loadPage(rootId);
  }, [rootId, loadPage]);

  const onToggle = (member: TeamMember) => {
    const opening = !treeRef.current.expanded[member.id];
    setTree((state) => toggle(state, member.id));
    if (opening && needsFirstPage(treeRef.current, member.id)) void loadPage(member.id);
  };

  const rows = visibleRows(tree, rootId);
  const rootBranch = tree.branches[rootId];
  if (rootBranch && !rootBranch.loading && !rootBranch.error && rootBranch.childIds.length === 0) {
    return <Empty>{t("detail.noTeam")}</Empty>;
  }
  return (
    <div className="tree" role="tree" data-testid="team-tree">
      {rows.map((row) => {
        const indent = { paddingLeft: 12 + row.depth * 24 };
        switch (row.kind) {
          case "member":
            return (
              <div
                className="tree-row"
                role="treeitem"
                aria-expanded={row.member.directCount > 0 ? row.expanded : undefined}
                key={row.member.id}
                style={indent}
                data-code={row.member.code}
              >
                <button
                  className="toggle"
                  aria-label={row.member.code}
                  disabled={row.member.directCount === 0}
                  onClick={() => onToggle(row.member)}
                >
                  {row.expanded ? "▼" : "▶"}
                </button>
                <a
                  href="#"
                  onClick={(event) => {
                    event.preventDefault();
                    onOpen(row.member.id);
                  }}
                >
                  <strong>{row.member.code}</strong>
                </a>
                <span>{row.member.displayName}</span>
                <StatusBadge group="distributorStatus" status={row.member.status} />
                <span className="muted">
                  {t("detail.teamSummary", {
                    teamSize: format.number(row.member.teamSize),
                    directCount: format.number(row.member.directCount),
                  })}
                </span>
              </div>
            );
          case "more":
            return (
              <div className="tree-row" key={`more-${row.parentId}`} style={indent}>
                <Button
                  variant="tertiary"
                  size="small"
                  disabled={row.loading}
                  onClick={() => void loadPage(row.parentId)}
                  data-testid="team-load-more"
                >
                  {row.total !== null
                    ? t("detail.loadMoreOf", { loaded: format.number(row.loaded), total: format.number(row.total) })
                    : t("common.loadMore")}
                </Button>
              </div>
            );
          case "loading":
            return (
              <div className="tree-row muted" key={`loading-${row.parentId}`} style={indent}>
                {t("common.loading")}
              </div>
            );
          case "error":
            return (
              <div className="tree-row" key={`error-${row.parentId}`} style={indent} role="alert">
                <Text color="critical1">{row.message}</Text>
                <Button variant="tertiary" size="small" onClick={() => void loadPage(row.parentId)}>
                  {t("common.retry")}
                </Button>
              </div>
            );
          default:
            return null;
        }
      })}
    </div>
  );
}

import { Input } from "@saleor/macaw-ui";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { Pager } from "../components/Pager";
import { Empty, QueryState } from "../components/states";
import { Card, Field, PageTitle, StatusBadge } from "../components/ui";
import { doc } from "../graphql/documents";
import type { Connection, DistributorRow, DistributorStatus, Grade } from "../graphql/types";
import { useFormat } from "../lib/format";
import { useDebounced } from "../lib/useDebounced";

const STATUSES: DistributorStatus[] = ["APPLIED", "ACTIVE", "SUSPENDED", "REJECTED"];
const SORT_FIELDS = ["JOINED", "SALES", "TEAM_SIZE", "CODE"] as const;
const PAGE_SIZE = 20;
const LIST = doc("Distributors");
const GRADES = doc("Grades");

export function distributorVariables({
  search,
  status,
  gradeId,
  sortField,
  direction,
  after,
}: {
  search: string;
  status: DistributorStatus | "";
  gradeId: string;
  sortField: (typeof SORT_FIELDS)[number];
  direction: "ASC" | "DESC";
  after: string | null;
}) {
  const filter: Record<string, unknown> = {};
  if (status) filter.status = [status];
  if (gradeId) filter.grade = gradeId;
  return {
    first: PAGE_SIZE,
    after,
    search: search.trim() || null,
    filter: Object.keys(filter).length > 0 ? filter : null,
    sortBy: { field: sortField, direction },
  };
}

export function DistributorsPage({ navigate }: { navigate: (path: string) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<DistributorStatus | "">("");
  const [gradeId, setGradeId] = useState("");
  const [sortField, setSortField] = useState<(typeof SORT_FIELDS)[number]>("JOINED");
  const [direction, setDirection] = useState<"ASC" | "DESC">("DESC");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const debouncedSearch = useDebounced(search);
  const after = cursors[cursors.length - 1];
  const resetPaging = () => setCursors([null]);

  const [result, refetch] = useQuery<{ distributors: Connection<DistributorRow> | null }>({
    query: LIST,
    variables: distributorVariables({ search: debouncedSearch, status, gradeId, sortField, direction, after }),
  });
  const [grades] = useQuery<{ grades: Grade[] }>({ query: GRADES });

  return (
    <>
      <PageTitle>{t("distributors.title")}</PageTitle>
      <div className="toolbar">
        <div className="grow">
          <Input
            label={t("common.search")}
            placeholder={t("distributors.searchPlaceholder")}
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              resetPaging();
            }}
            data-testid="distributor-search"
          />
        </div>
        <Field label={t("distributors.grade")}>
          <select
            value={gradeId}
            onChange={(event) => {
              setGradeId(event.target.value);
              resetPaging();
            }}
          >
            <option value="">{t("common.all")}</option>
            {(grades.data?.grades ?? []).map((grade) => (
              <option key={grade.id} value={grade.id}>
                {grade.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("distributors.sortBy")}>
          <select
            value={`${sortField}:${direction}`}
            onChange={(event) => {
              const [field, dir] = event.target.value.split(":");
              setSortField(field as (typeof SORT_FIELDS)[number]);
              setDirection(dir as "ASC" | "DESC");
              resetPaging();
            }}
            data-testid="distributor-sort"
          >
            {SORT_FIELDS.flatMap((field) =>
              (["DESC", "ASC"] as const).map((dir) => (
                <option key={`${field}:${dir}`} value={`${field}:${dir}`}>
                  {t(`distributors.sort.${field}`)} · {t(`distributors.direction.${dir}`)}
                </option>
              )),
            )}
          </select>
        </Field>
      </div>
      <div className="tabs" role="group" aria-label={t("distributors.status")}>
        {(["", ...STATUSES] as const).map((value) => (
          <button
            key={value || "all"}
            aria-pressed={status === value}
            onClick={() => {
              setStatus(value);
              resetPaging();
            }}
          >
            {value ? t(`distributorStatus.${value}`) : t("common.all")}
          </button>
        ))}
      </div>
      <Card flush>
        <QueryState result={result} permissions={["MANAGE_USERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
          {(data) => {
            const connection = data.distributors;
            if (!connection || connection.edges.length === 0) return <Empty>{t("distributors.none")}</Empty>;
            return (
              <>
                <div className="row muted" style={{ padding: "10px 12px" }}>
                  {t("distributors.count", { count: connection.totalCount ?? connection.edges.length })}
                </div>
                <table className="data" data-testid="distributor-table">
                  <thead>
                    <tr>
                      <th>{t("distributors.columns.code")}</th>
                      <th>{t("distributors.columns.name")}</th>
                      <th>{t("distributors.columns.status")}</th>
                      <th>{t("distributors.columns.grade")}</th>
                      <th>{t("distributors.columns.upline")}</th>
                      <th className="num">{t("distributors.columns.team")}</th>
                      <th className="num">{t("distributors.columns.sales")}</th>
                      <th>{t("distributors.columns.joined")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {connection.edges.map(({ node }) => (
                      <tr
                        key={node.id}
                        className="clickable"
                        onClick={() => navigate(`/distributors/${encodeURIComponent(node.id)}`)}
                      >
                        <td>
                          <strong>{node.code}</strong>
                        </td>
                        <td>
                          {node.displayName}
                          <div className="muted">{node.email}</div>
                        </td>
                        <td>
                          <StatusBadge group="distributorStatus" status={node.status} />
                        </td>
                        <td>{node.grade?.name ?? "—"}</td>
                        <td>{node.parent ? `${node.parent.displayName || node.parent.code} (${node.parent.code})` : "—"}</td>
                        <td className="num">{format.number(node.teamSize)}</td>
                        <td className="num">{format.money(node.sales)}</td>
                        <td>{format.date(node.joinedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <Pager
                  atFirst={cursors.length === 1}
                  hasNextPage={connection.pageInfo.hasNextPage}
                  onFirst={resetPaging}
                  onNext={() => setCursors([...cursors, connection.pageInfo.endCursor])}
                />
              </>
            );
          }}
        </QueryState>
      </Card>
    </>
  );
}

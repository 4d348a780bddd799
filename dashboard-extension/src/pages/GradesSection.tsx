// The programme's grades (分销等级): list, add, edit the upgrade targets, delete. Every
// change goes through a dialog that shows the API's error without closing.
import { Button, Checkbox, Input, Text } from "@saleor/macaw-ui";
import type { TFunction } from "i18next";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Empty, QueryState } from "../components/states";
import { Card } from "../components/ui";
import { doc } from "../graphql/documents";
import type { Grade } from "../graphql/types";
import { useFormat } from "../lib/format";
import { gradeFormToInput, gradeToForm, hasTargets, validateGradeForm, type GradeForm } from "../lib/grades";
import { useAction } from "../lib/useAction";

const GRADES = doc("Grades");

type Editing = { kind: "create" } | { kind: "edit"; grade: Grade } | { kind: "delete"; grade: Grade };

export function GradesSection() {
  const { t } = useTranslation();
  const [result, refetch] = useQuery<{ grades: Grade[] }>({ query: GRADES });
  const [editing, setEditing] = useState<Editing | null>(null);
  const refresh = () => refetch({ requestPolicy: "network-only" });
  const grades = [...(result.data?.grades ?? [])].sort((a, b) => a.rank - b.rank);
  return (
    <Card
      title={t("programme.grades.title")}
      testId="grades"
      flush
      actions={
        <Button variant="secondary" onClick={() => setEditing({ kind: "create" })} data-testid="add-grade">
          {t("programme.grades.add")}
        </Button>
      }
    >
      <QueryState result={result} permissions={["MANAGE_USERS"]} onRetry={refresh}>
        {() => (
          <>
            <div style={{ padding: "12px 16px" }}>
              <Text color="default2" size={2}>
                {t("programme.grades.hint")}
              </Text>
            </div>
            {grades.length === 0 ? (
              <Empty>{t("programme.grades.empty")}</Empty>
            ) : (
              <GradeTable grades={grades} onEdit={(grade) => setEditing({ kind: "edit", grade })} onDelete={(grade) => setEditing({ kind: "delete", grade })} />
            )}
          </>
        )}
      </QueryState>
      {editing && editing.kind !== "delete" && (
        <GradeDialog
          grade={editing.kind === "edit" ? editing.grade : null}
          existing={grades}
          onClose={() => setEditing(null)}
          onSaved={refresh}
        />
      )}
      {editing?.kind === "delete" && <DeleteGrade grade={editing.grade} onClose={() => setEditing(null)} onDeleted={refresh} />}
    </Card>
  );
}

export function targetSummary(grade: Grade, t: TFunction, money: (m: Grade["minSales"]) => string): string {
  if (!hasTargets(grade)) return t("programme.grades.noTargets");
  const parts: string[] = [];
  if (grade.minSales) parts.push(t("programme.grades.salesTarget", { amount: money(grade.minSales) }));
  if (grade.minDirectCount != null) parts.push(t("programme.grades.directTarget", { count: grade.minDirectCount }));
  if (grade.minTeamSize != null) parts.push(t("programme.grades.teamTarget", { count: grade.minTeamSize }));
  return parts.join(" · ");
}

function GradeTable({ grades, onEdit, onDelete }: { grades: Grade[]; onEdit: (g: Grade) => void; onDelete: (g: Grade) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <table className="data" data-testid="grade-list">
      <thead>
        <tr>
          <th className="num">{t("programme.grades.rank")}</th>
          <th>{t("programme.grades.name")}</th>
          <th>{t("programme.grades.targets")}</th>
          <th>{t("programme.grades.autoUpgrade")}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {grades.map((grade) => (
          <tr key={grade.id} data-grade={grade.name}>
            <td className="num">{grade.rank}</td>
            <td>
              <strong>{grade.name}</strong>
            </td>
            <td>{targetSummary(grade, t, format.money)}</td>
            <td>
              <span className={`badge ${grade.autoUpgrade && hasTargets(grade) ? "success" : ""}`}>
                {grade.autoUpgrade && hasTargets(grade) ? t("programme.grades.auto") : t("programme.grades.manual")}
              </span>
            </td>
            <td className="num">
              <div className="row" style={{ justifyContent: "flex-end" }}>
                <Button size="small" variant="secondary" onClick={() => onEdit(grade)} data-testid={`edit-grade-${grade.rank}`}>
                  {t("programme.grades.edit")}
                </Button>
                <Button size="small" variant="tertiary" onClick={() => onDelete(grade)} data-testid={`delete-grade-${grade.rank}`}>
                  {t("programme.grades.delete")}
                </Button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GradeDialog({ grade, existing, onClose, onSaved }: { grade: Grade | null; existing: Grade[]; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const run = useAction();
  const [form, setForm] = useState<GradeForm>(() => gradeToForm(grade, existing));
  const [showErrors, setShowErrors] = useState(false);
  const errors = validateGradeForm(form);
  const err = (key: keyof GradeForm) => (showErrors && errors[key] ? t(`programme.grades.errors.${errors[key]}`) : undefined);
  const set = (patch: Partial<GradeForm>) => setForm({ ...form, ...patch });
  const field = (key: "name" | "rank" | "minSales" | "currency" | "minDirectCount" | "minTeamSize", helper?: string) => (
    <Input
      label={t(`programme.grades.${key}`)}
      value={form[key]}
      onChange={(event) => set({ [key]: event.target.value })}
      error={Boolean(err(key))}
      helperText={err(key) ?? helper}
      data-testid={`grade-${key}`}
    />
  );
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      title={grade ? t("programme.grades.editTitle", { name: grade.name }) : t("programme.grades.createTitle")}
      confirmLabel={t("common.save")}
      onConfirm={async () => {
        setShowErrors(true);
        if (Object.keys(errors).length > 0) return t("programme.invalid");
        const input = gradeFormToInput(form);
        const failure = grade
          ? await run(doc("GradeUpdate"), { id: grade.id, input }, "gradeUpdate", t("programme.grades.updated", { name: input.name }))
          : await run(doc("GradeCreate"), { input }, "gradeCreate", t("programme.grades.created", { name: input.name }));
        if (!failure) onSaved();
        return failure;
      }}
    >
      <div className="form-grid">
        {field("name")}
        {field("rank", t("programme.grades.rankHint"))}
        {field("minSales")}
        {field("currency")}
        {field("minDirectCount")}
        {field("minTeamSize")}
      </div>
      <Checkbox checked={form.autoUpgrade} onCheckedChange={(value) => set({ autoUpgrade: value === true })} data-testid="grade-autoUpgrade">
        <Text>{t("programme.grades.autoUpgrade")}</Text>
      </Checkbox>
    </ConfirmDialog>
  );
}

function DeleteGrade({ grade, onClose, onDeleted }: { grade: Grade; onClose: () => void; onDeleted: () => void }) {
  const { t } = useTranslation();
  const run = useAction();
  return (
    <ConfirmDialog
      open
      destructive
      onClose={onClose}
      title={t("programme.grades.deleteTitle", { name: grade.name })}
      text={t("programme.grades.deleteText")}
      confirmLabel={t("programme.grades.delete")}
      onConfirm={async () => {
        const failure = await run(doc("GradeDelete"), { id: grade.id }, "gradeDelete", t("programme.grades.deleted", { name: grade.name }));
        if (!failure) onDeleted();
        return failure;
      }}
    />
  );
}

import { Button, Checkbox, Input, Text } from "@saleor/macaw-ui";
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useClient, useQuery } from "urql";
import { Guard } from "../components/Guard";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Empty, QueryState } from "../components/states";
import { Card, Field, PageTitle } from "../components/ui";
import { useNotify } from "../dashboard";
import { doc } from "../graphql/documents";
import { GradesSection } from "./GradesSection";
import type { CommissionPlan, Connection, Grade, PayoutSettings, ProgrammeSettings } from "../graphql/types";
import { mutationFailure, type MutationError } from "../lib/errors";
import { useFormat } from "../lib/format";
import { fractionToPercent } from "../lib/decimal";
import { formToInput, planToForm, validatePlanForm, type OverrideForm, type PlanForm } from "../lib/plan";
import { useAction } from "../lib/useAction";

const PLANS = doc("CommissionPlans");
const SETTINGS = doc("ProgrammeSettings");
const PAYOUTS = doc("PayoutSettings");

export function ProgrammePage() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t("programme.title")}</PageTitle>
      <PlanSection />
      <Guard permissions={["MANAGE_USERS"]}>
        <GradesSection />
        <SettingsSection />
      </Guard>
      <PayoutSection />
    </>
  );
}

function PlanSection() {
  const [result, refetch] = useQuery<{
    activeCommissionPlan: CommissionPlan | null;
    commissionPlans: Connection<CommissionPlan> | null;
    grades: Grade[];
  }>({ query: PLANS, variables: { first: 20 } });
  const refresh = () => refetch({ requestPolicy: "network-only" });
  return (
    <QueryState result={result} permissions={["MANAGE_ORDERS"]} onRetry={refresh}>
      {(data) => (
        <>
          <PlanEditor active={data.activeCommissionPlan ?? null} grades={data.grades ?? []} onSaved={refresh} />
          <Versions plans={data.commissionPlans?.edges.map((e) => e.node) ?? []} onActivated={refresh} />
        </>
      )}
    </QueryState>
  );
}

function Check({ checked, onChange, children, testId }: { checked: boolean; onChange: (v: boolean) => void; children: ReactNode; testId?: string }) {
  return (
    <Checkbox checked={checked} onCheckedChange={(value) => onChange(value === true)} data-testid={testId}>
      <Text>{children}</Text>
    </Checkbox>
  );
}

function PlanEditor({ active, grades, onSaved }: { active: CommissionPlan | null; grades: Grade[]; onSaved: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const notify = useNotify();
  const [form, setForm] = useState<PlanForm>(() => planToForm(active));
  const [activateNow, setActivateNow] = useState(true);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  useEffect(() => setForm(planToForm(active)), [active]);
  const errors = validatePlanForm(form);
  const err = (path: string) => (showErrors && errors[path] ? t(`programme.errors.${errors[path]}`) : undefined);
  const set = (patch: Partial<PlanForm>) => setForm({ ...form, ...patch });

  const save = async () => {
    setShowErrors(true);
    if (Object.keys(errors).length > 0) {
      setFailure(t("programme.invalid"));
      return;
    }
    setSaving(true);
    setFailure(null);
    const created = await client.mutation(doc("CommissionPlanCreate"), { input: formToInput(form) }).toPromise();
    const payload = created.data?.commissionPlanCreate as { commissionPlan: CommissionPlan | null; errors: MutationError[] } | undefined;
    let problem = mutationFailure(created, payload?.errors);
    let version = payload?.commissionPlan?.version;
    if (!problem && activateNow && payload?.commissionPlan) {
      const activated = await client.mutation(doc("CommissionPlanActivate"), { id: payload.commissionPlan.id }).toPromise();
      problem = mutationFailure(activated, activated.data?.commissionPlanActivate?.errors);
      version = activated.data?.commissionPlanActivate?.commissionPlan?.version ?? version;
    }
    setSaving(false);
    if (problem) {
      setFailure(problem);
      notify("error", problem);
      return;
    }
    setShowErrors(false);
    notify("success", activateNow ? t("programme.activated", { version }) : t("programme.created", { version }));
    onSaved();
  };

  const levelCount = form.levels.length;
  return (
    <Card
      title={t("programme.plan")}
      testId="plan-editor"
      actions={
        <Text color="default2" data-testid="active-version">
          {active ? t("programme.activeVersion", { version: active.version }) : t("programme.noActivePlan")}
        </Text>
      }
    >
      <div className="stack">
        <Text fontWeight="bold">{t("programme.levels")}</Text>
        <div className="row" style={{ alignItems: "flex-start" }}>
          {form.levels.map((rate, i) => (
            <div key={i} className="stack" style={{ width: 140, gap: 4 }}>
              <Input
                label={t("programme.level", { level: i + 1 })}
                value={rate}
                onChange={(event) => set({ levels: form.levels.map((r, j) => (j === i ? event.target.value : r)) })}
                error={Boolean(err(`levels.${i}`))}
                helperText={err(`levels.${i}`)}
                endAdornment="%"
                data-testid={`level-${i + 1}`}
              />
              {i === levelCount - 1 && levelCount > 1 && (
                <Button size="small" variant="tertiary" onClick={() => set({ levels: form.levels.slice(0, -1) })}>
                  {t("programme.remove")}
                </Button>
              )}
            </div>
          ))}
          <Button variant="secondary" onClick={() => set({ levels: [...form.levels, "0"] })} data-testid="add-level">
            {t("programme.addLevel")}
          </Button>
        </div>
        {grades.length > 0 && (
          <>
            <Text fontWeight="bold">{t("programme.gradeRates")}</Text>
            <Text color="default2" size={2}>
              {t("programme.gradeRateHint")}
            </Text>
            <table className="data">
              <thead>
                <tr>
                  <th>{t("distributors.grade")}</th>
                  {form.levels.map((_, i) => (
                    <th key={i}>{t("programme.level", { level: i + 1 })}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {grades.map((grade) => (
                  <tr key={grade.id}>
                    <td>{grade.name}</td>
                    {form.levels.map((_, i) => (
                      <td key={i}>
                        <Input
                          size="small"
                          value={form.gradeRates[grade.id]?.[i] ?? ""}
                          placeholder={form.levels[i]}
                          error={Boolean(err(`gradeRates.${grade.id}.${i}`))}
                          endAdornment="%"
                          aria-label={`${grade.name} ${t("programme.level", { level: i + 1 })}`}
                          onChange={(event) => {
                            const row = [...(form.gradeRates[grade.id] ?? form.levels.map(() => ""))];
                            row[i] = event.target.value;
                            set({ gradeRates: { ...form.gradeRates, [grade.id]: row } });
                          }}
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        {(["productOverrides", "categoryOverrides"] as const).map((group) => (
          <Overrides
            key={group}
            title={t(`programme.${group}`)}
            rows={form[group]}
            levelCount={levelCount}
            error={(i, field) => err(`${group}.${i}.${field}`)}
            onChange={(rows) => set({ [group]: rows } as Partial<PlanForm>)}
          />
        ))}
        <div className="form-grid">
          <Field label={t("programme.base")}>
            <select value={form.base} onChange={(event) => set({ base: event.target.value as PlanForm["base"] })}>
              {(["NET", "GROSS"] as const).map((base) => (
                <option key={base} value={base}>
                  {t(`programme.bases.${base}`)}
                </option>
              ))}
            </select>
          </Field>
          <Input
            label={t("programme.capShare")}
            value={form.capShare}
            onChange={(event) => set({ capShare: event.target.value })}
            error={Boolean(err("capShare"))}
            helperText={err("capShare") ?? t("programme.capShareHint")}
            endAdornment="%"
            data-testid="cap-share"
          />
          <Input
            label={t("programme.freezeDays")}
            value={form.freezeDays}
            onChange={(event) => set({ freezeDays: event.target.value })}
            error={Boolean(err("freezeDays"))}
            helperText={err("freezeDays")}
            data-testid="freeze-days"
          />
          <Field label={t("programme.activityMode")}>
            <select value={form.activityMode} onChange={(event) => set({ activityMode: event.target.value as PlanForm["activityMode"] })}>
              {(["OFF", "SKIP", "PASS_UP"] as const).map((mode) => (
                <option key={mode} value={mode}>
                  {t(`programme.activityModes.${mode}`)}
                </option>
              ))}
            </select>
          </Field>
          <Input
            label={t("programme.activityDays")}
            value={form.activityDays}
            disabled={form.activityMode === "OFF"}
            onChange={(event) => set({ activityDays: event.target.value })}
            error={Boolean(err("activityDays"))}
            helperText={err("activityDays")}
          />
        </div>
        <div className="row" style={{ gap: 24 }}>
          <Check checked={form.includeShipping} onChange={(v) => set({ includeShipping: v })}>
            {t("programme.includeShipping")}
          </Check>
          <Check checked={form.includeTax} onChange={(v) => set({ includeTax: v })}>
            {t("programme.includeTax")}
          </Check>
          <Check checked={form.selfPurchase} onChange={(v) => set({ selfPurchase: v })}>
            {t("programme.selfPurchase")}
          </Check>
        </div>
        {failure && (
          <Text color="critical1" role="alert" data-testid="plan-error">
            {failure}
          </Text>
        )}
        <div className="row" style={{ justifyContent: "flex-end", gap: 16 }}>
          <Check checked={activateNow} onChange={setActivateNow} testId="activate-now">
            {t("programme.activateNow")}
          </Check>
          <Button variant="primary" onClick={save} disabled={saving} data-testid="save-plan">
            {t("programme.saveVersion")}
          </Button>
        </div>
      </div>
    </Card>
  );
}

function Overrides({
  title,
  rows,
  levelCount,
  error,
  onChange,
}: {
  title: string;
  rows: OverrideForm[];
  levelCount: number;
  error: (index: number, field: string) => string | undefined;
  onChange: (rows: OverrideForm[]) => void;
}) {
  const { t } = useTranslation();
  const update = (i: number, patch: Partial<OverrideForm>) => onChange(rows.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  return (
    <div className="stack">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <Text fontWeight="bold">{title}</Text>
        <Button size="small" variant="secondary" onClick={() => onChange([...rows, { id: "", kind: "PERCENTAGE", level: "1", value: "" }])}>
          {t("programme.addOverride")}
        </Button>
      </div>
      {rows.map((row, i) => (
        <div className="row" key={i} style={{ alignItems: "flex-start" }}>
          <Input label={t("programme.overrideId")} value={row.id} onChange={(e) => update(i, { id: e.target.value })} error={Boolean(error(i, "id"))} helperText={error(i, "id")} />
          <Field label={t("programme.kind")}>
            <select value={row.kind} onChange={(e) => update(i, { kind: e.target.value as OverrideForm["kind"] })}>
              {(["PERCENTAGE", "FIXED"] as const).map((kind) => (
                <option key={kind} value={kind}>
                  {t(`programme.kinds.${kind}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("widgets.columns.level")}>
            <select value={row.level} onChange={(e) => update(i, { level: e.target.value })}>
              {Array.from({ length: levelCount }, (_, l) => (
                <option key={l} value={String(l + 1)}>
                  {t("programme.level", { level: l + 1 })}
                </option>
              ))}
            </select>
          </Field>
          <Input
            label={t("programme.value")}
            value={row.value}
            onChange={(e) => update(i, { value: e.target.value })}
            endAdornment={row.kind === "PERCENTAGE" ? "%" : undefined}
            error={Boolean(error(i, "value"))}
            helperText={error(i, "value")}
          />
          <Button size="small" variant="tertiary" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            {t("programme.remove")}
          </Button>
        </div>
      ))}
    </div>
  );
}

function Versions({ plans, onActivated }: { plans: CommissionPlan[]; onActivated: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const run = useAction();
  const [confirming, setConfirming] = useState<CommissionPlan | null>(null);
  return (
    <Card title={t("programme.versions")} flush>
      {plans.length === 0 ? (
        <Empty />
      ) : (
        <table className="data" data-testid="plan-versions">
          <tbody>
            {plans.map((plan) => (
              <tr key={plan.id} data-version={plan.version}>
                <td>
                  <strong>{t("programme.version", { version: plan.version })}</strong>
                  <div className="muted">{t("programme.createdBy", { date: format.dateTime(plan.createdAt), actor: plan.createdBy ?? "—" })}</div>
                </td>
                <td>
                  {[...plan.levels]
                    .sort((a, b) => a.level - b.level)
                    .map((l) => `${t("programme.level", { level: l.level })} ${fractionToPercent(l.rate)}%`)
                    .join(" · ")}
                  <div className="muted">
                    {t("programme.capShare")}: {plan.capShare === "" ? t("programme.noCap") : `${fractionToPercent(plan.capShare)}%`} · {t("programme.freezeDays")}: {plan.freezeDays}
                  </div>
                </td>
                <td className="num">
                  {plan.isActive ? (
                    <span className="badge success">{t("programme.active")}</span>
                  ) : (
                    <Button size="small" variant="secondary" onClick={() => setConfirming(plan)} data-testid={`activate-${plan.version}`}>
                      {t("programme.activate")}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirming && (
        <ConfirmDialog
          open
          onClose={() => setConfirming(null)}
          title={t("programme.confirmActivateTitle", { version: confirming.version })}
          text={t("programme.confirmActivateText")}
          confirmLabel={t("programme.activate")}
          onConfirm={async () => {
            const failure = await run(
              doc("CommissionPlanActivate"),
              { id: confirming.id },
              "commissionPlanActivate",
              t("programme.activated", { version: confirming.version }),
            );
            if (!failure) onActivated();
            return failure;
          }}
        />
      )}
    </Card>
  );
}

function SettingsSection() {
  const { t } = useTranslation();
  const run = useAction();
  const [result, refetch] = useQuery<{ programmeSettings: ProgrammeSettings | null }>({ query: SETTINGS });
  const [form, setForm] = useState<ProgrammeSettings | null>(null);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => setForm(result.data?.programmeSettings ?? null), [result.data]);
  return (
    <Card title={t("programme.settings")} testId="programme-settings">
      <QueryState result={result} permissions={["MANAGE_USERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
        {() =>
          !form ? (
            <Empty />
          ) : (
            <div className="stack">
              <div className="form-grid">
                <Field label={t("programme.joiningMode")}>
                  <select value={form.joiningMode} onChange={(e) => setForm({ ...form, joiningMode: e.target.value as ProgrammeSettings["joiningMode"] })}>
                    {(["OPEN", "APPROVAL", "SPEND_THRESHOLD"] as const).map((mode) => (
                      <option key={mode} value={mode}>
                        {t(`programme.joiningModes.${mode}`)}
                      </option>
                    ))}
                  </select>
                </Field>
                {form.joiningMode === "SPEND_THRESHOLD" && (
                  <Input
                    label={`${t("programme.joinThreshold")} (${form.joinSpendThreshold?.currency ?? "CNY"})`}
                    value={form.joinSpendThreshold?.amount ?? ""}
                    onChange={(e) =>
                      setForm({ ...form, joinSpendThreshold: { amount: e.target.value, currency: form.joinSpendThreshold?.currency ?? "CNY" } })
                    }
                  />
                )}
                <Field label={t("programme.binding")}>
                  <select
                    value={form.bindingPermanent ? "permanent" : "expiring"}
                    onChange={(e) => setForm({ ...form, bindingPermanent: e.target.value === "permanent" })}
                  >
                    <option value="permanent">{t("programme.bindingPermanent")}</option>
                    <option value="expiring">{t("programme.bindingExpiring")}</option>
                  </select>
                </Field>
                {!form.bindingPermanent && (
                  <Input
                    label={t("programme.bindingExpiring")}
                    value={String(form.bindingDays ?? "")}
                    onChange={(e) => setForm({ ...form, bindingDays: Number(e.target.value) || null })}
                  />
                )}
                <Field label={t("programme.touch")}>
                  <select value={form.lastTouch ? "last" : "first"} onChange={(e) => setForm({ ...form, lastTouch: e.target.value === "last" })}>
                    <option value="first">{t("programme.firstTouch")}</option>
                    <option value="last">{t("programme.lastTouch")}</option>
                  </select>
                </Field>
                <Input
                  label={t("programme.protectionDays")}
                  value={String(form.protectionDays)}
                  onChange={(e) => setForm({ ...form, protectionDays: Number(e.target.value) || 0 })}
                />
              </div>
              <Input
                label={t("programme.storefrontUrlTemplate")}
                value={form.storefrontUrlTemplate}
                onChange={(e) => setForm({ ...form, storefrontUrlTemplate: e.target.value })}
              />
              <Check checked={form.bindNewCustomersOnly} onChange={(v) => setForm({ ...form, bindNewCustomersOnly: v })}>
                {t("programme.bindNewCustomersOnly")}
              </Check>
              {failure && <Text color="critical1" role="alert">{failure}</Text>}
              <div className="row" style={{ justifyContent: "flex-end" }}>
                <Button
                  variant="primary"
                  disabled={saving}
                  onClick={async () => {
                    setSaving(true);
                    const input = {
                      joiningMode: form.joiningMode,
                      joinSpendThreshold:
                        form.joiningMode === "SPEND_THRESHOLD" && form.joinSpendThreshold
                          ? { amount: form.joinSpendThreshold.amount, currency: form.joinSpendThreshold.currency }
                          : null,
                      bindingPermanent: form.bindingPermanent,
                      bindingDays: form.bindingPermanent ? null : form.bindingDays,
                      lastTouch: form.lastTouch,
                      protectionDays: form.protectionDays,
                      bindNewCustomersOnly: form.bindNewCustomersOnly,
                      storefrontUrlTemplate: form.storefrontUrlTemplate,
                    };
                    setFailure(await run(doc("ProgrammeSettingsUpdate"), { input }, "programmeSettingsUpdate", t("common.saved")));
                    setSaving(false);
                  }}
                >
                  {t("common.save")}
                </Button>
              </div>
            </div>
          )
        }
      </QueryState>
    </Card>
  );
}

/** Secrets typed here are sent once and never shown again; empty means "keep". */
export function payoutInput(settings: PayoutSettings, secrets: Record<string, string>) {
  const input: Record<string, unknown> = {
    wechatEnabled: settings.wechatEnabled,
    wechatMchId: settings.wechatMchId,
    wechatAppId: settings.wechatAppId,
    alipayEnabled: settings.alipayEnabled,
    alipayAppId: settings.alipayAppId,
    manualEnabled: settings.manualEnabled,
  };
  for (const [key, value] of Object.entries(secrets)) {
    if (value.trim() !== "") input[key] = value;
  }
  return input;
}

const WECHAT_SECRETS = [
  ["wechatMerchantSerialNo", "serialNo"],
  ["wechatPrivateKey", "privateKey"],
  ["wechatApiV3Key", "apiV3Key"],
  ["wechatPlatformPublicKey", "platformPublicKey"],
] as const;
const ALIPAY_SECRETS = [
  ["alipayPrivateKey", "alipayPrivateKey"],
  ["alipayPublicKey", "alipayPublicKey"],
] as const;

function PayoutSection() {
  const { t } = useTranslation();
  const run = useAction();
  const [result, refetch] = useQuery<{ payoutSettings: PayoutSettings | null }>({ query: PAYOUTS });
  const [form, setForm] = useState<PayoutSettings | null>(null);
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => setForm(result.data?.payoutSettings ?? null), [result.data]);

  const secretField = (key: string, label: string, configured: boolean) => (
    <Input
      key={key}
      type="password"
      autoComplete="new-password"
      label={t(`programme.${label}`)}
      value={secrets[key] ?? ""}
      placeholder={configured ? t("programme.writeOnly") : ""}
      onChange={(e) => setSecrets({ ...secrets, [key]: e.target.value })}
      data-secret={key}
    />
  );
  return (
    <Card title={t("programme.payouts")} testId="payout-settings">
      <QueryState result={result} permissions={["MANAGE_ORDERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
        {() =>
          !form ? (
            <Empty />
          ) : (
            <div className="stack">
              <Text color="default2" size={2}>
                {t("programme.payoutsHint")}
              </Text>
              <div className="grid-halves">
                <div className="stack">
                  <div className="row" style={{ justifyContent: "space-between" }}>
                    <Text fontWeight="bold">{t("programme.wechat")}</Text>
                    <span className={`badge ${form.wechatConfigured ? "success" : ""}`}>
                      {form.wechatConfigured ? t("programme.configured") : t("programme.notConfigured")}
                    </span>
                  </div>
                  <Check checked={form.wechatEnabled} onChange={(v) => setForm({ ...form, wechatEnabled: v })}>
                    {t("programme.enabled")}
                  </Check>
                  <Input label={t("programme.mchId")} value={form.wechatMchId ?? ""} onChange={(e) => setForm({ ...form, wechatMchId: e.target.value })} />
                  <Input label={t("programme.appId")} value={form.wechatAppId ?? ""} onChange={(e) => setForm({ ...form, wechatAppId: e.target.value })} />
                  {WECHAT_SECRETS.map(([key, label]) => secretField(key, label, form.wechatConfigured))}
                </div>
                <div className="stack">
                  <div className="row" style={{ justifyContent: "space-between" }}>
                    <Text fontWeight="bold">{t("programme.alipay")}</Text>
                    <span className={`badge ${form.alipayConfigured ? "success" : ""}`}>
                      {form.alipayConfigured ? t("programme.configured") : t("programme.notConfigured")}
                    </span>
                  </div>
                  <Check checked={form.alipayEnabled} onChange={(v) => setForm({ ...form, alipayEnabled: v })}>
                    {t("programme.enabled")}
                  </Check>
                  <Input label={t("programme.appId")} value={form.alipayAppId ?? ""} onChange={(e) => setForm({ ...form, alipayAppId: e.target.value })} />
                  {ALIPAY_SECRETS.map(([key, label]) => secretField(key, label, form.alipayConfigured))}
                  <Text fontWeight="bold">{t("programme.manual")}</Text>
                  <Check checked={form.manualEnabled} onChange={(v) => setForm({ ...form, manualEnabled: v })}>
                    {t("programme.enabled")}
                  </Check>
                </div>
              </div>
              {failure && <Text color="critical1" role="alert">{failure}</Text>}
              <div className="row" style={{ justifyContent: "flex-end" }}>
                <Button
                  variant="primary"
                  disabled={saving}
                  data-testid="save-payouts"
                  onClick={async () => {
                    setSaving(true);
                    const problem = await run(doc("PayoutSettingsUpdate"), { input: payoutInput(form, secrets) }, "payoutSettingsUpdate", t("common.saved"));
                    setFailure(problem);
                    if (!problem) {
                      setSecrets({}); // never kept in the page once sent
                      refetch({ requestPolicy: "network-only" });
                    }
                    setSaving(false);
                  }}
                >
                  {t("common.save")}
                </Button>
              </div>
            </div>
          )
        }
      </QueryState>
    </Card>
  );
}

// End to end: the built extension, served by the real Django service with a seeded
// PostgreSQL database, inside a page that plays the Saleor dashboard (AppBridge messages),
// in Debian's headless Chromium. Each scenario first checks that the running API has the
// contract fields its documents use, so a field renamed on one side fails by name.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { answer } from "./fixtures.mjs";
import { SCREENSHOTS, startEnvironment } from "./harness.mjs";

let env;

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  env = await startEnvironment();
});

after(async () => {
  await env?.stop();
});

async function shot(page, name) {
  await page.waitForTimeout(300); // let charts and fonts settle
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Fails, naming them, if the running API lacks any of these contract fields. */
async function requireApi(fields) {
  assert.deepEqual(await env.missingFields(fields), [], "contract fields the API does not serve");
}

const settled = (frame) => frame.locator("main[data-page]").waitFor();

describe("dashboard extension", () => {
  it("authenticates with the dashboard token and shows the programme's figures", async () => {
    const { page, frame } = await env.open("/overview");
    await settled(frame);
    // The real service verified the minted token (no 401) and summed the seeded order:
    // Saleor's captured order of 111.00 USD, referred by a team member.
    const sales = frame.getByTestId("kpi-sales");
    await sales.waitFor();
    assert.match(await sales.innerText(), /111\.00/);
    assert.match(await frame.getByTestId("kpi-accrued").innerText(), /[1-9]/);
    await frame.getByTestId("overview-chart").waitFor();
    assert.equal(await frame.locator('[data-state="auth"], [data-state="error"]').count(), 0);
    await shot(page, "overview");
    await page.close();
  });

  it("switches to English and back, following the dashboard's locale", async () => {
    const { page, frame } = await env.open("/overview", { locale: "zh-Hans" });
    await frame.getByRole("link", { name: "分销员" }).waitFor();
    assert.equal(await frame.locator("html").getAttribute("lang"), "zh-CN");

    await page.evaluate(() => window.host.send("localeChanged", { locale: "en" }));
    await frame.getByRole("link", { name: "Distributors" }).waitFor();
    assert.equal(await frame.locator("html").getAttribute("lang"), "en");
    assert.equal(await frame.getByRole("link", { name: "分销员" }).count(), 0);
    await shot(page, "overview-en");

    await page.evaluate(() => window.host.send("localeChanged", { locale: "zh-Hans" }));
    await frame.getByRole("link", { name: "分销员" }).waitFor();
    assert.equal(await frame.locator("html").getAttribute("lang"), "zh-CN");
    await page.close();
  });

  it("shows the permission-denied view to a token without the permission", async () => {
    const token = env.staffToken(["MANAGE_USERS"]); // withdrawals need MANAGE_ORDERS
    const { page, frame } = await env.open("/withdrawals", { token });
    const denied = frame.locator('[data-state="permission-denied"]');
    await denied.waitFor();
    assert.match(await denied.innerText(), /MANAGE_ORDERS/);
    await shot(page, "permission-denied");
    await page.close();
  });

  it("tells the dashboard where the app page is and answers its actions", async () => {
    const { page, frame } = await env.open("/overview");
    await settled(frame);
    await frame.getByRole("link", { name: "提现" }).click();
    await frame.locator('main[data-page="withdrawals"]').waitFor();
    const actions = await page.evaluate(() => window.host.actions.map((a) => a.type));
    assert.ok(actions.includes("notifyReady"));
    assert.ok(actions.includes("updateRouting"));
    await page.close();
  });

  it("opens a distributor's team, page by page", async () => {
    await requireApi(["Query.distributors", "Query.distributor", "Distributor.team", "Distributor.uplines", "Distributor.teamSize"]);
    const { page, frame } = await env.open("/distributors");
    const table = frame.getByTestId("distributor-table");
    await table.waitFor();
    await shot(page, "distributors");
    // The root joined first, so it is not on the first page: find it as staff would.
    await frame.getByTestId("distributor-search").fill(env.seed.root.code);
    await table.getByText(env.seed.root.code, { exact: true }).click();
    const tree = frame.getByTestId("team-tree");
    // The tree shows a loading row first: wait for the first page's last member, not just the tree.
    await tree.getByRole("treeitem").nth(49).waitFor();
    assert.equal(await tree.getByRole("treeitem").count(), 50);
    await frame.getByTestId("team-load-more").click();
    await frame.locator(`[role="treeitem"]`).nth(59).waitFor();
    assert.equal(await tree.getByRole("treeitem").count(), env.seed.directCount);
    await tree.getByRole("button", { name: env.seed.firstDirect.code }).click();
    await tree.locator('[data-code="S000Y"]').waitFor();
    await shot(page, "distributor-team");
    await page.close();
  });

  it("approves a withdrawal and the ledger moves", async () => {
    await requireApi([
        "Mutation.ledgerAdjust",
        "Mutation.withdrawalRequest",
        "Mutation.withdrawalApprove",
        "Query.withdrawals",
        "Query.distributor",
        "Distributor.balances",
        "Distributor.ledger",
      ]);
    const { root } = env.seed;
    const credited = await env.graphql(
      "mutation($id: ID!) { ledgerAdjust(distributorId: $id, amount: \"100.00\", currency: \"CNY\", reason: \"e2e opening balance\") { errors { message } } }",
      { id: root.id },
    );
    assert.deepEqual(credited.body.data.ledgerAdjust.errors, []);
    const requested = await env.graphql(
      "mutation { withdrawalRequest(amount: \"40.00\", currency: \"CNY\", channel: MANUAL) { withdrawal { id status } errors { message } } }",
      {},
      env.customerToken(root.userId),
    );
    assert.deepEqual(requested.body.data.withdrawalRequest.errors, []);
    const withdrawalId = requested.body.data.withdrawalRequest.withdrawal.id;

    const { page, frame } = await env.open("/withdrawals");
    const row = frame.locator(`tr[data-withdrawal="${withdrawalId}"]`);
    await row.waitFor();
    await shot(page, "withdrawals");
    await row.getByTestId("approve").click();
    await frame.getByRole("alertdialog").getByTestId("confirm").click();
    await frame.getByRole("alertdialog").waitFor({ state: "detached" });
    await row.waitFor({ state: "detached" }); // left the REQUESTED queue

    const balances = await env.graphql(
      "query($id: ID!) { distributor(id: $id) { balances { currency available { amount } withdrawing { amount } paid { amount } } ledger(first: 50) { edges { node { code referenceId amount { amount } } } } } }",
      { id: root.id },
    );
    const cny = balances.body.data.distributor.balances.find((b) => b.currency === "CNY");
    assert.equal(Number(cny.available.amount), 60);
    assert.equal(Number(cny.withdrawing.amount) + Number(cny.paid.amount), 40);
    const entries = balances.body.data.distributor.ledger.edges.map((e) => e.node);
    assert.ok(entries.some((e) => withdrawalId.endsWith(e.referenceId) || e.referenceId === withdrawalId));
    await page.close();
  });

  it("edits the commission plan and the new version becomes active", async () => {
    await requireApi([
        "Query.commissionPlans",
        "Query.activeCommissionPlan",
        "Mutation.commissionPlanCreate",
        "Mutation.commissionPlanActivate",
        "Query.grades",
      ]);
    const before = await env.graphql("{ activeCommissionPlan { version } }");
    const previous = before.body.data.activeCommissionPlan?.version ?? 0;

    const { page, frame } = await env.open("/programme");
    const editor = frame.getByTestId("plan-editor");
    await editor.waitFor();
    await frame.getByTestId("level-1").fill("12.5");
    await frame.getByTestId("cap-share").fill("40");
    await frame.getByTestId("freeze-days").fill("10");
    await frame.getByTestId("save-plan").click();
    await frame.getByTestId("active-version").filter({ hasText: String(previous + 1) }).waitFor();
    await shot(page, "programme");

    const afterSave = await env.graphql("{ activeCommissionPlan { version isActive levels { level rate } capShare freezeDays } }");
    const plan = afterSave.body.data.activeCommissionPlan;
    assert.equal(plan.version, previous + 1);
    assert.equal(plan.isActive, true);
    assert.equal(Number(plan.levels.find((l) => l.level === 1).rate), 0.125);
    assert.equal(Number(plan.capShare), 0.4);
    assert.equal(plan.freezeDays, 10);
    await page.close();
  });

  it("adds a grade with upgrade targets, shows a distributor's progress, deletes the grade", async () => {
    await requireApi(["Query.grades", "Mutation.gradeCreate", "Mutation.gradeDelete", "Grade.minSales", "Grade.autoUpgrade", "Distributor.nextGrade"]);
    const { page, frame } = await env.open("/programme");
    const list = frame.getByTestId("grade-list");
    await list.waitFor();
    await frame.getByTestId("add-grade").click();
    const dialog = frame.getByRole("alertdialog");
    await dialog.getByTestId("grade-name").fill("钻石");
    await dialog.getByTestId("grade-minSales").fill("5000");
    await dialog.getByTestId("grade-minTeamSize").fill("100");
    await dialog.getByTestId("confirm").click();
    await dialog.waitFor({ state: "detached" });
    const row = list.locator('tr[data-grade="钻石"]');
    await row.waitFor();
    await shot(page, "programme-grades");

    const created = await env.graphql("{ grades { name rank minSales { amount currency } minDirectCount minTeamSize autoUpgrade } }");
    assert.deepEqual(created.body.data.grades.find((g) => g.name === "钻石"), {
      name: "钻石",
      rank: 3,
      minSales: { amount: "5000.00", currency: "CNY" },
      minDirectCount: null,
      minTeamSize: 100,
      autoUpgrade: true,
    });

    await row.getByTestId("delete-grade-3").click();
    await frame.getByRole("alertdialog").getByTestId("confirm").click();
    await row.waitFor({ state: "detached" });
    const left = await env.graphql("{ grades { name } }");
    assert.deepEqual(left.body.data.grades.map((g) => g.name), ["银牌", "金牌"]);
    await page.close();

    // The root (silver) sees its way to gold: 60 of 80 direct recruits.
    const detail = await env.open(`/distributors/${encodeURIComponent(env.seed.root.id)}`);
    const progress = detail.frame.getByTestId("next-grade");
    await progress.waitFor();
    assert.match(await progress.innerText(), /金牌/);
    assert.equal(await progress.locator('[data-target="DIRECT_COUNT"][data-met="false"]').count(), 1);
    await shot(detail.page, "distributor-next-grade");
    await detail.page.close();
  });

  it("shows the distributor card on a customer's page", async () => {
    await requireApi(["Query.distributorByUser", "Distributor.uplines", "Distributor.balances"]);
    const { page, frame } = await env.open("/widgets/customer", { query: { customerId: env.seed.root.userId } });
    await frame.getByText(env.seed.root.code).first().waitFor();
    await shot(page, "widget-customer");
    await page.close();
  });

  it("shows the attribution on an order's page", async () => {
    await requireApi(["Query.orderAttribution"]);
    const { page, frame } = await env.open("/widgets/order", { query: { orderId: env.seed.order.id } });
    // The seeded order pays its referrer (level 1) and the referrer's parent, the root (level 2).
    const commissions = frame.getByTestId("order-commissions");
    await commissions.waitFor();
    await commissions.getByText(env.seed.firstDirect.code).first().waitFor();
    await commissions.getByText(env.seed.root.code).first().waitFor();
    await shot(page, "widget-order");
    await page.close();
  });

  it("writes a screenshot of every page with the seeded data", async () => {
    // Each page with what shows it is ready; the withdrawal queue may be empty by now.
    const pages = [
      ["/overview", "page-overview", '[data-testid="overview-chart"]'],
      ["/distributors", "page-distributors", '[data-testid="distributor-table"]'],
      [`/distributors/${encodeURIComponent(env.seed.root.id)}`, "page-distributor", '[data-testid="team-tree"]'],
      ["/withdrawals", "page-withdrawals", '[data-testid="withdrawal-table"], [data-state="empty"]'],
      ["/programme", "page-programme", '[data-testid="plan-versions"]'],
      ["/widgets/order", "page-widget-order", '[data-testid="order-commissions"]', { orderId: env.seed.order.id }],
      ["/widgets/customer", "page-widget-customer", '[data-widget="customer"] .badge', { customerId: env.seed.root.userId }],
    ];
    for (const [path, name, ready, query] of pages) {
      const { page, frame } = await env.open(path, { query });
      await frame.locator(ready).first().waitFor();
      assert.equal(await frame.locator('[data-state="error"], [data-state="auth"]').count(), 0, path);
      await shot(page, name);
      await page.close();
    }
  });
});

describe("layout preview with contract-shaped data", () => {
  // The real pages and widgets, served by the real service, with /graphql/ answered by the
  // test from fixtures.mjs: shows each page with data before the API serves it.
  const previews = [
    ["/overview", "preview-overview", "kpi-sales"],
    ["/distributors", "preview-distributors", "distributor-table"],
    ["/distributors/RGlzdHJpYnV0b3I6MQ%3D%3D", "preview-distributor", "team-tree"],
    ["/withdrawals", "preview-withdrawals", "withdrawal-table"],
    ["/programme", "preview-programme", "plan-versions"],
    ["/widgets/order", "preview-widget-order", "order-commissions", { orderId: "T3JkZXI6MQ==" }],
    ["/widgets/customer", "preview-widget-customer", null, { customerId: "VXNlcjo0OA==" }],
  ];
  for (const [path, name, testId, query] of previews) {
    it(`${name} (${path})`, async () => {
      const { page, frame } = await env.open(path, { query });
      await page.route("**/graphql/", (route) =>
        route.fulfill({ contentType: "application/json", body: JSON.stringify(answer(route.request().postDataJSON())) }),
      );
      await page.reload();
      const ready = testId ? frame.getByTestId(testId) : frame.locator('[data-widget] .badge').first();
      await ready.waitFor();
      await shot(page, name);
      await page.close();
    });
  }
});

// Contract-shaped answers (../graphql/contract-schema.graphql) for the layout preview: the
// real pages, fed by the test instead of the API, so a reviewer can see them with data
// before the API serves these fields. Only the preview uses them; the scenarios above use
// the real service.
const m = (amount, currency = "CNY") => ({ amount, currency, fractionDigits: currency === "JPY" ? 0 : 2 });
const ref = (n, name, code) => ({ id: `RGlzdHJpYnV0b3I6${n}`, code, displayName: name, status: "ACTIVE", depth: 0 });
const names = ["陈晓雨", "李明", "王芳", "张伟", "刘洋", "杨静", "赵磊", "黄丽", "周杰", "吴敏"];
const row = (i) => ({
  id: `RGlzdHJpYnV0b3I6${i + 1}`,
  code: `CODE${100 + i}`,
  displayName: names[i % names.length],
  email: `user${i}@example.com`,
  status: i === 3 ? "APPLIED" : i === 7 ? "SUSPENDED" : "ACTIVE",
  depth: i % 3,
  teamSize: [128, 64, 45, 0, 12, 9, 3, 0, 1, 0][i % 10],
  directCount: [12, 8, 6, 0, 3, 2, 1, 0, 1, 0][i % 10],
  joinedAt: `2026-0${1 + (i % 9)}-1${i % 9}T08:00:00Z`,
  grade: i % 2 === 0 ? { id: "R3JhZGU6MQ==", name: "银牌" } : null,
  parent: i === 0 ? null : ref(1, "陈晓雨", "CODE100"),
  sales: m(`${(98000 / (i + 1)).toFixed(2)}`),
});
const series = Array.from({ length: 30 }, (_, d) => {
  const date = new Date(Date.UTC(2026, 9, 28 + d)).toISOString().slice(0, 10);
  const sales = 2000 + Math.round(1500 * Math.sin(d / 4) + d * 60);
  return { date, sales: m(`${sales}.00`), commissions: m(`${(sales * 0.12).toFixed(2)}`), newDistributors: d % 4 };
});
const plan = (version, isActive, l1) => ({
  id: `UGxhbjo${version}`,
  version,
  isActive,
  createdAt: `2026-11-${10 + version}T08:00:00Z`,
  createdBy: "owner@example.com",
  levels: [
    { level: 1, rate: l1 },
    { level: 2, rate: "0.05" },
    { level: 3, rate: "0.02" },
  ],
  gradeRates: [{ gradeId: "R3JhZGU6Mg==", level: 1, rate: "0.15" }],
  productOverrides: [{ id: "UHJvZHVjdDo3Mg==", kind: "FIXED", level: 1, value: "8.00" }],
  categoryOverrides: [],
  base: "NET",
  includeShipping: false,
  includeTax: false,
  capShare: "0.3",
  selfPurchase: false,
  activityMode: "SKIP",
  activityDays: 60,
  freezeDays: 7,
});
const withdrawal = (i, amount, currency, channel, payee) => ({
  id: `V2l0aGRyYXdhbDo${i}`,
  status: "REQUESTED",
  channel,
  payee,
  providerStatus: null,
  failureReason: null,
  rejectionReason: null,
  requestedAt: `2026-11-2${i}T0${i}:30:00Z`,
  amount: m(amount, currency),
  fee: m(currency === "JPY" ? "0" : "1.00", currency),
  net: m(currency === "JPY" ? amount : (Number(amount) - 1).toFixed(2), currency),
  distributor: ref(i, names[i], `CODE10${i}`),
});
const conn = (nodes, total = nodes.length, hasNextPage = false) => ({
  totalCount: total,
  pageInfo: { hasNextPage, endCursor: hasNextPage ? "next" : null },
  edges: nodes.map((node) => ({ node })),
});
const detail = {
  ...row(0),
  userId: "VXNlcjo0OA==",
  approvedAt: "2026-01-10T08:00:00Z",
  uplines: [ref(9, "吴敏", "CODE009"), ref(8, "周杰", "CODE008")],
  balances: [
    { currency: "CNY", pending: m("320.00"), frozen: m("1180.50"), available: m("2460.00"), withdrawing: m("500.00"), paid: m("12800.00") },
  ],
  teamCountByDepth: [
    { depth: 1, count: 12 },
    { depth: 2, count: 70 },
    { depth: 3, count: 46 },
  ],
  nextGrade: {
    grade: { id: "R3JhZGU6Mg==", name: "金牌", autoUpgrade: true },
    met: false,
    targets: [
      { target: "SALES", met: false, requiredSales: m("50000.00"), currentSales: m("42000.00"), requiredCount: null, currentCount: null },
      { target: "DIRECT_COUNT", met: true, requiredSales: null, currentSales: null, requiredCount: 10, currentCount: 12 },
      { target: "TEAM_SIZE", met: false, requiredSales: null, currentSales: null, requiredCount: 200, currentCount: 128 },
    ],
  },
};
const GRADES = [
  { id: "R3JhZGU6MQ==", name: "银牌", rank: 1, minSales: null, minDirectCount: null, minTeamSize: null, autoUpgrade: false },
  { id: "R3JhZGU6Mg==", name: "金牌", rank: 2, minSales: m("50000.00"), minDirectCount: 10, minTeamSize: 200, autoUpgrade: true },
];

export const FIXTURES = {
  ProgrammeOverview: () => ({
    programmeOverview: {
      currency: "CNY",
      distributionSales: m("186420.00"),
      commissionsAccrued: m("22370.40"),
      commissionsAvailable: m("8120.00"),
      commissionsPaid: m("11260.00"),
      pendingWithdrawals: 4,
      pendingWithdrawalsAmount: m("3150.00"),
      newDistributors: 37,
      series,
      topDistributors: Array.from({ length: 8 }, (_, i) => ({ distributor: ref(i, names[i], `CODE10${i}`), sales: m(`${(42000 / (i + 1)).toFixed(2)}`), commissions: m(`${(5040 / (i + 1)).toFixed(2)}`) })),
    },
  }),
  Distributors: () => ({ distributors: conn(Array.from({ length: 10 }, (_, i) => row(i)), 1284, true) }),
  Grades: () => ({ grades: GRADES }),
  DistributorDetail: () => ({ distributor: detail }),
  DistributorTeam: (v) => ({
    distributor: {
      id: v.id,
      team: conn(
        Array.from({ length: v.id === detail.id ? 12 : 3 }, (_, i) => ({ ...row(i + 1), id: `${v.id}-${i}`, code: `${v.id === detail.id ? "T" : "S"}${200 + i}` })),
        v.id === detail.id ? 12000 : 3,
        v.id === detail.id,
      ),
    },
  }),
  Withdrawals: () => ({
    withdrawals: conn([
      withdrawal(1, "500.00", "CNY", "WECHAT", "微信 o***9xQ"),
      withdrawal(2, "1200.00", "CNY", "ALIPAY", "支付宝 138****5678"),
      withdrawal(3, "35000", "JPY", "MANUAL", "三井住友 ****1234"),
      withdrawal(4, "88.00", "CNY", "WECHAT", "微信 o***a1B"),
    ]),
  }),
  CommissionPlans: () => ({
    activeCommissionPlan: plan(3, true, "0.12"),
    commissionPlans: conn([plan(3, true, "0.12"), plan(2, false, "0.1"), plan(1, false, "0.08")]),
    grades: GRADES,
  }),
  ProgrammeSettings: () => ({
    programmeSettings: {
      joiningMode: "APPROVAL",
      joinSpendThreshold: null,
      bindingPermanent: false,
      bindingDays: 30,
      lastTouch: false,
      protectionDays: 15,
      bindNewCustomersOnly: true,
      storefrontUrlTemplate: "https://shop.example.com/?ref={code}",
      defaultSponsor: null,
    },
  }),
  PayoutSettings: () => ({
    payoutSettings: { wechatEnabled: true, wechatMchId: "1900000109", wechatAppId: "wx8888888888888888", wechatConfigured: true, alipayEnabled: false, alipayAppId: null, alipayConfigured: false, manualEnabled: true },
  }),
  OrderAttribution: () => ({
    orderAttribution: {
      orderId: "T3JkZXI6MQ==",
      orderNumber: "1042",
      source: "ORDER_REF",
      explanation: "Checkout carried distribution.ref = CODE100 (陈晓雨).",
      base: m("899.00"),
      distributor: ref(1, "陈晓雨", "CODE100"),
      commissions: [
        { id: "Q29tOjE=", level: 1, rate: "0.12", rateKind: "PERCENTAGE", status: "FROZEN", planVersion: 3, reason: "Level 1 rate", base: m("899.00"), amount: m("107.88"), refunded: m("0.00"), beneficiary: ref(1, "陈晓雨", "CODE100") },
        { id: "Q29tOjI=", level: 2, rate: "0.05", rateKind: "PERCENTAGE", status: "FROZEN", planVersion: 3, reason: "Level 2 rate", base: m("899.00"), amount: m("44.95"), refunded: m("0.00"), beneficiary: ref(9, "吴敏", "CODE009") },
      ],
    },
  }),
  CustomerDistributor: () => ({ distributorByUser: detail }),
};

export function answer(body) {
  const name = /(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1];
  const fixture = FIXTURES[name];
  return fixture ? { data: fixture(body.variables ?? {}) } : { errors: [{ message: `the preview has no answer for ${name}` }] };
}

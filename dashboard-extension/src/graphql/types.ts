// The shapes the documents in ../../graphql/ select, as TypeScript types.
import type { MutationError } from "../lib/errors";

export interface Money {
  currency: string;
  amount: string;
  fractionDigits?: number;
}

export type DistributorStatus = "APPLIED" | "ACTIVE" | "SUSPENDED" | "REJECTED";
export type WithdrawalStatus =
  | "REQUESTED"
  | "APPROVED"
  | "SUBMITTED"
  | "AWAITING_CONFIRMATION"
  | "PAID"
  | "FAILED"
  | "CANCELLED"
  | "REJECTED";

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}
export interface Connection<T> {
  totalCount: number | null;
  pageInfo: PageInfo;
  edges: { node: T }[];
}

export interface DistributorRef {
  id: string;
  code: string;
  displayName: string;
  status?: DistributorStatus;
  depth?: number;
}

export interface Grade {
  id: string;
  name: string;
  rank: number;
  /** Upgrade targets: null is "not required". */
  minSales?: Money | null;
  minDirectCount?: number | null;
  minTeamSize?: number | null;
  autoUpgrade?: boolean;
}

export type GradeTarget = "SALES" | "DIRECT_COUNT" | "TEAM_SIZE";

export interface GradeProgress {
  grade: { id: string; name: string; autoUpgrade: boolean };
  met: boolean;
  targets: {
    target: GradeTarget;
    met: boolean;
    requiredSales: Money | null;
    currentSales: Money | null;
    requiredCount: number | null;
    currentCount: number | null;
  }[];
}

export interface DistributorRow {
  id: string;
  code: string;
  displayName: string;
  email: string;
  status: DistributorStatus;
  depth: number;
  teamSize: number;
  directCount: number;
  joinedAt: string;
  grade: { id: string; name: string } | null;
  parent: DistributorRef | null;
  sales: Money | null;
}

export interface Balance {
  currency: string;
  pending: Money;
  frozen: Money;
  available: Money;
  withdrawing: Money;
  paid: Money;
}

export interface DistributorDetail extends DistributorRow {
  userId: string;
  approvedAt: string | null;
  uplines: DistributorRef[];
  balances: Balance[];
  teamCountByDepth: { depth: number; count: number }[];
  nextGrade: GradeProgress | null;
}

export interface LedgerEntry {
  id: string;
  bucket: string;
  code: string;
  reason: string;
  actor: string | null;
  referenceType: string;
  referenceId: string;
  createdAt: string;
  amount: Money;
}

export interface AttributedOrder {
  orderId: string;
  orderNumber: string;
  source: string;
  base: Money | null;
  commissions: { id: string; level: number; status: string; amount: Money }[];
}

export interface Withdrawal {
  id: string;
  status: WithdrawalStatus;
  channel: string;
  payee: string;
  providerStatus: string | null;
  failureReason: string | null;
  rejectionReason: string | null;
  requestedAt: string;
  amount: Money;
  fee: Money;
  net: Money;
  distributor: DistributorRef;
}

export interface WithdrawalEvent {
  type: string;
  at: string;
  actor: string | null;
  message: string | null;
}

export type RateKind = "PERCENTAGE" | "FIXED";
export interface ItemOverride {
  id: string;
  kind: RateKind;
  level: number;
  value: string;
}
export interface CommissionPlan {
  id: string;
  version: number;
  isActive: boolean;
  createdAt: string;
  createdBy: string | null;
  levels: { level: number; rate: string }[];
  gradeRates: { gradeId: string; level: number; rate: string }[];
  productOverrides: ItemOverride[];
  categoryOverrides: ItemOverride[];
  base: "NET" | "GROSS";
  includeShipping: boolean;
  includeTax: boolean;
  capShare: string;
  selfPurchase: boolean;
  activityMode: "OFF" | "SKIP" | "PASS_UP";
  activityDays: number;
  freezeDays: number;
}

export interface ProgrammeSettings {
  joiningMode: "OPEN" | "APPROVAL" | "SPEND_THRESHOLD";
  joinSpendThreshold: Money | null;
  bindingPermanent: boolean;
  bindingDays: number | null;
  lastTouch: boolean;
  protectionDays: number;
  bindNewCustomersOnly: boolean;
  storefrontUrlTemplate: string;
  defaultSponsor: DistributorRef | null;
}

export interface PayoutSettings {
  wechatEnabled: boolean;
  wechatMchId: string | null;
  wechatAppId: string | null;
  wechatConfigured: boolean;
  alipayEnabled: boolean;
  alipayAppId: string | null;
  alipayConfigured: boolean;
  manualEnabled: boolean;
}

export interface Commission {
  id: string;
  level: number;
  rate: string;
  rateKind: string;
  status: string;
  planVersion: number;
  reason: string;
  base: Money;
  amount: Money;
  refunded: Money;
  beneficiary: DistributorRef;
}

export interface OrderAttribution {
  orderId: string;
  orderNumber: string;
  source: string;
  explanation: string;
  base: Money | null;
  distributor: DistributorRef | null;
  commissions: Commission[];
}

export interface OverviewPoint {
  date: string;
  sales: Money;
  commissions: Money;
  newDistributors: number;
}

export interface ProgrammeOverview {
  currency: string;
  distributionSales: Money;
  commissionsAccrued: Money;
  commissionsAvailable: Money;
  commissionsPaid: Money;
  pendingWithdrawals: number;
  pendingWithdrawalsAmount: Money;
  newDistributors: number;
  series: OverviewPoint[];
  topDistributors: { distributor: DistributorRef; sales: Money; commissions: Money }[];
}

export type MutationPayload<K extends string, T> = {
  [key in K]: ({ errors: MutationError[] } & T) | null;
};

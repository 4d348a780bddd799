// What the dashboard token says the staff member may do. The API enforces permissions; the
// extension reads the same claims only to show a permission-denied view instead of a
// request it knows will be refused (APP-CONTRACT §4.3: `user_permissions`).

export type Permission = "MANAGE_USERS" | "MANAGE_ORDERS";

export interface TokenClaims {
  app?: string;
  email?: string;
  user_permissions?: string[];
  exp?: number;
  iss?: string;
}

export function decodeToken(token: string | undefined | null): TokenClaims | null {
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as TokenClaims;
  } catch {
    return null;
  }
}

export function missingPermissions(
  token: string | undefined | null,
  required: readonly Permission[],
): Permission[] {
  const granted = new Set(decodeToken(token)?.user_permissions ?? []);
  return required.filter((permission) => !granted.has(permission));
}

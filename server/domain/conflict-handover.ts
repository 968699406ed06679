/**
 * R10: a manager with a conflict of interest hands the application to another manager of the same
 * partner organisation (whose budget it is), or where there is none to an administrator; never to
 * a manager of another region's budget.
 */
export interface HandoverCandidate {
  id: number;
  role: string;
  partnerId: number | null;
  active: boolean;
  /** Has declared a conflict of interest on this application too. */
  conflicted: boolean;
}

/** The one who takes over, or null when nobody may; among several, the earliest account, so the choice is predictable. */
export function handoverTarget<T extends HandoverCandidate>(candidates: readonly T[], app: { partnerId: number }, declaredBy: number): T | null {
  const free = candidates.filter((c) => c.active && !c.conflicted && c.id !== declaredBy).sort((a, b) => a.id - b.id);
  return free.find((c) => c.role === "manager" && c.partnerId === app.partnerId) ?? free.find((c) => c.role === "admin") ?? null;
}


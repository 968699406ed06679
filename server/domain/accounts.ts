/*
 * Account rules that are not scheme rules but keep the installation manageable.
 */

/**
 * At least one active administrator must remain, or nobody can manage users, regions and
 * settings any more. True when changing `userId` to `after` would leave none, given the ids of
 * the active administrators as they are now.
 */
export function leavesNoAdministrator(activeAdminIds: readonly number[], userId: number, after: { role: string; active: boolean }): boolean {
  if (!activeAdminIds.includes(userId)) return false;
  if (after.role === "admin" && after.active) return false;
  return activeAdminIds.every((id) => id === userId);
}

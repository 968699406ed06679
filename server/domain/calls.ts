/**
 * R3: a call takes applications between its opening and its closing moment. A call whose closing
 * moment has passed counts as closed everywhere, even before the daily job has written "closed"
 * to its row, so a late submission never slips in.
 */
import { instantMillis } from "./time";

export type CallStatus = "draft" | "open" | "closed";

export function effectiveStatus(stored: CallStatus, closesAt: string, now: Date): CallStatus {
  if (stored === "open" && now.getTime() >= instantMillis(closesAt)) return "closed";
  return stored;
}

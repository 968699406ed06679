import { APP_STATES, STATE_LABELS, TRANSITIONS, isFinal, type AppState } from "./lifecycle";

/** Mermaid identifiers cannot contain hyphens. */
function node(state: AppState): string {
  return state.replace(/-/g, "_");
}

/**
 * The state machine as a Mermaid diagram, drawn from TRANSITIONS so the picture in
 * docs/state-machine-and-ledger.md cannot describe a transition the code does not have
 * (`npm run docs:state-machine` writes it; a unit test compares the committed copy).
 */
export function stateMachineMermaid(): string {
  const lines = ["stateDiagram-v2", "    direction TB"];
  for (const state of APP_STATES) lines.push(`    state "${STATE_LABELS[state]}" as ${node(state)}`);
  lines.push("    [*] --> draft");
  for (const t of TRANSITIONS) lines.push(`    ${node(t.from)} --> ${node(t.to)}: ${t.action} (${t.roles.join(", ")})`);
  for (const state of APP_STATES) if (isFinal(state)) lines.push(`    ${node(state)} --> [*]`);
  return lines.join("\n");
}

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stateMachineMermaid } from "../domain/lifecycle-diagram";

/** The one place the diagram sits in the docs: the first mermaid block of this file. */
export const STATE_MACHINE_DOC = path.resolve(__dirname, "../../docs/state-machine-and-ledger.md");
const BLOCK = /```mermaid\n[\s\S]*?\n```/;

export function committedStateMachine(): string | undefined {
  const match = BLOCK.exec(readFileSync(STATE_MACHINE_DOC, "utf8"));
  return match ? match[0].slice("```mermaid\n".length, -"\n```".length) : undefined;
}

if (require.main === module) {
  const doc = readFileSync(STATE_MACHINE_DOC, "utf8");
  writeFileSync(STATE_MACHINE_DOC, doc.replace(BLOCK, "```mermaid\n" + stateMachineMermaid() + "\n```"));
  console.log(`Wrote the state machine diagram to ${path.relative(process.cwd(), STATE_MACHINE_DOC)}`);
}

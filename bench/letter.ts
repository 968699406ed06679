/**
 * The award letter alone: renders the sample letter (server/letters/demo-letter.ts) N times and
 * prints the median wall and CPU time per letter and the letter's SHA-256 (the same on every run:
 * rendering is deterministic).
 *
 *   npx tsx bench/letter.ts [N]
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/letter.ts 200
 */
import { renderAwardLetter, sha256Hex } from "../server/letters/award-letter";
import { DEMO_LETTER } from "../server/letters/demo-letter";
import { cpuMs, percentile } from "./stats";

async function main(): Promise<void> {
  const n = Math.max(10, Number(process.argv[2] ?? 60));
  const wall: number[] = [];
  const cpu: number[] = [];
  let hash = "";
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const pdf = await renderAwardLetter(DEMO_LETTER);
    const c = process.cpuUsage(c0);
    cpu.push(cpuMs(c));
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const h = sha256Hex(pdf);
    if (hash && h !== hash) throw new Error("The same letter rendered into different bytes.");
    hash = h;
  }
  // The first ones warm up the JIT and parse the fonts.
  const warm = Math.min(5, n - 5);
  console.log(`award letter: median ${percentile(wall.slice(warm), 50).toFixed(1)} ms wall, ${percentile(cpu.slice(warm), 50).toFixed(1)} ms CPU ` +
    `(${n} renderings, first ${warm} left out); first ${wall[0]?.toFixed(0)} ms; sha256 ${hash}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

/*
 * A second process writing to a Voucherdesk SQLite file, as the jobs command or a backup would:
 * it takes the write lock (BEGIN IMMEDIATE), holds it for holdMs, commits, pauses pauseMs, and
 * repeats `rounds` times (0: until killed). It prints "held <startMs>" once it holds the lock and
 * "lock <startMs> <endMs>" after releasing it, so a test can wait for the lock and prove that its
 * own requests overlapped with it.
 *
 * node test/support/sqlite-writer.cjs <file> <holdMs> <pauseMs> <rounds>
 */
const sqlite3 = require("sqlite3");

const [file, holdMs, pauseMs, rounds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const db = new sqlite3.Database(file);
db.configure("busyTimeout", 30000);

const run = (sql, params = []) => new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

(async () => {
  await run("PRAGMA journal_mode = WAL");
  await run("create table if not exists writer_probe (id integer primary key, at text not null)");
  for (let i = 0; rounds === 0 || i < rounds; i++) {
    await run("BEGIN IMMEDIATE");
    const start = Date.now();
    await run("insert into writer_probe (at) values (?)", [new Date().toISOString()]);
    process.stdout.write(`held ${start}\n`);
    await wait(holdMs);
    await run("COMMIT");
    process.stdout.write(`lock ${start} ${Date.now()}\n`);
    await wait(pauseMs);
  }
  db.close();
})().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
});

import { generateSync } from "otplib";
import { DEMO_TOTP_KEYS } from "../../db/seeds/demo";

/*
 * Prints the current TOTP code of a demo staff account (`npm run demo:code -- manager@demo.test`),
 * for trying the demo without an authenticator app. The keys are public demo data.
 */
const email = (process.argv[2] ?? "").trim().toLowerCase();
const key = DEMO_TOTP_KEYS[email];
if (!key) {
  console.error(`Give one of the demo staff accounts: ${Object.keys(DEMO_TOTP_KEYS).join(", ")}`);
  process.exit(1);
}
console.log(generateSync({ secret: key }));

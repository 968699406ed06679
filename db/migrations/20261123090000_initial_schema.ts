import type { Knex } from "knex";

/*
 * Conventions (why they look like this):
 * - Money is integer cents in bigInteger columns (R1); never float/decimal.
 * - Instants are ISO-8601 UTC strings ("2026-11-23T09:00:00.000Z") and calendar dates are
 *   "YYYY-MM-DD" strings, so SQLite and PostgreSQL return the same values and compare the same.
 * - Financial records and decisions are never deleted (R17): foreign keys use RESTRICT.
 */
const instant = (t: Knex.CreateTableBuilder, name: string) => t.string(name, 30);
const date = (t: Knex.CreateTableBuilder, name: string) => t.string(name, 10);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("schemes", (t) => {
    t.increments("id");
    t.string("code", 20).notNullable().unique();
    t.string("name", 200).notNullable();
    t.string("time_zone", 64).notNullable();
    t.bigInteger("de_minimis_ceiling_cents").notNullable();
    t.boolean("block_while_claim_open").notNullable().defaultTo(true);
  });

  await knex.schema.createTable("voucher_types", (t) => {
    t.increments("id");
    t.integer("scheme_id").notNullable().references("schemes.id");
    t.string("code", 10).notNullable();
    t.string("name", 100).notNullable();
    t.string("amount_rule", 20).notNullable();
    t.bigInteger("max_cents").notNullable();
    t.boolean("pre_approval_required").notNullable();
    t.integer("completion_days").notNullable();
    t.integer("claim_days").notNullable();
    t.string("payment_basis", 30).notNullable();
    t.unique(["scheme_id", "code"]);
  });

  await knex.schema.createTable("regions", (t) => {
    t.increments("id");
    t.string("code", 10).notNullable().unique();
    t.string("name", 200).notNullable();
    t.string("country", 2).notNullable();
  });

  await knex.schema.createTable("partners", (t) => {
    t.increments("id");
    t.integer("region_id").notNullable().unique().references("regions.id");
    t.string("name", 200).notNullable();
    t.string("short_name", 50).notNullable();
    t.text("address").notNullable();
    t.string("email", 200);
  });

  await knex.schema.createTable("sectors", (t) => {
    t.increments("id");
    t.string("code", 20).notNullable().unique();
    t.string("name", 200).notNullable();
  });

  await knex.schema.createTable("companies", (t) => {
    t.increments("id");
    t.string("legal_name", 200).notNullable();
    t.string("vat_number", 40).notNullable();
    t.text("address").notNullable();
    t.string("country", 2).notNullable();
    t.integer("region_id").references("regions.id");
    t.integer("sector_id").references("sectors.id");
    t.integer("staff_headcount").notNullable();
    t.bigInteger("turnover_cents").notNullable();
    t.bigInteger("balance_sheet_cents").notNullable();
    t.string("iban", 34);
    t.string("account_holder", 200);
    instant(t, "created_at").notNullable();
    instant(t, "updated_at").notNullable();
  });

  await knex.schema.createTable("company_relations", (t) => {
    t.increments("id");
    t.integer("company_id").notNullable().references("companies.id");
    t.string("name", 200).notNullable();
    t.string("kind", 10).notNullable(); // partner | linked
    t.string("share_percent", 10).notNullable(); // exact decimal as text, e.g. "33.5"
    t.integer("staff_headcount").notNullable();
    t.bigInteger("turnover_cents").notNullable();
    t.bigInteger("balance_sheet_cents").notNullable();
  });

  await knex.schema.createTable("de_minimis_declarations", (t) => {
    t.increments("id");
    t.integer("company_id").notNullable().references("companies.id");
    t.string("granting_body", 200).notNullable();
    date(t, "granted_on").notNullable();
    t.bigInteger("amount_cents").notNullable();
    instant(t, "declared_at").notNullable();
  });

  await knex.schema.createTable("users", (t) => {
    t.increments("id");
    t.string("email", 254).notNullable().unique();
    t.string("name", 200).notNullable();
    t.string("title", 200);
    t.string("password_hash", 200).notNullable();
    t.string("role", 20).notNullable(); // applicant | manager | finance | admin
    t.integer("company_id").references("companies.id");
    t.integer("partner_id").references("partners.id");
    t.boolean("active").notNullable().defaultTo(true);
    instant(t, "email_confirmed_at");
    instant(t, "created_at").notNullable();
  });

  await knex.schema.createTable("user_tokens", (t) => {
    t.increments("id");
    t.integer("user_id").notNullable().references("users.id");
    t.string("purpose", 20).notNullable(); // confirm | reset | invite
    t.string("token_hash", 64).notNullable().unique();
    instant(t, "expires_at").notNullable();
    instant(t, "used_at");
  });

  await knex.schema.createTable("login_attempts", (t) => {
    t.increments("id");
    t.string("email", 254).notNullable().index();
    t.string("ip", 64).notNullable().index();
    t.boolean("succeeded").notNullable();
    instant(t, "at").notNullable().index();
  });

  await knex.schema.createTable("sessions", (t) => {
    t.string("sid").primary();
    t.json("sess").notNullable();
    t.timestamp("expired").notNullable().index();
  });

  await knex.schema.createTable("audit_events", (t) => {
    t.increments("id");
    instant(t, "at").notNullable().index();
    t.integer("actor_user_id").references("users.id");
    t.string("actor_label", 254);
    t.string("action", 60).notNullable().index();
    t.string("entity_type", 40).notNullable();
    t.string("entity_id", 40);
    t.text("before_json");
    t.text("after_json");
    t.string("request_id", 64);
    t.index(["entity_type", "entity_id"]);
  });

  await knex.schema.createTable("calls", (t) => {
    t.increments("id");
    t.integer("scheme_id").notNullable().references("schemes.id");
    t.string("title", 200).notNullable();
    t.text("description").notNullable().defaultTo("");
    instant(t, "opens_at").notNullable();
    instant(t, "closes_at").notNullable();
    t.string("status", 10).notNullable(); // draft | open | closed
    t.integer("created_by").notNullable().references("users.id");
    instant(t, "created_at").notNullable();
    instant(t, "updated_at").notNullable();
  });

  await knex.schema.createTable("call_voucher_types", (t) => {
    t.integer("call_id").notNullable().references("calls.id");
    t.integer("voucher_type_id").notNullable().references("voucher_types.id");
    t.integer("completion_days").notNullable();
    t.primary(["call_id", "voucher_type_id"]);
  });

  // Running totals per ceiling, so remaining budget never needs a scan (R4); the ledger below is
  // the truth they are checked against.
  await knex.schema.createTable("budget_ceilings", (t) => {
    t.increments("id");
    t.integer("call_id").notNullable().references("calls.id");
    t.string("key", 40).notNullable(); // total | type:MG | partner:3
    t.string("label", 200).notNullable();
    t.bigInteger("ceiling_cents").notNullable();
    t.bigInteger("committed_cents").notNullable().defaultTo(0);
    t.bigInteger("released_cents").notNullable().defaultTo(0);
    t.bigInteger("paid_cents").notNullable().defaultTo(0);
    t.unique(["call_id", "key"]);
  });

  await knex.schema.createTable("directory_organisations", (t) => {
    t.increments("id");
    t.string("name", 200).notNullable();
    t.integer("region_id").notNullable().references("regions.id");
    t.string("kind", 30).notNullable(); // company | knowledge-institution | expert | facility
    t.text("competences").notNullable().defaultTo(""); // comma-separated tags
    t.string("contact_name", 200);
    t.string("contact_email", 254);
    t.string("website", 300);
    t.text("description").notNullable().defaultTo("");
    t.integer("created_by").references("users.id");
    instant(t, "created_at").notNullable();
    instant(t, "updated_at").notNullable();
  });

  await knex.schema.createTable("applications", (t) => {
    t.increments("id");
    t.string("reference", 40).unique();
    t.integer("call_id").notNullable().references("calls.id");
    t.integer("company_id").notNullable().references("companies.id");
    t.integer("voucher_type_id").notNullable().references("voucher_types.id");
    t.integer("partner_id").notNullable().references("partners.id");
    t.string("state", 30).notNullable().index();
    t.string("title", 200).notNullable().defaultTo("");
    t.text("description").notNullable().defaultTo("");
    t.text("objectives").notNullable().defaultTo("");
    t.text("expected_result").notNullable().defaultTo("");
    t.integer("counterpart_org_id").references("directory_organisations.id");
    t.string("counterpart_name", 200).notNullable().defaultTo("");
    t.string("counterpart_country", 2);
    t.integer("counterpart_region_id").references("regions.id");
    t.string("counterpart_kind", 30);
    date(t, "activity_start");
    date(t, "activity_end");
    t.bigInteger("cost_travel_cents");
    t.bigInteger("cost_accommodation_cents");
    t.bigInteger("cost_other_cents");
    t.bigInteger("requested_cents");
    t.bigInteger("approved_cents");
    t.text("submission_json"); // the frozen submitted version
    t.text("eligibility_json");
    instant(t, "submitted_at");
    instant(t, "decided_at");
    t.integer("decided_by").references("users.id");
    t.text("decision_reason");
    date(t, "approved_on");
    date(t, "completion_deadline");
    date(t, "claim_deadline");
    instant(t, "accepted_at");
    t.integer("accepted_by").references("users.id");
    t.integer("version").notNullable().defaultTo(1);
    t.integer("created_by").notNullable().references("users.id");
    instant(t, "created_at").notNullable();
    instant(t, "updated_at").notNullable();
    t.index(["company_id", "call_id"]);
    t.index(["partner_id", "state"]);
  });

  await knex.schema.createTable("conflicts_of_interest", (t) => {
    t.increments("id");
    t.integer("application_id").notNullable().references("applications.id");
    t.integer("user_id").notNullable().references("users.id");
    t.text("reason").notNullable();
    instant(t, "declared_at").notNullable();
    t.unique(["application_id", "user_id"]);
  });

  await knex.schema.createTable("claims", (t) => {
    t.increments("id");
    t.integer("application_id").notNullable().references("applications.id");
    t.string("status", 20).notNullable(); // submitted | verified | rejected | paid
    t.text("report").notNullable();
    t.text("organisations_met").notNullable().defaultTo("");
    t.text("result_contacts").notNullable().defaultTo("");
    t.text("result_product").notNullable().defaultTo("");
    t.text("follow_up").notNullable().defaultTo("");
    instant(t, "submitted_at").notNullable();
    t.integer("submitted_by").notNullable().references("users.id");
    instant(t, "verified_at");
    t.integer("verified_by").references("users.id");
    t.bigInteger("payable_cents");
    t.text("payable_explanation");
    t.text("decision_reason");
    t.index(["application_id"]);
  });

  await knex.schema.createTable("claim_cost_lines", (t) => {
    t.increments("id");
    t.integer("claim_id").notNullable().references("claims.id");
    date(t, "incurred_on").notNullable();
    t.string("description", 300).notNullable();
    t.string("currency", 3).notNullable();
    t.bigInteger("original_minor").notNullable(); // in the currency's minor units
    t.string("rate", 20); // Commission accounting rate, foreign units per EUR, as entered (R2)
    t.string("rate_month", 7); // YYYY-MM
    t.bigInteger("eur_cents");
    t.boolean("eligible");
    t.text("ineligible_reason");
  });

  await knex.schema.createTable("attachments", (t) => {
    t.increments("id");
    t.integer("application_id").notNullable().references("applications.id");
    t.integer("claim_id").references("claims.id");
    t.string("purpose", 20).notNullable(); // application | evidence
    t.string("original_name", 255).notNullable();
    t.string("mime", 100).notNullable();
    t.integer("size_bytes").notNullable();
    t.string("sha256", 64).notNullable();
    t.binary("content").notNullable();
    t.integer("uploaded_by").notNullable().references("users.id");
    instant(t, "uploaded_at").notNullable();
  });

  await knex.schema.createTable("award_letters", (t) => {
    t.increments("id");
    t.integer("application_id").notNullable().unique().references("applications.id");
    t.string("reference", 40).notNullable().unique();
    t.string("language", 5).notNullable();
    t.binary("pdf").notNullable();
    t.string("sha256", 64).notNullable().index();
    instant(t, "issued_at").notNullable();
    t.integer("issued_by").notNullable().references("users.id");
  });

  await knex.schema.createTable("sepa_batches", (t) => {
    t.increments("id");
    t.string("message_id", 35).notNullable().unique();
    t.string("status", 20).notNullable(); // prepared | executed
    date(t, "execution_date").notNullable();
    t.bigInteger("total_cents").notNullable();
    t.integer("transaction_count").notNullable();
    t.text("xml").notNullable();
    t.integer("created_by").notNullable().references("users.id");
    instant(t, "created_at").notNullable();
    instant(t, "executed_at");
    t.integer("executed_by").references("users.id");
  });

  await knex.schema.createTable("sepa_batch_items", (t) => {
    t.integer("batch_id").notNullable().references("sepa_batches.id");
    t.integer("claim_id").notNullable().references("claims.id");
    t.primary(["batch_id", "claim_id"]);
  });

  await knex.schema.createTable("payments", (t) => {
    t.increments("id");
    // One payment per claim, enforced by the database as the last line of defence (R15).
    t.integer("claim_id").notNullable().unique().references("claims.id");
    t.integer("application_id").notNullable().references("applications.id");
    t.bigInteger("amount_cents").notNullable();
    date(t, "paid_on").notNullable();
    t.string("bank_reference", 100).notNullable();
    t.string("iban", 34).notNullable();
    t.integer("batch_id").references("sepa_batches.id");
    t.integer("recorded_by").notNullable().references("users.id");
    instant(t, "recorded_at").notNullable();
  });

  // Append-only (R5): rows are only ever inserted; a correction is a reversing entry.
  await knex.schema.createTable("ledger_entries", (t) => {
    t.increments("id");
    t.integer("call_id").notNullable().references("calls.id");
    t.integer("application_id").notNullable().references("applications.id");
    t.string("kind", 10).notNullable(); // commit | release | payment
    t.bigInteger("amount_cents").notNullable();
    t.text("ceiling_keys").notNullable(); // JSON array of budget_ceilings.key
    t.integer("payment_id").references("payments.id");
    t.integer("reverses_entry_id").references("ledger_entries.id");
    t.string("idempotency_key", 120).notNullable().unique();
    t.string("note", 300);
    t.integer("actor_user_id").references("users.id");
    instant(t, "at").notNullable().index();
    t.index(["call_id", "kind"]);
    t.index(["application_id"]);
  });

  await knex.schema.createTable("referrals", (t) => {
    t.increments("id");
    t.integer("company_id").notNullable().references("companies.id");
    t.integer("organisation_id").notNullable().references("directory_organisations.id");
    t.integer("manager_id").notNullable().references("users.id");
    t.text("note").notNullable().defaultTo("");
    t.integer("application_id").references("applications.id");
    instant(t, "created_at").notNullable();
  });

  await knex.schema.createTable("rejection_templates", (t) => {
    t.increments("id");
    t.string("title", 200).notNullable();
    t.text("text").notNullable();
  });

  await knex.schema.createTable("emails", (t) => {
    t.increments("id");
    t.string("to_address", 254).notNullable();
    t.string("subject", 300).notNullable();
    t.text("body_text").notNullable();
    t.string("template", 60).notNullable();
    instant(t, "created_at").notNullable();
    instant(t, "sent_at");
    t.text("error");
  });
}

export async function down(knex: Knex): Promise<void> {
  const tables = [
    "emails", "rejection_templates", "referrals", "ledger_entries", "payments", "sepa_batch_items",
    "sepa_batches", "award_letters", "attachments", "claim_cost_lines", "claims",
    "conflicts_of_interest", "applications", "directory_organisations", "budget_ceilings",
    "call_voucher_types", "calls", "audit_events", "sessions", "login_attempts", "user_tokens",
    "users", "de_minimis_declarations", "company_relations", "companies", "sectors", "partners",
    "regions", "voucher_types", "schemes",
  ];
  for (const t of tables) await knex.schema.dropTableIfExists(t);
}

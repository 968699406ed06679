/*
 * No pain.001.001.03 XSD ships in any installed package (grep -rl "pain.001.001.03"
 * node_modules --include=*.xsd finds nothing) and there is no XSD validator installed, so these
 * tests check the structure element by element, in the XSD's sequence order.
 */
import { expect } from "chai";
import { create } from "xmlbuilder2";
import {
  MAX_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_REMITTANCE_LENGTH,
  PAIN_001_001_03_NS,
  buildPain001,
  checkPayableIban,
  type PayableIbanResult,
  toSepaText,
  type Pain001Input,
  type SepaPayment,
} from "../../../server/exports/sepa";
import { ValidationError } from "../../../server/errors";
import { englishText, renderText } from "../../../server/i18n/messages";
import { defined } from "../../support/defined";
import { thrown } from "../../support/rejects";

const NS = PAIN_001_001_03_NS;

function payment(over: Partial<SepaPayment> = {}): SepaPayment {
  return {
    endToEndId: "IN2LS-2026-001",
    amountCents: 400000,
    creditorName: "Brabant Diagnostics B.V.",
    creditorIban: "NL91ABNA0417164300",
    remittance: "IN2LS-2026-001 Insight voucher",
    ...over,
  };
}

function input(over: Partial<Pain001Input> = {}): Pain001Input {
  return {
    messageId: "VD-20261123-0001",
    createdAt: "2026-11-23T10:15:30.123+01:00",
    executionDate: "2026-11-25",
    debtor: { name: "BioPeople", iban: "DK5000400440116243" },
    payments: [
      payment(),
      payment({ endToEndId: "IN2LS-2026-002", amountCents: 10, creditorName: "Søren Ø. Łukasz Groß & Ærø", creditorIban: "DE89 3704 0044 0532 0130 00", creditorBic: "cobadeffxxx", remittance: "IN2LS-2026-002\nMeet – Greet «Lyon»" }),
      payment({ endToEndId: "IN2LS-2026-003", amountCents: 20, creditorName: "Gent Biotech", creditorIban: "be68539007547034" }),
    ],
    ...over,
  };
}

/** The part of the W3C DOM (as implemented by xmlbuilder2) these tests read; lib "dom" is not loaded. */
interface El {
  nodeType: number;
  localName: string;
  namespaceURI: string | null;
  textContent: string | null;
  childNodes: ArrayLike<El>;
  getAttribute(name: string): string | null;
}
interface XmlDoc {
  documentElement: El | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<El>;
  getElementsByTagName(name: string): ArrayLike<El>;
}

function parseXml(xml: string): XmlDoc {
  return create(xml).node as unknown as XmlDoc;
}

function children(el: El): El[] {
  return Array.from(el.childNodes).filter((n) => n.nodeType === 1);
}

function child(el: El, name: string): El {
  const c = children(el).find((x) => x.localName === name);
  if (!c) throw new Error(`<${el.localName}> has no <${name}>`);
  return c;
}

function at(el: El, path: string): El {
  return path.split("/").reduce(child, el);
}

function text(el: El, path: string): string {
  return at(el, path).textContent ?? "";
}

function names(el: El): string[] {
  return children(el).map((c) => c.localName);
}

function all(doc: XmlDoc, name: string): El[] {
  return Array.from(doc.getElementsByTagNameNS(NS, name));
}

function cents(amount: string): bigint {
  const m = /^(\d+)\.(\d{2})$/.exec(amount);
  if (!m) throw new Error(`not a two-decimal amount: ${amount}`);
  return BigInt(defined(m[1])) * 100n + BigInt(defined(m[2]));
}


describe("exports/sepa: buildPain001", () => {
  let xml: string;
  let doc: XmlDoc;
  let root: El;
  let initn: El;
  let grp: El;
  let pmtInf: El;
  let txs: El[];
  before(() => {
    xml = buildPain001(input());
    doc = parseXml(xml);
    root = doc.documentElement as El;
    initn = child(root, "CstmrCdtTrfInitn");
    grp = child(initn, "GrpHdr");
    pmtInf = child(initn, "PmtInf");
    txs = children(pmtInf).filter((c) => c.localName === "CdtTrfTxInf");
  });

  it("is a pain.001.001.03 Document in the ISO namespace", () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).to.equal(true);
    expect(root.localName).to.equal("Document");
    expect(root.namespaceURI).to.equal(NS);
    // Every element is in the namespace (none fell back to no namespace).
    expect(doc.getElementsByTagNameNS(NS, "*").length).to.equal(doc.getElementsByTagName("*").length);
    expect(names(initn)).to.deep.equal(["GrpHdr", "PmtInf"]);
  });

  it("has the group header in schema order", () => {
    expect(names(grp)).to.deep.equal(["MsgId", "CreDtTm", "NbOfTxs", "CtrlSum", "InitgPty"]);
    expect(text(grp, "MsgId")).to.equal("VD-20261123-0001");
    expect(text(grp, "CreDtTm")).to.equal("2026-11-23T10:15:30+01:00");
    expect(text(grp, "InitgPty/Nm")).to.equal("BioPeople");
  });

  it("has one payment information block in schema order", () => {
    expect(names(pmtInf)).to.deep.equal([
      "PmtInfId", "PmtMtd", "BtchBookg", "NbOfTxs", "CtrlSum", "PmtTpInf", "ReqdExctnDt", "Dbtr", "DbtrAcct", "DbtrAgt",
      "ChrgBr", "CdtTrfTxInf", "CdtTrfTxInf", "CdtTrfTxInf",
    ]);
    expect(text(pmtInf, "PmtInfId")).to.equal("VD-20261123-0001");
    expect(text(pmtInf, "PmtMtd")).to.equal("TRF");
    expect(text(pmtInf, "BtchBookg")).to.equal("true");
    expect(text(pmtInf, "PmtTpInf/SvcLvl/Cd")).to.equal("SEPA");
    expect(text(pmtInf, "ReqdExctnDt")).to.equal("2026-11-25");
    expect(text(pmtInf, "Dbtr/Nm")).to.equal("BioPeople");
    expect(text(pmtInf, "DbtrAcct/Id/IBAN")).to.equal("DK5000400440116243");
    expect(text(pmtInf, "DbtrAgt/FinInstnId/Othr/Id")).to.equal("NOTPROVIDED");
    expect(text(pmtInf, "ChrgBr")).to.equal("SLEV");
  });

  it("has NbOfTxs and CtrlSum equal to the transactions at both levels", () => {
    const amounts = txs.map((t) => text(t, "Amt/InstdAmt"));
    const sum = amounts.map(cents).reduce((a, b) => a + b, 0n);
    for (const level of [grp, pmtInf]) {
      expect(text(level, "NbOfTxs")).to.equal(String(txs.length));
      expect(cents(text(level, "CtrlSum"))).to.equal(sum);
    }
    // 4000.00 + 0.10 + 0.20: exact, no 4000.3000000000002.
    expect(text(grp, "CtrlSum")).to.equal("4000.30");
    expect(all(doc, "CdtTrfTxInf")).to.have.length(3);
  });

  it("writes each transaction with the reference, a two-decimal EUR amount and the creditor", () => {
    expect(names(defined(txs[0]))).to.deep.equal(["PmtId", "Amt", "Cdtr", "CdtrAcct", "RmtInf"]);
    expect(names(defined(txs[1]))).to.deep.equal(["PmtId", "Amt", "CdtrAgt", "Cdtr", "CdtrAcct", "RmtInf"]);
    expect(txs.map((t) => text(t, "PmtId/EndToEndId"))).to.deep.equal(["IN2LS-2026-001", "IN2LS-2026-002", "IN2LS-2026-003"]);
    expect(txs.map((t) => text(t, "Amt/InstdAmt"))).to.deep.equal(["4000.00", "0.10", "0.20"]);
    for (const t of txs) {
      expect(text(t, "Amt/InstdAmt")).to.match(/^\d+\.\d{2}$/);
      expect(at(t, "Amt/InstdAmt").getAttribute("Ccy")).to.equal("EUR");
    }
    expect(text(defined(txs[1]), "CdtrAgt/FinInstnId/BIC")).to.equal("COBADEFFXXX");
    expect(txs.map((t) => text(t, "CdtrAcct/Id/IBAN"))).to.deep.equal([
      "NL91ABNA0417164300",
      "DE89370400440532013000",
      "BE68539007547034",
    ]);
    expect(text(defined(txs[0]), "RmtInf/Ustrd")).to.equal("IN2LS-2026-001 Insight voucher");
  });

  it("transliterates names and remittance into the SEPA character set", () => {
    expect(text(defined(txs[1]), "Cdtr/Nm")).to.equal("Soren O. Lukasz Gross + AEro");
    expect(text(defined(txs[1]), "RmtInf/Ustrd")).to.equal("IN2LS-2026-002 Meet - Greet 'Lyon'");
    const allowed = /^[A-Za-z0-9/\-?:().,'+ ]*$/;
    for (const el of Array.from(doc.getElementsByTagNameNS(NS, "*"))) {
      if (children(el).length === 0) expect(el.textContent ?? "", el.localName).to.match(allowed);
    }
  });

  it("keeps every field within its length limit", () => {
    const long = buildPain001(
      input({
        payments: [payment({ creditorName: "Ø".repeat(40) + " Life Science Research and Development Company ApS", remittance: "x".repeat(140) })],
        debtor: { name: "B".repeat(71), iban: "DK5000400440116243", bic: "DABADKKK" },
      }),
    );
    const d = parseXml(long);
    for (const nm of all(d, "Nm")) expect((nm.textContent ?? "").length).to.be.at.most(MAX_NAME_LENGTH);
    expect(defined(all(d, "Nm")[0]).textContent).to.equal("B".repeat(70));
    expect(defined(all(d, "Ustrd")[0]).textContent).to.have.length(MAX_REMITTANCE_LENGTH);
    for (const id of ["MsgId", "PmtInfId", "EndToEndId"]) {
      for (const el of all(d, id)) expect((el.textContent ?? "").length).to.be.at.most(MAX_ID_LENGTH);
    }
    expect(defined(all(d, "BIC")[0]).textContent).to.equal("DABADKKK");
  });

  it("refuses identifiers it would have to change, rather than altering them", () => {
    expect(thrown(() => buildPain001(input({ messageId: "M".repeat(MAX_ID_LENGTH + 1) })), ValidationError).message).to.match(/longer than 35/);
    expect(buildPain001(input({ messageId: "M".repeat(MAX_ID_LENGTH) }))).to.include(`<MsgId>${"M".repeat(35)}</MsgId>`);
    expect(thrown(() => buildPain001(input({ payments: [payment({ endToEndId: "IN2LS_2026_001" })] })), ValidationError).fields).to.have.property(
      "payments[0].endToEndId",
    );
    thrown(() => buildPain001(input({ payments: [payment({ endToEndId: "Ø-1" })] })), ValidationError);
    thrown(() => buildPain001(input({ payments: [payment({ endToEndId: "/IN2LS" })] })), ValidationError);
    thrown(() => buildPain001(input({ payments: [payment({ endToEndId: "IN2LS//1" })] })), ValidationError);
    thrown(() => buildPain001(input({ payments: [payment({ endToEndId: "" })] })), ValidationError);
  });

  it("refuses an empty batch, duplicate vouchers and bad amounts", () => {
    expect(thrown(() => buildPain001(input({ payments: [] })), ValidationError).message).to.match(/empty/);
    expect(thrown(() => buildPain001(input({ payments: [payment(), payment()] })), ValidationError).message).to.match(/twice/);
    for (const amountCents of [0, -100, 12.5, 100_000_000_000]) {
      thrown(() => buildPain001(input({ payments: [payment({ amountCents })] })), ValidationError);
    }
    expect(buildPain001(input({ payments: [payment({ amountCents: 99_999_999_999 })] }))).to.include(">999999999.99<");
  });

  it("refuses bad bank details, dates and untranslatable text with clear messages", () => {
    const dk = thrown(() => buildPain001(input({ payments: [payment({ creditorIban: "DK5000400440116243" })] })), ValidationError);
    expect(dk.message).to.match(/IN2LS-2026-001.*Denmark/);
    expect(dk.fields).to.have.property("payments[0].creditorIban");
    thrown(() => buildPain001(input({ payments: [payment({ creditorIban: "NL91ABNA0417164301" })] })), ValidationError);
    thrown(() => buildPain001(input({ payments: [payment({ creditorBic: "NOTABIC" })] })), ValidationError);
    thrown(() => buildPain001(input({ debtor: { name: "BioPeople", iban: "DK5000400440116244" } })), ValidationError);
    thrown(() => buildPain001(input({ debtor: { name: "", iban: "DK5000400440116243" } })), ValidationError);
    thrown(() => buildPain001(input({ executionDate: "2026-02-30" })), ValidationError);
    thrown(() => buildPain001(input({ executionDate: "25.11.2026" })), ValidationError);
    thrown(() => buildPain001(input({ createdAt: "now" })), ValidationError);
    const at = thrown(() => buildPain001(input({ payments: [payment({ remittance: "mail info@example.com" })] })), ValidationError);
    expect(at.message).to.include('"@"');
    expect(thrown(() => buildPain001(input({ payments: [payment({ remittance: "x".repeat(141) })] })), ValidationError).message).to.match(/140/);
    thrown(() => buildPain001(input({ payments: [payment({ creditorName: "株式会社" })] })), ValidationError);
  });
});

describe("exports/sepa: toSepaText", () => {
  it("maps the documented characters", () => {
    expect(toSepaText("ø Ø ß ł Ł æ œ đ ð þ", "f")).to.equal("o O ss l L ae oe d d th");
    expect(toSepaText("Å é ü ç ñ š ő ﬁ", "f")).to.equal("A e u c n s o fi");
    expect(toSepaText("“Bio” ‘x’ a_b – c & d € [1] {2}; ok!", "f")).to.equal("'Bio' 'x' a-b - c + d EUR (1) (2), ok.");
    expect(toSepaText("  a\t\tb\r\nc\u00A0d  ", "f")).to.equal("a b c d");
    expect(toSepaText("A-z 0-9 / - ? : ( ) . , ' +", "f")).to.equal("A-z 0-9 / - ? : ( ) . , ' +");
  });

  it("names the field and the characters it cannot map", () => {
    const e = thrown(() => toSepaText("50% off #1 @x", "remittance"), ValidationError);
    expect(e.message).to.include("remittance").and.include('"%"').and.include('"#"').and.include('"@"');
    expect(e.fields).to.have.property("remittance");
  });
});

describe("exports/sepa: checkPayableIban", () => {
  it("accepts valid euro-area IBANs and normalises them", () => {
    expect(checkPayableIban("DE89370400440532013000")).to.deep.equal({ ok: true, iban: "DE89370400440532013000" });
    expect(checkPayableIban("nl91 abna 0417 1643 00")).to.deep.equal({ ok: true, iban: "NL91ABNA0417164300" });
    expect(checkPayableIban("BE68539007547034")).to.deep.equal({ ok: true, iban: "BE68539007547034" });
    expect(checkPayableIban("FR1420041010050500013M02606").ok).to.equal(true);
    expect(checkPayableIban("AT611904300234573201").ok).to.equal(true);
    // Bulgaria has used the euro since 1 January 2026.
    expect(checkPayableIban("BG80BNBG96611020345678").ok).to.equal(true);
  });

  it("refuses a missing IBAN", () => {
    for (const v of [null, undefined, "", "   "]) {
      const r = checkPayableIban(v);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(englishText(r.reason)).to.match(/No bank account/);
    }
  });

  it("refuses a Danish and other non-euro SEPA IBANs until the company confirms the account receives euros (R15)", () => {
    const dk = checkPayableIban("DK5000400440116243");
    expect(dk.ok).to.equal(false);
    if (!dk.ok) expect(englishText(dk.reason)).to.match(/Denmark \(DK\), which does not use the euro, and the company has not confirmed/);
    for (const iban of ["DK5000400440116243", "GB29NWBK60161331926819", "SE4550000000058398257466", "CH9300762011623852957", "PL61109010140000071219812874", "NO9386011117947"]) {
      expect(checkPayableIban(iban).ok, iban).to.equal(false);
      expect(checkPayableIban(iban, { euroAccountConfirmed: true }), iban).to.deep.equal({ ok: true, iban });
    }
    // The confirmation does not open the door to accounts outside SEPA.
    const br = checkPayableIban("BR1800360305000010009795493C1", { euroAccountConfirmed: true });
    expect(br.ok).to.equal(false);
    if (!br.ok) expect(englishText(br.reason)).to.match(/Brazil \(BR\), which is outside the SEPA area/);
    const xml = buildPain001(input({ payments: [payment({ creditorIban: "DK50 0040 0440 1162 43", creditorEuroAccountConfirmed: true })] }));
    expect(xml).to.include("<IBAN>DK5000400440116243</IBAN>").and.include('<InstdAmt Ccy="EUR">');
  });

  it("gives the IBAN reasons in the reader's language, with the country named in that language", () => {
    const reason = (r: PayableIbanResult) => (r.ok ? expect.fail(`${r.iban} was accepted`) : r.reason);
    const dk = reason(checkPayableIban("DK50 0040 0440 1162 43"));
    expect(renderText("fr", dk)).to.equal("Le compte est tenu dans le pays Danemark (DK), qui n’utilise pas l’euro, et l’entreprise n’a pas confirmé qu’elle peut recevoir des euros. Demandez à l’entreprise de le confirmer dans son profil (ou d’indiquer un compte en euros) avant de payer.");
    expect(renderText("de", dk)).to.contain("in Dänemark (DK) geführt");
    expect(renderText("da", reason(checkPayableIban("BR1800360305000010009795493C1", { euroAccountConfirmed: true }))))
      .to.equal("IBAN'et er fra Brasilien (BR), som ligger uden for SEPA-området, så en SEPA-overførsel kan ikke nå frem.");
    expect(renderText("nl", reason(checkPayableIban("DE89 3704 0044 0532 0130 01")))).to.match(/^‘DE89 3704 0044 0532 0130 01’ is geen geldig IBAN\. De controlecijfers/);
    expect(renderText("da", reason(checkPayableIban(null)))).to.contain("Der er ikke registreret nogen bankkonto");
  });

  it("refuses invalid IBANs with ibantools' reason, and non-SEPA ones", () => {
    const bad = checkPayableIban("DE89370400440532013001");
    expect(bad.ok).to.equal(false);
    if (!bad.ok) expect(englishText(bad.reason)).to.match(/check digits/);
    const short = checkPayableIban("DE8937040044053201300");
    if (!short.ok) expect(englishText(short.reason)).to.match(/number of characters/);
    else expect.fail("short IBAN accepted");
    const unknown = checkPayableIban("XX89370400440532013000");
    if (!unknown.ok) expect(englishText(unknown.reason)).to.match(/country code/);
    else expect.fail("unknown country accepted");
    const turkey = checkPayableIban("TR330006100519786457841326");
    if (!turkey.ok) expect(englishText(turkey.reason)).to.match(/outside the SEPA area/);
    else expect.fail("non-SEPA IBAN accepted");
  });
});

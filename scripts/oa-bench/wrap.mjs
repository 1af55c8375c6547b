// OpenAttestation's wrapDocuments on N documents comparable to a deposit certificate
// (same fields, v2 schema), timed the way scripts/bench_issue.py times hpf: wall clock,
// one process. Prints one JSON line: {"n", "seconds", "per_second"}.
import { wrapDocuments } from "@govtechsg/open-attestation";

const n = Number(process.argv[2] || 10000);
const docs = [];
for (let i = 0; i < n; i++) {
  docs.push({
    $template: { name: "HPF_DEPOSIT_CERTIFICATE", type: "EMBEDDED_RENDERER", url: "https://example.invalid/renderer" },
    issuers: [{ name: "海口市住房公积金管理局", documentStore: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      identityProof: { type: "DNS-TXT", location: "example.invalid" } }],
    number: `460100-2026-${String(i).padStart(8, "0")}`, centreCode: 460100, purpose: "housing-loan",
    audience: 91000001, issuedAt: 1795307104, validUntil: 1803083104, name: "王小明", idMasked: "460100********1234",
    subjectRef: "0x" + "ab".repeat(32), employerName: "海南省某某科技有限公司", employerAccount: "460100001234",
    accountMasked: "4601****5678", accountStatus: "normal", accountOpened: "2015-03-01", depositBase: 800000,
    employeeRateBp: 1200, employerRateBp: 1200, monthlyAmount: 192000 + i, firstMonth: "2015-03", lastMonth: "2026-10",
    monthsContinuous: 140, balance: 12345600, loanOutstanding: false,
  });
}
const t0 = process.hrtime.bigint();
const wrapped = wrapDocuments(docs);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
if (wrapped.length !== n) throw new Error("wrapDocuments returned a different count");
console.log(JSON.stringify({ n, seconds, per_second: n / seconds }));

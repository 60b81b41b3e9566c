#include "approval/documents.hpp"

#include <chrono>
#include <cstring>
#include <set>

#include "approval/cases.hpp"
#include "approval/deadlines.hpp"
#include "approval/document_pdf.hpp"
#include "calendar/calendar.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/sm2.hpp"
#include "core/text.hpp"
#include "db/row.hpp"
#include "identity/checkdigit.hpp"

namespace yiwang::approval {
namespace {

std::string SignedText(const std::string& pdf_sm3, const nlohmann::json& payload) {
  return "yiwang-seal-v1\n" + pdf_sm3 + "\n" + payload.dump();
}

IssuedDocument Load(const soci::row& r) {
  IssuedDocument d;
  d.doc_no = db::RowStr(r, "doc_no");
  d.case_no = db::RowStr(r, "case_no");
  d.kind = db::RowStr(r, "kind");
  d.title = db::RowStr(r, "title");
  d.issuer = db::RowStr(r, "issuer");
  d.payload = nlohmann::json::parse(db::RowStr(r, "payload"));
  d.pdf_sm3 = db::RowStr(r, "pdf_sm3");
  d.signature_hex = db::RowStr(r, "signature");
  d.public_pem = db::RowStr(r, "public_pem");
  d.issued_at = db::RowInt(r, "issued_at");
  return d;
}

void Insert(soci::session& sql, const IssuedDocument& d) {
  std::string payload = d.payload.dump();
  long long at = d.issued_at;
  sql << "INSERT INTO documents (doc_no, case_no, kind, title, issuer, payload, pdf_sm3, signature, public_pem, issued_at) "
         "VALUES (:n, :c, :k, :t, :i, :p, :h, :s, :pk, :a)",
      soci::use(d.doc_no), soci::use(d.case_no), soci::use(d.kind), soci::use(d.title), soci::use(d.issuer),
      soci::use(payload), soci::use(d.pdf_sm3), soci::use(d.signature_hex), soci::use(d.public_pem), soci::use(at);
}

const char* kCols = "doc_no, case_no, kind, title, issuer, payload, pdf_sm3, signature, public_pem, issued_at";

}  // namespace

DocumentService::Seal DocumentService::SealKey(db::Tx& tx, std::int64_t unit_id) {
  long long unit = unit_id;
  Seal seal;
  soci::indicator ind = soci::i_null;
  tx.sql() << "SELECT public_pem, private_sealed FROM seal_keys WHERE unit_id = :u", soci::use(unit),
      soci::into(seal.public_pem, ind), soci::into(seal.private_sealed);
  if (tx.sql().got_data() && ind == soci::i_ok) return seal;
  // First document of this department: its seal key is made now; the private key is kept
  // encrypted with SM4 under a key derived from the configured secret (GB/T 39786).
  core::Sm2KeyPair k = core::GenerateSm2Key();
  seal = {k.public_pem, core::Sm4Seal(seal_key_, k.private_pem)};
  long long now = clock_.NowMs();
  tx.sql() << "INSERT INTO seal_keys (unit_id, public_pem, private_sealed, created_at) VALUES (:u, :p, :s, :c)",
      soci::use(unit), soci::use(seal.public_pem), soci::use(seal.private_sealed), soci::use(now);
  return seal;
}

std::string DocumentService::Sign(const Seal& seal, const std::string& pdf_sm3, const nlohmann::json& payload) const {
  return core::HexEncode(core::Sm2Sign(core::Sm4Open(seal_key_, seal.private_sealed), SignedText(pdf_sm3, payload)));
}

namespace {

/// The document's header and the data its PDF is drawn from, at `at` with the seal `public_pem`.
std::pair<IssuedDocument, DocumentData> Compose(const Case& c, const Item& item, const std::string& kind,
                                                const std::string& opinion, std::int64_t at,
                                                const std::string& public_pem, const std::string& public_url) {
  const std::string today = core::FormatLocalDate(at);
  const bool approve = c.decision == "approve";
  IssuedDocument d;
  d.kind = kind;
  d.case_no = c.case_no;
  // One document of each kind per case: 受理通知书 -S, 不予受理决定书 -B, 补正告知书 -G,
  // the decision -J, the certificate -Z.
  d.doc_no = c.case_no + (kind == "certificate" ? "-Z"
                          : kind == "acceptance" ? "-S"
                          : kind == "refusal"    ? "-B"
                          : kind == "correction" ? "-G"
                                                 : "-J");
  d.issuer = item.dept_name;
  const DecisionWording& w = WordingOf(item.kind);
  const bool licence = item.kind == ItemKind::kLicense;
  d.title = kind == "certificate"  ? w.result_title
            : kind == "acceptance" ? "受理通知书"
            : kind == "refusal"    ? "不予受理决定书"
            : kind == "correction" ? "申请材料补正告知书"
            : approve              ? w.grant_title
                                   : w.deny_title;
  const std::string submitted = core::FormatLocalDate(c.submitted_at);
  const std::string head = c.applicant_name + "：\n你（单位）于 " + submitted + " 提出的“" + c.item_name + "”申请（办件编号 " +
                           c.case_no + "），";
  const std::string remedy = "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者六个月内依法向人民法院提起行政诉讼。";
  // A licence is decided under 行政许可法 第三十八条; another kind under the law in its item's
  // legal basis ("；" between the laws reads as "、" in a sentence).
  std::string basis = item.legal_basis;
  for (std::size_t at; (at = basis.find("；")) != std::string::npos;) basis.replace(at, std::string("；").size(), "、");
  if (basis.empty()) basis = "有关法律、法规";
  // The answer to an application cites 第三十二条 for a licence; another kind's procedure is its own.
  auto art32 = [&](const std::string& clause) {
    return licence ? "根据《中华人民共和国行政许可法》第三十二条" + clause + "的规定，" : std::string();
  };
  const std::string reason = core::WithoutFullStop(opinion);  // the sentence adds its own
  std::string body;
  if (kind == "acceptance") {
    const bool deemed = !c.accepted_on.empty() && c.accepted_on < today;
    body = head + "申请材料齐全、符合法定形式，" + art32("第一款第（五）项") + "本机关决定予以受理。" +
           (deemed ? "因本机关未在规定期限内一次告知需要补正的全部内容，自收到申请材料之日（" + c.accepted_on + "）起即为受理" +
                         (licence ? std::string("（行政许可法第三十二条第一款第（四）项）") : std::string()) + "。"
                  : "") +
           "\n本机关承诺于 " + c.promised_due + " 前作出决定（法定期限至 " + c.statutory_due +
           "；依法需要听证、检验检测、专家评审等的，所需时间不计算在内）。你（单位）可以凭办件编号和查询码在网上办事大厅查询办理进度。" +
           (opinion.empty() ? "" : "\n" + opinion);
  } else if (kind == "refusal") {
    body = head + opinion + "\n" + remedy;  // the finding: RefusalFinding, composed where the grounds are checked
  } else if (kind == "correction") {
    std::string list = c.correction_note;
    for (std::size_t at; (at = list.find("；")) != std::string::npos;) list.replace(at, std::string("；").size(), "\n");
    while (!list.empty() && list.back() == '\n') list.pop_back();
    body = head + "申请材料不齐全或者不符合法定形式。" + art32("第一款第（四）项") + "现一次告知你（单位）需要补正的全部内容：\n" +
           list + "\n请于 " + c.correction_due + " 前通过网上办事大厅“我的办件”补正。自收到全部补正材料之日起，本机关在规定期限内作出是否受理的决定。";
  } else if (kind == "certificate") {
    switch (item.kind) {
      case ItemKind::kConfirmation: body = "经审查，对" + c.applicant_name + "申请的“" + c.item_name + "”予以确认。"; break;
      case ItemKind::kPayment: body = "经审查，" + c.applicant_name + "申请的“" + c.item_name + "”符合条件，准予给付。"; break;
      default: body = "经审查，准予" + c.applicant_name + "办理“" + c.item_name + "”。";
    }
  } else if (approve) {
    body = head + "经审查，符合法定条件、标准，根据" +
           (licence ? std::string("《中华人民共和国行政许可法》第三十八条第一款") : basis) + "的规定，决定" + w.grant + "。" +
           (opinion.empty() ? "" : opinion);
  } else {
    body = head + "经审查，" + reason + "。根据" + (licence ? std::string("《中华人民共和国行政许可法》第三十八条第二款") : basis) +
           "的规定，决定" + w.deny + "。" + remedy;
  }
  const bool certificate = kind == "certificate" && licence;
  const std::string valid_until = !certificate                                ? ""
                                  : item.valid_years > 0                      ? ValidUntil(today, item.valid_years)
                                  : item.valid_years == Item::kPermanent ? "长期"
                                                                              : c.licence_valid_until;
  d.payload = {{"doc_no", d.doc_no}, {"case_no", c.case_no}, {"kind", kind},          {"title", d.title},
               {"holder", c.applicant_name}, {"holder_id", identity::MaskIdNumber(c.applicant_id_number)},
               {"item", c.item_name},  {"issuer", d.issuer},    {"decision", c.decision}, {"issued_on", today}};
  DocumentData data;
  data.kind = kind;
  data.title = d.title;
  data.doc_no = d.doc_no;
  data.holder_name = c.applicant_name;
  data.holder_id = identity::MaskIdNumber(c.applicant_id_number);
  data.item_name = c.item_name;
  data.case_no = c.case_no;
  data.issuer = d.issuer;
  data.decision = c.decision;
  data.body = body;
  data.issued_on = today;
  data.verify_url = public_url + "/verify/" + d.doc_no;
  data.seal_sm3 = core::Sm3Hex(public_pem);
  data.item_kind = item.kind;
  data.valid_until = valid_until;
  if (!valid_until.empty()) d.payload["valid_until"] = valid_until;  // certified, like the rest
  return {d, data};
}

}  // namespace

PreparedDocument DocumentService::Prepare(const Case& c, const Item& item, const std::string& kind,
                                          const std::string& opinion, std::int64_t at) {
  PreparedDocument p;
  p.kind = kind;
  p.at = at;
  Seal seal;
  {
    db::Conn conn(db_);
    long long unit = item.dept_unit_id;
    soci::indicator ind = soci::i_null;
    conn.sql() << "SELECT public_pem, private_sealed FROM seal_keys WHERE unit_id = :u", soci::use(unit),
        soci::into(seal.public_pem, ind), soci::into(seal.private_sealed);
    if (!conn.sql().got_data() || ind != soci::i_ok) return p;  // the first document makes the key, in its transaction
  }
  p.public_pem = seal.public_pem;
  auto [d, data] = Compose(c, item, kind, opinion, at, p.public_pem, public_url_);
  static const std::set<std::string> kPdf = {"application/pdf"};
  p.file = files_.Stage(RenderDocumentPdf(data), kPdf);
  p.payload = d.payload;
  p.body = data.body;
  p.signature_hex = Sign(seal, p.file.sm3, p.payload);
  return p;
}

IssuedDocument DocumentService::Issue(db::Tx& tx, const Case& c, const Item& item, const std::string& kind,
                                      const std::string& opinion, const PreparedDocument* prepared) {
  const std::int64_t now = prepared ? prepared->at : clock_.NowMs();
  const Seal seal = SealKey(tx, item.dept_unit_id);
  auto [d, data] = Compose(c, item, kind, opinion, now, seal.public_pem, public_url_);
  // The prepared PDF and signature stand only for the same seal and the same certified payload.
  const bool ready = prepared && prepared->kind == kind && prepared->ready() &&
                     prepared->public_pem == seal.public_pem && prepared->payload == d.payload &&
                     prepared->body == data.body;
  static const std::set<std::string> kPdf = {"application/pdf"};
  if (ready) {
    files_.Record(tx, prepared->file);
    d.pdf_sm3 = prepared->file.sm3;
    d.pdf_base64 = prepared->file.inline_base64;
  } else {
    d.pdf_sm3 = files_.Put(tx, RenderDocumentPdf(data), kPdf).sm3;
  }
  d.public_pem = seal.public_pem;
  d.signature_hex = ready ? prepared->signature_hex : Sign(seal, d.pdf_sm3, d.payload);
  d.issued_at = now;
  Insert(tx.sql(), d);
  return d;
}

nlohmann::json DocumentService::Packet(db::Tx& tx, const std::vector<IssuedDocument>& docs) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : docs) {
    out.push_back({{"doc_no", d.doc_no}, {"case_no", d.case_no}, {"kind", d.kind}, {"title", d.title},
                   {"issuer", d.issuer}, {"payload", d.payload}, {"pdf_sm3", d.pdf_sm3}, {"signature", d.signature_hex},
                   {"public_pem", d.public_pem}, {"issued_at", d.issued_at},
                   {"pdf", d.pdf_base64.empty() ? core::Base64Encode(files_.Read(tx, d.pdf_sm3)) : d.pdf_base64}});
  }
  return out;
}

void DocumentService::Accept(db::Tx& tx, const nlohmann::json& docs) {
  static const std::set<std::string> kPdf = {"application/pdf"};
  for (const auto& j : docs) {
    const std::string doc_no = j.at("doc_no").get<std::string>();
    int known = 0;
    tx.sql() << "SELECT COUNT(*) FROM documents WHERE doc_no = :n", soci::use(doc_no), soci::into(known);
    if (known) continue;
    IssuedDocument d;
    d.doc_no = doc_no;
    d.case_no = j.at("case_no").get<std::string>();
    d.kind = j.at("kind").get<std::string>();
    d.title = j.at("title").get<std::string>();
    d.issuer = j.at("issuer").get<std::string>();
    d.payload = j.at("payload");
    d.pdf_sm3 = j.at("pdf_sm3").get<std::string>();
    d.signature_hex = j.at("signature").get<std::string>();
    d.public_pem = j.at("public_pem").get<std::string>();
    d.issued_at = j.at("issued_at").get<std::int64_t>();
    const std::string pdf = core::Base64Decode(j.at("pdf").get<std::string>(), "文书内容");
    if (files_.Put(tx, pdf, kPdf).sm3 != d.pdf_sm3) throw Error(ErrorCode::kInvalidInput, "文书内容与摘要不符");
    Insert(tx.sql(), d);
  }
}

std::vector<IssuedDocument> DocumentService::ForCase(const std::string& case_no) {
  std::vector<IssuedDocument> out;
  db::Conn c(db_);
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kCols << " FROM documents WHERE case_no = :c ORDER BY id", soci::use(case_no));
  for (const soci::row& r : rows) out.push_back(Load(r));
  return out;
}

Verification DocumentService::Verify(const std::string& doc_no, const std::string* bytes) {
  Verification v;
  db::Conn c(db_);
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kCols << " FROM documents WHERE doc_no = :n", soci::use(doc_no));
  for (const soci::row& r : rows) {
    v.document = Load(r);
    v.found = true;
  }
  if (!v.found) {
    v.message = "查无此文书编号：" + doc_no + "。该文书不是本平台签发的，或编号有误。";
    return v;
  }
  try {
    v.signature_valid = core::Sm2Verify(v.document.public_pem, SignedText(v.document.pdf_sm3, v.document.payload),
                                        core::HexDecode(v.document.signature_hex));
  } catch (const Error&) {
    v.signature_valid = false;
  }
  if (bytes) v.bytes_match = core::Sm3Hex(*bytes) == v.document.pdf_sm3;
  v.file_checked = bytes != nullptr;
  soci::indicator ind = soci::i_null;
  std::string kind;
  c.sql() << "SELECT applicant_kind FROM cases WHERE case_no = :n", soci::into(kind, ind), soci::use(v.document.case_no);
  if (c.sql().got_data() && ind == soci::i_ok) v.holder_kind = kind;
  if (!v.signature_valid) {
    v.message = "无效：电子印章签名校验失败，文书记录可能被篡改";
  } else if (!v.bytes_match) {
    v.message = "无效：所提交的文件与签发的文书不一致——它可能是另一份文书，也可能被改动过。请核对文书编号，或向签发机关核实";
  } else {
    v.message = bytes ? "有效：文件与签发的文书完全一致，电子印章签名有效" : "有效：电子印章签名有效";
  }
  return v;
}

nlohmann::json DocumentJson(const IssuedDocument& d) {
  return {{"doc_no", d.doc_no},   {"case_no", d.case_no}, {"kind", d.kind},
          {"title", d.title},     {"issuer", d.issuer},   {"payload", d.payload},
          {"pdf_sm3", d.pdf_sm3}, {"issued_at", core::FormatLocal(d.issued_at)},
          {"signature_algorithm", "SM2-with-SM3 (1.2.156.10197.1.501), ID 1234567812345678"}};
}

}  // namespace yiwang::approval

#pragma once
// Sealed documents of a case: the written answer to the application (受理通知书, 不予受理决定书,
// 申请材料补正告知书: 行政许可法 第三十二条), the decision (准予/不予行政许可决定书, or the item kind's
// own words) and, when granted, the certificate (证照). Each is a PDF rendered from what it certifies, hashed with SM3 and signed
// with the issuing department's SM2 seal key (ID 1234567812345678, GB/T 38540 / GM/T 0009).
// The PDF's QR code opens the external verification page; the signature, public key and PDF
// travel to the external zone in a packet, so verification never reads the internal database.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "approval/model.hpp"
#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "files/file_store.hpp"

namespace yiwang::approval {

struct Case;

struct IssuedDocument {
  std::string doc_no;
  std::string case_no;
  std::string kind;  // "acceptance" | "refusal" | "correction" | "decision" | "certificate"
  std::string title;
  std::string issuer;
  nlohmann::json payload;  // what is certified
  std::string pdf_sm3;
  std::string signature_hex;
  std::string public_pem;
  std::int64_t issued_at = 0;
  /// Just issued from a prepared PDF: its bytes as base64, for the exchange packet (not stored;
  /// empty for a document read back, whose packet reads the file).
  std::string pdf_base64;
};

struct Verification {
  bool found = false;
  bool signature_valid = false;  // the stored record's signature verifies
  bool bytes_match = true;       // when bytes were given: their SM3 equals the signed one
  bool file_checked = false;     // bytes were given
  std::string holder_kind;       // the case's applicant_kind ("person" | "enterprise"), "" if unknown here
  IssuedDocument document;
  std::string message;  // Chinese: 有效 / why not
};

/// A document rendered before the transaction that records it: rendering and compressing a
/// sealed PDF takes tens of milliseconds, and the write transaction should not wait for it.
struct PreparedDocument {
  std::string kind;
  std::int64_t at = 0;      // the issuing instant (its date is printed)
  std::string public_pem;   // the seal the PDF shows; "" when the department has none yet
  files::StoredFile file;   // the PDF, staged in the file store (its row is added by Issue)
  nlohmann::json payload;   // what it certifies, and the seal's signature over the PDF's SM3 and
  std::string signature_hex;  // the payload: SM2 signing, too, happens outside the write transaction
  std::string body;           // the text drawn: dates and lists that the payload does not certify
  /// Drawn and signed beforehand (not when the department had no seal key yet).
  bool ready() const { return !signature_hex.empty(); }
};

class DocumentService {
 public:
  DocumentService(db::Database& db, const core::Clock& clock, files::FileStore& files, std::string seal_key,
                  std::string public_url)
      : db_(db), clock_(clock), files_(files), seal_key_(std::move(seal_key)), public_url_(std::move(public_url)) {}

  /// Renders a document outside any transaction, with the department's current seal. `opinion`
  /// is the staff member's words; for a "refusal", the whole finding (RefusalFinding).
  PreparedDocument Prepare(const Case& c, const Item& item, const std::string& kind, const std::string& opinion,
                           std::int64_t at);
  /// Stores, signs and records a document in the caller's transaction, rendering and signing it
  /// there unless `prepared` was rendered and signed with the same seal over the same payload.
  IssuedDocument Issue(db::Tx& tx, const Case& c, const Item& item, const std::string& kind, const std::string& opinion,
                       const PreparedDocument* prepared = nullptr);
  /// For the exchange packet: the documents with their PDF bytes (base64).
  nlohmann::json Packet(db::Tx& tx, const std::vector<IssuedDocument>& docs) const;
  /// External zone: store what the packet carries (idempotent).
  void Accept(db::Tx& tx, const nlohmann::json& packet_docs);

  std::vector<IssuedDocument> ForCase(const std::string& case_no);
  Verification Verify(const std::string& doc_no, const std::string* bytes = nullptr);
  std::string Pdf(const IssuedDocument& d) const { return files_.Read(d.pdf_sm3); }

 private:
  struct Seal {
    std::string public_pem;
    std::string private_sealed;  // SM4-sealed private key (Sm4Open with seal_key_)
  };
  /// The department's seal key, made in this transaction if it has none yet.
  Seal SealKey(db::Tx& tx, std::int64_t unit_id);
  std::string Sign(const Seal& seal, const std::string& pdf_sm3, const nlohmann::json& payload) const;
  db::Database& db_;
  const core::Clock& clock_;
  files::FileStore& files_;
  std::string seal_key_;
  std::string public_url_;
};

nlohmann::json DocumentJson(const IssuedDocument& d);

}  // namespace yiwang::approval

#pragma once
// Sealed approval documents as PDF (cairo + pango, a CJK font from Debian's fonts-noto-cjk).
#include <string>
#include <vector>

#include "approval/model.hpp"

namespace yiwang::approval {

struct DocumentData {
  std::string kind;         // "certificate" | "decision"
  std::string title;        // "行政许可证书", "准予行政许可决定书", ...
  std::string doc_no;
  std::string holder_name;
  std::string holder_id;    // masked
  std::string item_name;
  std::string case_no;
  std::string issuer;       // department name
  std::string decision;     // "approve" | "deny"
  std::string body;         // main text; '\n' separates paragraphs
  std::string issued_on;    // "2026-03-09"
  std::string valid_until;  // "2031-03-01", "长期", or "" (not stated: no row)
  std::string verify_url;   // in the QR code
  std::string seal_sm3;     // printed small under the seal
  ItemKind item_kind = ItemKind::kLicense;  // words the certificate's rows and the seal (WordingOf)
};

/// An A4 PDF: title, number, body, issuer and date with a red round seal, and a QR code that
/// opens the verification page. Deterministic for the same data (no timestamps), so that its
/// SM3 digest is stable.
std::string RenderDocumentPdf(const DocumentData& d);
/// A blank application form (空白申请表) for an item, to print and fill in by hand: the
/// applicant's particulars, the item (printed), the reasons, the materials to attach (printed),
/// signature and date. The demo district attaches it to the 申请书 of some items as their sample.
struct BlankFormData {
  std::string item_name;
  std::string item_code;
  std::string department;
  std::vector<std::string> materials;  // "名称（原件 1 份）"
};
std::string RenderBlankFormPdf(const BlankFormData& f);

/// "二〇二六年三月九日" (GB/T 9704 成文日期); throws yiwang::Error on a bad date.
std::string ChineseDate(const std::string& yyyy_mm_dd);

}  // namespace yiwang::approval

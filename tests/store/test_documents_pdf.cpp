// The PDF of sealed documents: deterministic bytes (the seal signs their SM3), every field
// changes them, and the date in Chinese numerals (GB/T 9704 成文日期).
#include <gtest/gtest.h>

#include "approval/document_pdf.hpp"
#include "core/error.hpp"

namespace yiwang::approval {
namespace {

DocumentData Sample() {
  DocumentData d;
  d.kind = "decision";
  d.title = "准予行政许可决定书";
  d.doc_no = "DH20260302123456-J";
  d.holder_name = "张三";
  d.holder_id = "370503********1236";
  d.item_name = "食品经营许可（新办）";
  d.case_no = "DH20260302123456";
  d.issuer = "东河区市场监督管理局";
  d.decision = "approve";
  d.body = "张三：\n经审查，决定准予行政许可。";
  d.issued_on = "2026-03-09";
  d.verify_url = "http://127.0.0.1:8080/verify/DH20260302123456-J";
  d.seal_sm3 = "0123456789abcdef";
  return d;
}

TEST(DocumentPdf, DeterministicAndSensitiveToEveryField) {
  const std::string a = RenderDocumentPdf(Sample());
  EXPECT_EQ(a.rfind("%PDF-", 0), 0u);
  // EXPECT_TRUE rather than EXPECT_EQ: a failure should not print 250 KB of PDF.
  EXPECT_TRUE(a == RenderDocumentPdf(Sample()));
  DocumentData changed = Sample();
  changed.body = "李四：\n经审查，决定准予行政许可。";
  EXPECT_TRUE(a != RenderDocumentPdf(changed));
  changed = Sample();
  changed.verify_url += "x";
  EXPECT_TRUE(a != RenderDocumentPdf(changed));
  changed = Sample();
  changed.kind = "certificate";
  EXPECT_TRUE(a != RenderDocumentPdf(changed));
  changed.holder_name = "李四";  // a certificate prints its holder
  EXPECT_TRUE(RenderDocumentPdf(changed) != RenderDocumentPdf([] {
    DocumentData c = Sample();
    c.kind = "certificate";
    return c;
  }()));
}

TEST(DocumentPdf, ChineseDates) {
  EXPECT_EQ(ChineseDate("2026-03-09"), "二〇二六年三月九日");
  EXPECT_EQ(ChineseDate("2026-10-10"), "二〇二六年十月十日");
  EXPECT_EQ(ChineseDate("2026-12-31"), "二〇二六年十二月三十一日");
  EXPECT_EQ(ChineseDate("2025-11-20"), "二〇二五年十一月二十日");
  EXPECT_THROW(ChineseDate("2026-13-01"), Error);
  EXPECT_THROW(ChineseDate("20260309"), Error);
}

}  // namespace
}  // namespace yiwang::approval

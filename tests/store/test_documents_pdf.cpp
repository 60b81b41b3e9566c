// The PDF of sealed documents: deterministic bytes (the seal signs their SM3), every field
// changes them, and the date in Chinese numerals (GB/T 9704 成文日期).
#include <gtest/gtest.h>
#include <zlib.h>

#include <regex>

#include "approval/document_pdf.hpp"
#include "approval/pdf_deflate.hpp"
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

// ADR 0011: cairo's streams go through libdeflate; what it writes must be standard zlib streams
// that inflate (with zlib itself) to exactly the lengths the PDF declares for its font programs.
TEST(DocumentPdf, StreamsCompressedWithLibdeflateInflateWithZlib) {
  const PdfDeflateStats before = PdfDeflate();
  ASSERT_TRUE(before.enabled) << "cairo's deflate calls are not taken over (YIWANG_CAIRO_LIBDEFLATE=0?)";
  const std::string pdf = RenderDocumentPdf(Sample());
  const PdfDeflateStats after = PdfDeflate();
  EXPECT_GE(after.streams - before.streams, 4u);  // page content, fonts, their ToUnicode maps
  EXPECT_LT(after.bytes_out - before.bytes_out, after.bytes_in - before.bytes_in);
  const std::regex stream_start(R"(<<([^]*?)>>\s*stream\r?\n)");
  const std::regex length1(R"(/Length1 (\d+))");
  int streams = 0, fonts = 0;
  for (auto it = std::sregex_iterator(pdf.begin(), pdf.end(), stream_start); it != std::sregex_iterator(); ++it) {
    const std::string dict = (*it)[1].str();
    if (dict.find("/FlateDecode") == std::string::npos) continue;
    const std::size_t begin = it->position() + it->length();
    const std::size_t end = pdf.find("endstream", begin);
    ASSERT_NE(end, std::string::npos);
    std::string plain(1 << 20, '\0');
    uLongf plain_size = plain.size();
    ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(plain.data()), &plain_size,
                         reinterpret_cast<const Bytef*>(pdf.data() + begin), end - begin),
              Z_OK)
        << "stream " << streams << " does not inflate";
    ++streams;
    std::smatch m;
    if (std::regex_search(dict, m, length1)) {
      ++fonts;
      EXPECT_EQ(plain_size, std::stoul(m[1].str())) << "font program of stream " << streams;
    }
  }
  EXPECT_GE(streams, 4);
  EXPECT_GE(fonts, 1);  // the TrueType subsets
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

// Uploaded-file store: content-addressed by SM3, type by magic bytes, size limit.
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

const std::set<std::string> kDocs = {"application/pdf", "image/jpeg", "image/png", "application/ofd"};

class Files : public BackendTest {};

TEST_P(Files, StoresOnceByHashAndReadsBack) {
  Node n(GetParam());
  std::string pdf = "%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
  files::StoredFile a = db::WithTx(*n.db, [&](db::Tx& tx) { return n.files->Put(tx, pdf, kDocs); });
  files::StoredFile b = db::WithTx(*n.db, [&](db::Tx& tx) { return n.files->Put(tx, pdf, kDocs); });
  EXPECT_EQ(a.sm3, core::Sm3Hex(pdf));
  EXPECT_EQ(a.sm3, b.sm3);
  EXPECT_EQ(a.mime, "application/pdf");
  EXPECT_EQ(n.Count("files"), 1);
  EXPECT_EQ(n.files->Read(a.sm3), pdf);
}

TEST_P(Files, TypeIsDecidedByContent) {
  Node n(GetParam());
  std::string exe = "MZ\x90\x00 this is not a document";
  try {
    db::WithTx(*n.db, [&](db::Tx& tx) { return n.files->Put(tx, exe, kDocs); });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupportedType);
    EXPECT_NE(e.message().find("按文件内容识别"), std::string::npos);
  }
  EXPECT_EQ(n.Count("files"), 0);
  EXPECT_EQ(files::DetectType("\x89PNG\r\n\x1a\nxxxx"), "image/png");
  EXPECT_EQ(files::DetectType("\xFF\xD8\xFF\xE0xxxx"), "image/jpeg");
  EXPECT_EQ(files::DetectType(std::string("PK\x03\x04", 4) + "....OFD.xml...."), "application/ofd");
  EXPECT_EQ(files::DetectType(std::string("PK\x03\x04", 4) + "....word/document.xml"), "application/zip");
}

TEST_P(Files, OversizeAndEmptyAreRefused) {
  Node n(GetParam());
  std::string big = "%PDF-" + std::string(1024 * 1024, 'x');
  try {
    db::WithTx(*n.db, [&](db::Tx& tx) { return n.files->Put(tx, big, kDocs); });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kPayloadTooLarge);
  }
  EXPECT_THROW(db::WithTx(*n.db, [&](db::Tx& tx) { return n.files->Put(tx, "", kDocs); }), Error);
  EXPECT_EQ(n.Count("files"), 0);
}

YIWANG_BACKENDS(Files);

}  // namespace
}  // namespace yiwang::testing

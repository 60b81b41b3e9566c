// Uploaded-file store: content-addressed by SM3, type by magic bytes, size limit.
#include <filesystem>

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

TEST_P(Files, SmallFilesLiveInTheDatabaseLargeOnesOnDisk) {
  Node n(GetParam());
  const std::string small = "%PDF-1.7\n" + std::string(static_cast<std::size_t>(files::FileStore::kInlineMaxBytes) - 9, 's');
  const std::string large = "%PDF-1.7\n" + std::string(static_cast<std::size_t>(files::FileStore::kInlineMaxBytes) - 8, 'l');
  ASSERT_EQ(small.size(), static_cast<std::size_t>(files::FileStore::kInlineMaxBytes));
  // Staged but never recorded: a small file leaves nothing behind.
  files::StoredFile lost = n.files->Stage("%PDF-1.7\nnever recorded", kDocs);
  EXPECT_TRUE(lost.is_inline());
  EXPECT_FALSE(std::filesystem::exists(n.files->PathFor(lost.sm3)));
  EXPECT_FALSE(n.files->Exists(lost.sm3));

  std::string read_inside;
  auto [a, b] = db::WithTx(*n.db, [&](db::Tx& tx) {
    files::StoredFile s = n.files->Put(tx, small, kDocs);
    files::StoredFile l = n.files->Put(tx, large, kDocs);
    read_inside = n.files->Read(tx, s.sm3);  // recorded in this transaction, not yet committed
    return std::make_pair(s, l);
  });
  EXPECT_EQ(read_inside, small);
  EXPECT_TRUE(a.is_inline());
  EXPECT_FALSE(b.is_inline());
  EXPECT_FALSE(std::filesystem::exists(n.files->PathFor(a.sm3))) << "the small file is not a file on disk";
  EXPECT_TRUE(std::filesystem::exists(n.files->PathFor(b.sm3))) << "the large file is";
  EXPECT_EQ(n.Count("files", "content IS NOT NULL"), 1);
  EXPECT_TRUE(n.files->Exists(a.sm3));
  EXPECT_TRUE(n.files->Exists(b.sm3));
  EXPECT_EQ(n.files->Read(a.sm3), small);
  EXPECT_EQ(n.files->Read(b.sm3), large);

  // A changed byte in the stored copy is found on read, not served.
  {
    db::Conn c(*n.db);
    std::string tampered = core::Base64Encode("%PDF-1.7\nchanged");
    c.sql() << "UPDATE files SET content = :c WHERE sm3 = :h", soci::use(tampered), soci::use(a.sm3);
  }
  try {
    n.files->Read(a.sm3);
    FAIL() << "tampered content was served";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
  }
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
  EXPECT_EQ(files::DetectType(std::string("PK\x03\x04", 4) + "....word/document.xml"), files::kDocx);
  EXPECT_EQ(files::DetectType(std::string("PK\x03\x04", 4) + "....xl/workbook.xml"), files::kXlsx);
  EXPECT_EQ(files::DetectType(std::string("PK\x03\x04", 4) + "....other.txt"), "application/zip");
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

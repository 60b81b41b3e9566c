// SM2-with-SM3 signatures with the GM/T 0009 signer ID, checked against the openssl command
// line as an independent implementation when it is available.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/sm2.hpp"

namespace yiwang::core {
namespace {

TEST(Sm2, SignsAndVerifies) {
  Sm2KeyPair k = GenerateSm2Key();
  EXPECT_NE(k.private_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  const std::string doc = "东河区市场监督管理局 食品经营许可证 JY13705030000001";
  std::string sig = Sm2Sign(k.private_pem, doc);
  EXPECT_TRUE(Sm2Verify(k.public_pem, doc, sig));
}

TEST(Sm2, AChangedByteOrAnotherKeyOrIdFails) {
  Sm2KeyPair k = GenerateSm2Key(), other = GenerateSm2Key();
  const std::string doc = "准予行政许可决定书";
  std::string sig = Sm2Sign(k.private_pem, doc);
  std::string changed = doc;
  changed[0] ^= 1;
  EXPECT_FALSE(Sm2Verify(k.public_pem, changed, sig));
  EXPECT_FALSE(Sm2Verify(other.public_pem, doc, sig));
  EXPECT_FALSE(Sm2Verify(k.public_pem, doc, sig, "another-id"));  // the ID is part of the hash
  std::string bad_sig = sig;
  bad_sig[bad_sig.size() / 2] ^= 1;
  EXPECT_FALSE(Sm2Verify(k.public_pem, doc, bad_sig));
  EXPECT_THROW(Sm2Verify("not a key", doc, sig), Error);
}

TEST(Sm2, OpensslCommandLineVerifiesOurSignature) {
  namespace fs = std::filesystem;
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl command not installed";
  Sm2KeyPair k = GenerateSm2Key();
  fs::path dir = fs::temp_directory_path() / ("sm2-" + HexEncode(RandomBytes(4)));
  fs::create_directories(dir);
  const std::string doc = "电子印章验证";
  std::ofstream(dir / "pub.pem") << k.public_pem;
  std::ofstream(dir / "doc.txt", std::ios::binary) << doc;
  std::ofstream(dir / "sig.der", std::ios::binary) << Sm2Sign(k.private_pem, doc);
  const std::string cmd = "openssl pkeyutl -verify -pubin -inkey " + (dir / "pub.pem").string() +
                          " -rawin -digest sm3 -in " + (dir / "doc.txt").string() + " -sigfile " +
                          (dir / "sig.der").string() + " -pkeyopt distid:1234567812345678 >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace yiwang::core

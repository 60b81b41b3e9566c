// multipart/form-data as browsers send it: the boundary from Content-Type, text fields and
// files (binary-safe, whatever bytes the file holds), file names with paths or RFC 5987
// encoding, an empty file input, and bodies that do not follow the format.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "http/multipart.hpp"

namespace yiwang::http {
namespace {

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=----WebKitFormBoundaryx7Yq"),
            "----WebKitFormBoundaryx7Yq");
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\""), "a b:c");
  EXPECT_EQ(MultipartBoundary("application/x-www-form-urlencoded"), "");
  EXPECT_EQ(MultipartBoundary("multipart/form-data"), "");
  EXPECT_EQ(MultipartBoundary("multipart/mixed; boundary=x"), "");
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'x')), "");  // RFC 2046: 1..70
}

TEST(Multipart, TextFieldsAndABinaryFile) {
  // The file holds NUL, CR LF, a dash run and the boundary without its CRLF: all data.
  using namespace std::string_literals;
  const std::string file = "PK\x03\x04\0\x01\r\n--\r\n--XyZ-not-quite\r\n--XyZ!\xff"s;
  ASSERT_EQ(file.size(), 36u);
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"_csrf\"\r\n\r\n"
      "tok123\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"事项目录.xlsx\"\r\n"
      "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n" +
      file +
      "\r\n--XyZ\r\n"
      "content-disposition: form-data; name=\"publish\"\r\n\r\n"
      "1\r\n"
      "--XyZ--\r\n";
  auto parts = ParseMultipart(body, "XyZ");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].name, "_csrf");
  EXPECT_EQ(parts[0].data, "tok123");
  EXPECT_FALSE(parts[0].is_file);
  EXPECT_EQ(parts[1].name, "file");
  EXPECT_TRUE(parts[1].is_file);
  EXPECT_EQ(parts[1].filename, "事项目录.xlsx");
  EXPECT_EQ(parts[1].content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(parts[1].data, file);
  EXPECT_EQ(parts[2].name, "publish");
  EXPECT_EQ(parts[2].data, "1");
}

TEST(Multipart, FileNamesEmptyInputsPreambleAndEpilogue) {
  const std::string body =
      "this preamble is ignored\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=\"a\"; filename=\"C:\\Users\\张三\\目录.csv\"\r\n\r\n"
      "x,y\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=\"b\"; filename=\"fallback.csv\"; "
      "filename*=UTF-8''%E7%9B%AE%E5%BD%95.csv\r\n\r\n"
      "\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=\"c\"; filename=\"\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n"
      "\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=\"say\"\r\n\r\n"
      "他说\"好\"\r\n"
      "--b--\r\n"
      "epilogue";
  auto parts = ParseMultipart(body, "b");
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].filename, "目录.csv");  // the path old browsers send is dropped
  EXPECT_EQ(parts[0].data, "x,y");
  EXPECT_EQ(parts[1].filename, "目录.csv");
  EXPECT_EQ(parts[1].data, "");
  EXPECT_TRUE(parts[2].is_file);  // a file input with nothing chosen
  EXPECT_EQ(parts[2].filename, "");
  EXPECT_EQ(parts[2].data, "");
  EXPECT_EQ(parts[3].data, "他说\"好\"");
  EXPECT_TRUE(ParseMultipart("--b--\r\n", "b").empty());
}

TEST(Multipart, MalformedBodiesAreRefused) {
  auto code = [](const std::string& body, const std::string& boundary) {
    try {
      ParseMultipart(body, boundary);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;
  };
  const std::string ok = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\n";
  EXPECT_EQ(code(ok, "b"), ErrorCode::kInternal);  // i.e. no error
  EXPECT_EQ(code(ok, "other"), ErrorCode::kInvalidInput);
  EXPECT_EQ(code(ok, ""), ErrorCode::kInvalidInput);
  // Cut off in the middle of the upload.
  EXPECT_EQ(code(ok.substr(0, ok.size() - 9), "b"), ErrorCode::kInvalidInput);
  // Headers never end.
  EXPECT_EQ(code("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n", "b"), ErrorCode::kInvalidInput);
  // A part without a name.
  EXPECT_EQ(code("--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--\r\n", "b"), ErrorCode::kInvalidInput);
  // Garbage after the delimiter.
  EXPECT_EQ(code("--b junk\r\n", "b"), ErrorCode::kInvalidInput);
  // Too many parts.
  std::string many;
  for (int i = 0; i < 201; ++i) many += "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
  EXPECT_EQ(code(many + "--b--\r\n", "b"), ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace yiwang::http

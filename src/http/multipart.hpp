#pragma once
// multipart/form-data (RFC 7578), for file uploads. RESTinio's own parser is only usable where
// RESTinio is included (src/http/server.cpp, architecture.md); this one is a small pure
// function over the body, binary-safe, so that handlers and unit tests can use it.
#include <string>
#include <string_view>
#include <vector>

namespace yiwang::http {

struct Part {
  std::string name;          // the form field's name
  std::string filename;      // "" for a text field
  std::string content_type;  // as sent; "" when absent
  std::string data;          // the raw bytes
  bool is_file = false;      // the part had a filename parameter (even an empty one)
};

/// The boundary of a "multipart/form-data; boundary=..." Content-Type (quoted or not); "" when
/// the type is not multipart/form-data or has no boundary.
std::string MultipartBoundary(std::string_view content_type);

/// The parts of a multipart body. Throws yiwang::Error(kInvalidInput) when the body does not
/// follow the format (no opening or closing delimiter, a part without headers or without a
/// name, more than 200 parts).
std::vector<Part> ParseMultipart(std::string_view body, std::string_view boundary);

}  // namespace yiwang::http

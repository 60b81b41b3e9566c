#pragma once
// The small request/response interface that route handlers see. RESTinio and Asio stay inside
// src/http/server.cpp (architecture.md: keep those headers out of domain code, ~20 s a TU).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "http/multipart.hpp"
#include "identity/model.hpp"

namespace yiwang::http {

/// Percent-decoding ('+' as space when form is true). Invalid escapes are kept literally.
std::string UrlDecode(std::string_view s, bool form = true);
std::string UrlEncode(std::string_view s);
/// application/x-www-form-urlencoded or a query string into name -> values.
std::multimap<std::string, std::string> ParseForm(std::string_view body);
/// The error for request text (a path, a query or form field) that is not UTF-8.
Error InvalidText();

struct Request {
  std::string method;       // "GET", "POST", ...
  std::string path;         // decoded path, without the query
  std::string raw_query;
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string client_ip;
  std::string zone;        // "external" | "internal"
  std::string request_id;
  std::map<std::string, std::string> params;  // route parameters, decoded

  // Set by the session middleware.
  std::string session_token;
  std::string session_stage;  // "" when no session
  std::string csrf;           // the token a page must embed in its forms
  identity::Principal principal;

  std::string Header(const std::string& lower_name) const;
  std::string Cookie(const std::string& name) const;
  std::string Query(const std::string& name, const std::string& fallback = "") const;
  std::int64_t QueryInt(const std::string& name, std::int64_t fallback) const;
  std::string Param(const std::string& name) const;
  std::int64_t ParamInt(const std::string& name) const;  // throws kNotFound when not a number
  /// Form fields of a urlencoded or multipart/form-data POST (parsed once; for multipart, the
  /// text fields: files are in Files()). Throws kInvalidInput on a malformed multipart body.
  const std::multimap<std::string, std::string>& Form() const;
  std::string Field(const std::string& name) const;
  std::vector<std::string> Fields(const std::string& name) const;
  /// The file parts of a multipart/form-data POST, in the order sent.
  const std::vector<Part>& Files() const;
  /// The first file part named name, or nullptr.
  const Part* File(const std::string& name) const;
  /// JSON body of an API call; throws kInvalidInput when it is not a JSON object.
  const nlohmann::json& Json() const;
  bool IsApi() const { return path.rfind("/api/", 0) == 0; }

 private:
  mutable std::optional<std::multimap<std::string, std::string>> form_;
  mutable std::vector<Part> files_;
  mutable std::optional<nlohmann::json> json_;
};

struct Response {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response Html(std::string body, int status = 200);
  static Response Json(const nlohmann::json& j, int status = 200);
  static Response Text(std::string body, int status = 200);
  /// 303 See Other, so that a POST is followed by a GET (PRG).
  static Response Redirect(const std::string& location);
  /// A file to save (Content-Disposition: attachment): `plain_name` (ASCII) for old clients and
  /// `name` (UTF-8, RFC 5987 filename*) for the rest. `cacheable`: public for a day (content-
  /// addressed public files), else private and not stored.
  static Response Download(std::string body, std::string content_type, const std::string& plain_name,
                           const std::string& name, bool cacheable = false);
  Response& Header(std::string name, std::string value);
  Response& SetCookie(const std::string& name, const std::string& value, int max_age_seconds, bool secure,
                      bool http_only = true);
};

}  // namespace yiwang::http

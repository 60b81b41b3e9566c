#pragma once
// One error type for the whole platform (architecture.md convention 4). Services throw it;
// src/http maps ErrorCode to an HTTP status in one place and renders the message.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace yiwang {

enum class ErrorCode {
  kInvalidInput,      // 400: a field failed validation (fields_ says which)
  kUnauthenticated,   // 401: no session or session expired
  kForbidden,         // 403: role, unit or record check failed
  kNotFound,          // 404
  kConflict,          // 409: duplicate, wrong state
  kMethodNotAllowed,  // 405
  kPayloadTooLarge,   // 413
  kUnsupportedType,   // 415: file type by magic bytes not allowed
  kAccountLocked,     // 423
  kCsrf,              // 403: missing or wrong CSRF token
  kTooManyRequests,   // 429
  kInternal,          // 500
  kUnavailable,       // 503
};

/// Stable machine-readable code used in the JSON API ("INVALID_INPUT", ...).
std::string_view ErrorCodeName(ErrorCode code);
/// HTTP status for a code; the single mapping used by src/http.
int ErrorCodeHttpStatus(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::map<std::string, std::string> fields = {})
      : std::runtime_error(message), code_(code), message_(std::move(message)), fields_(std::move(fields)) {}
  ErrorCode code() const { return code_; }
  /// Message for a person, in Simplified Chinese.
  const std::string& message() const { return message_; }
  /// Per-field messages (field name -> Chinese message), for forms and the API's "fields".
  const std::map<std::string, std::string>& fields() const { return fields_; }
  /// Marks a refusal the service has already written to the audit log with its own record
  /// (the object it concerns), so that the HTTP layer does not record it a second time.
  Error& Audited() {
    audited_ = true;
    return *this;
  }
  bool audited() const { return audited_; }

 private:
  ErrorCode code_;
  bool audited_ = false;
  std::string message_;
  std::map<std::string, std::string> fields_;
};

}  // namespace yiwang

#pragma once
// Helpers shared by page handlers: form errors into a view, login cookies, pagination.
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "http/message.hpp"

namespace yiwang::http {

/// {"message": ..., "fields": {...}} for re-rendering a form after kInvalidInput/kConflict.
nlohmann::json ErrorView(const Error& e);
/// Whether an error should be shown on the form (as opposed to an error page).
bool IsFormError(const Error& e);
/// Pagination view: pages, prev/next links keeping the other query parameters; beyond and the
/// link to the first page when the page asked for is past the last.
nlohmann::json PagerView(const Request& req, std::int64_t total, int page, int per_page);
/// The `page` query parameter, from 1, clamped to 1…1,000,000 (never an int overflow).
int PageParam(const Request& req);
/// A same-site path to go back to after login ("/" when the given one is not local).
std::string SafeNext(const std::string& next);

}  // namespace yiwang::http

#pragma once
// Chinese full-text search that works the same on SQLite FTS5 and PostgreSQL tsvector
// (architecture.md): one tokenizer writes a space-separated token string — CJK unigrams and
// bigrams, lower-cased ASCII words — that FTS5 (unicode61) and to_tsvector('simple', …) both
// index natively. Two-character queries (医保, 社保) then match a bigram; FTS5's trigram
// tokenizer cannot do that.
#include <string>
#include <string_view>
#include <vector>

namespace yiwang::core {

/// Tokens to index for a document.
std::string SearchTokens(std::string_view text);
/// Tokens a query must all match: each CJK run of length ≥ 2 as its bigrams, a single CJK
/// character as itself, ASCII words lower-cased. Empty for a query with nothing searchable.
std::vector<std::string> QueryTokens(std::string_view query);

}  // namespace yiwang::core

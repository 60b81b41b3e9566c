#pragma once
// Backend-neutral readers for soci::row: SQLite and PostgreSQL report integer columns with
// different SOCI types (integer / long long / unsigned), and NULL needs care.
#include <cstdint>
#include <string>

#include <soci/soci.h>

namespace yiwang::db {

inline std::int64_t RowInt(const soci::row& r, const std::string& name) {
  std::size_t i = 0;
  for (; i < r.size(); ++i) {
    if (r.get_properties(i).get_name() == name) break;
  }
  if (i == r.size() || r.get_indicator(i) == soci::i_null) return 0;
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer: return r.get<int>(i);
    case soci::dt_long_long: return r.get<long long>(i);
    case soci::dt_unsigned_long_long: return static_cast<std::int64_t>(r.get<unsigned long long>(i));
    case soci::dt_double: return static_cast<std::int64_t>(r.get<double>(i));
    case soci::dt_string: return std::stoll(r.get<std::string>(i));
    default: return 0;
  }
}

inline std::string RowStr(const soci::row& r, const std::string& name) {
  std::size_t i = 0;
  for (; i < r.size(); ++i) {
    if (r.get_properties(i).get_name() == name) break;
  }
  if (i == r.size() || r.get_indicator(i) == soci::i_null) return {};
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_string: return r.get<std::string>(i);
    case soci::dt_integer: return std::to_string(r.get<int>(i));
    case soci::dt_long_long: return std::to_string(r.get<long long>(i));
    default: return r.get<std::string>(i);
  }
}

}  // namespace yiwang::db

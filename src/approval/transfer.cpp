#include "approval/transfer.hpp"

#include "core/xlsx.hpp"

#include <expat.h>
#include <iconv.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/error.hpp"

namespace yiwang::approval {
namespace {

constexpr std::size_t kMaxRows = 10000;                   // items in one file
constexpr std::size_t kMaxColumns = 64;                   // cells read per row
constexpr std::size_t kMaxXmlPart = 64ULL * 1024 * 1024;  // one uncompressed part of an .xlsx
constexpr std::size_t kMaxErrorsListed = 100;             // in one error message

const std::set<std::string>& RequiredColumns() {
  static const std::set<std::string> kRequired = {"事项编码", "事项名称", "实施部门编码", "事项类型",
                                                  "法定时限", "承诺时限", "申请材料",     "办理流程"};
  return kRequired;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Trims ASCII white space and the ideographic space (U+3000) a Chinese input method types.
std::string Trim(std::string_view s) {
  static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
      s.remove_prefix(1);
    } else if (StartsWith(s, kIdeographicSpace)) {
      s.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
      s.remove_suffix(1);
    } else if (EndsWith(s, kIdeographicSpace)) {
      s.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return std::string(s);
}

/// A text cell that may span lines (设定依据, 申请条件): CRLF as LF, ends trimmed.
std::string TextCell(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return Trim(out);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

/// Cells of one entry: '|' or the full-width '｜' a Chinese input method types, each trimmed.
std::vector<std::string> Cells(const std::string& line) {
  static constexpr std::string_view kFullBar = "\xEF\xBD\x9C";
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '|') {
      out.push_back(Trim(cell));
      cell.clear();
    } else if (std::string_view(line).substr(i, kFullBar.size()) == kFullBar) {
      out.push_back(Trim(cell));
      cell.clear();
      i += kFullBar.size() - 1;
    } else {
      cell += line[i];
    }
  }
  out.push_back(Trim(cell));
  return out;
}

/// A cell as the formatters write it: no separator, no line break.
std::string CleanCell(std::string s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '|') {
      out += '/';
    } else if (s.compare(i, 3, "\xEF\xBD\x9C") == 0) {
      out += '/';
      i += 2;
    } else if (s[i] == '\r' || s[i] == '\n') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

/// A whole number of working days or copies ("20", "20个工作日", "2份"); -1 otherwise.
int ParseCount(std::string_view text) {
  std::string s = Trim(text);
  for (std::string_view suffix : {"个工作日", "工作日", "天", "日", "份"}) {
    if (EndsWith(s, suffix)) {
      s = Trim(std::string_view(s).substr(0, s.size() - suffix.size()));
      break;
    }
  }
  if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return -1;
  }
  return std::stoi(s);
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string Entry(const char* list, std::size_t n) { return std::string(list) + "第 " + std::to_string(n) + " 条："; }

bool ValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (len == 2 && c < 0xC2) return false;  // overlong
    i += len;
  }
  return true;
}

/// GB18030 (a superset of GBK, the ANSI code page of Chinese Windows) to UTF-8; nullopt when
/// the bytes are not GB18030 either.
std::optional<std::string> FromGb18030(const std::string& in) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out(in.size() * 2 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  const std::size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (r == static_cast<std::size_t>(-1) || src_left != 0) return std::nullopt;
  out.resize(out.size() - dst_left);
  return out;
}

std::string ItemKindChoices() { return "行政许可、行政确认、行政给付 或 其他行政权力"; }

std::vector<std::string> ItemRow(const Item& item) {
  return {item.code,
          item.name,
          item.dept_code,
          item.dept_name,
          ItemKindLabel(item.kind),
          item.legal_basis,
          item.conditions,
          std::to_string(item.statutory_days),
          std::to_string(item.promised_days),
          item.place,
          item.fully_online ? "是" : "否",
          item.valid_years > 0 ? std::to_string(item.valid_years) : item.valid_years == Item::kPermanent ? "长期" : "",
          FormatMaterials(item.materials),
          FormatFees(item.fees),
          FormatSteps(item.steps),
          std::to_string(item.version),
          ItemStatusLabel(item.status)};
}

/// The rows of a table (the first non-blank row is the header) into items, with every problem
/// of every row (a header problem is thrown at once).
Sheet ItemsFromTable(const std::vector<std::vector<std::string>>& table, const std::vector<int>& row_numbers) {
  auto blank = [](const std::vector<std::string>& row) {
    return std::all_of(row.begin(), row.end(), [](const std::string& c) { return Trim(c).empty(); });
  };
  std::size_t h = 0;
  while (h < table.size() && blank(table[h])) ++h;
  if (h == table.size()) {
    throw Error(ErrorCode::kInvalidInput, "文件中没有内容：第一行应为表头（事项编码、事项名称……），其后每行一个事项",
                {{"header", "文件中没有表头"}});
  }

  // The header: known columns in any order; an unknown or repeated one is a mistake.
  const auto& known = TransferColumns();
  std::map<std::string, std::size_t> col;
  std::vector<std::string> header_problems;
  for (std::size_t i = 0; i < table[h].size(); ++i) {
    const std::string name = Trim(table[h][i]);
    if (name.empty()) continue;
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      header_problems.push_back("第 " + std::to_string(i + 1) + " 列“" + name + "”不是事项目录的列");
    } else if (!col.emplace(name, i).second) {
      header_problems.push_back("“" + name + "”列出现了两次");
    }
  }
  for (const std::string& name : known) {
    if (RequiredColumns().count(name) && !col.count(name)) header_problems.push_back("缺少“" + name + "”列");
  }
  if (!header_problems.empty()) {
    const std::string text = "表头有误：" + Join(header_problems, "；") + "。请以导出的事项目录文件为模板。";
    throw Error(ErrorCode::kInvalidInput, text, {{"header", text}});
  }
  if (table.size() - h - 1 > kMaxRows) {
    throw Error(ErrorCode::kInvalidInput, "一次最多导入 " + std::to_string(kMaxRows) + " 个事项，请分批导入");
  }

  Sheet sheet;
  std::map<std::string, int> code_rows;
  for (std::size_t r = h + 1; r < table.size(); ++r) {
    const auto& row = table[r];
    if (blank(row)) continue;
    const int n = row_numbers[r];
    auto cell = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() || it->second >= row.size() ? std::string() : row[it->second];
    };
    std::vector<std::string> errors;
    std::set<std::string> reported;  // fields whose own parser already complained
    Item item;
    item.code = Trim(cell("事项编码"));
    item.name = Trim(cell("事项名称"));
    item.dept_code = Trim(cell("实施部门编码"));
    item.dept_name = Trim(cell("实施部门"));
    const std::string kind = Trim(cell("事项类型"));
    try {
      item.kind = ParseItemKind(kind);
    } catch (const Error&) {
      errors.push_back(kind.empty() ? "请填写事项类型（" + ItemKindChoices() + "）"
                                    : "事项类型“" + kind + "”无效，应为 " + ItemKindChoices());
    }
    item.legal_basis = TextCell(cell("设定依据"));
    item.conditions = TextCell(cell("申请条件"));
    item.statutory_days = ParseCount(cell("法定时限"));
    if (item.statutory_days < 0) {
      errors.push_back("法定时限应为工作日数（1 到 365 的整数），而不是“" + Trim(cell("法定时限")) + "”");
      reported.insert("statutory_days");
      reported.insert("promised_days");
    }
    item.promised_days = ParseCount(cell("承诺时限"));
    if (item.promised_days < 0) {
      errors.push_back("承诺时限应为工作日数（整数），而不是“" + Trim(cell("承诺时限")) + "”");
      reported.insert("promised_days");
    }
    item.place = Trim(cell("办理地点"));
    const std::string online = Trim(cell("全程网办"));
    if (online == "是" || online == "TRUE" || online == "true" || online == "1" || online == "Y" || online == "y") {
      item.fully_online = true;
    } else if (online == "否" || online.empty() || online == "FALSE" || online == "false" || online == "0" ||
               online == "N" || online == "n") {
      item.fully_online = false;
    } else {
      errors.push_back("全程网办应填“是”或“否”，而不是“" + online + "”");
    }
    // 证照有效期（年）: optional (files exported before it was a column have none); 长期 = no
    // fixed term; empty = not stated.
    const std::string validity = Trim(cell("证照有效期（年）"));
    if (validity == "长期") {
      item.valid_years = Item::kPermanent;
    } else if (!validity.empty() && validity != "0") {
      std::string years = validity;
      if (EndsWith(years, "年")) years = Trim(std::string_view(years).substr(0, years.size() - std::string_view("年").size()));
      item.valid_years = ParseCount(years);
      if (item.valid_years <= 0) {
        errors.push_back("证照有效期应为年数（1 到 50 的整数）或“长期”，而不是“" + validity + "”");
        reported.insert("valid_years");
        item.valid_years = 0;
      }
    }
    const std::size_t before_lists = errors.size();
    item.materials = ParseMaterials(cell("申请材料"), errors);
    if (errors.size() > before_lists) reported.insert("materials");
    std::size_t mark = errors.size();
    item.fees = ParseFees(cell("收费"), errors);
    if (errors.size() > mark) reported.insert("fees");
    mark = errors.size();
    item.steps = ParseSteps(cell("办理流程"), errors);
    if (errors.size() > mark) reported.insert("steps");
    if (item.dept_code.empty()) errors.push_back("请填写实施部门编码");
    try {
      ValidateItem(item);
    } catch (const Error& e) {
      // The department is checked against the units on import (CatalogueService::Import).
      for (const auto& [field, message] : e.fields()) {
        if (field != "dept" && !reported.count(field)) errors.push_back(message);
      }
    }
    if (!item.code.empty()) {
      auto [it, fresh] = code_rows.emplace(item.code, n);
      if (!fresh) errors.push_back("事项编码 " + item.code + " 与第 " + std::to_string(it->second) + " 行重复");
    }
    for (auto& e : errors) sheet.problems.emplace_back(n, std::move(e));
    sheet.items.push_back(std::move(item));
    sheet.rows.push_back(n);
  }
  if (sheet.items.empty()) {
    throw Error(ErrorCode::kInvalidInput, "文件中只有表头，没有事项", {{"header", "文件中只有表头，没有事项"}});
  }
  return sheet;
}

// ---------------------------------------------------------------- reading .xlsx
// There is no .xlsx reader among Debian's C/C++ library packages (libxlsxwriter only writes),
// so the few parts a catalogue needs are read here directly: the file is a ZIP (libzip) of XML
// parts (expat). Only what a one-sheet table uses: the first worksheet of xl/workbook.xml,
// shared strings, inline strings, numbers and booleans; no formulas are evaluated (their
// cached value is read), styles and dates are ignored.

class ZipReader {
 public:
  explicit ZipReader(const std::string& bytes) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    if (src) zip_ = zip_open_from_source(src, ZIP_RDONLY, &err);
    if (src && !zip_) zip_source_free(src);
    zip_error_fini(&err);
    if (!zip_)
      throw Error(ErrorCode::kInvalidInput,
                  "文件不是有效的 .xlsx 工作簿（无法按 ZIP 格式打开），请用 Excel 或 WPS 另存后重试");
  }
  ~ZipReader() { zip_discard(zip_); }
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  /// The uncompressed part, or nullopt when the workbook has no such part.
  std::optional<std::string> Read(const std::string& name) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(zip_, name.c_str(), ZIP_FL_NOCASE, &st) != 0) return std::nullopt;
    if ((st.valid & ZIP_STAT_SIZE) && st.size > kMaxXmlPart) TooLarge(name);
    zip_file_t* f = zip_fopen(zip_, name.c_str(), ZIP_FL_NOCASE);
    if (!f) throw Error(ErrorCode::kInvalidInput, ".xlsx 工作簿已损坏：无法读取 " + name);
    std::string out;
    char buf[64 * 1024];
    for (;;) {
      const zip_int64_t n = zip_fread(f, buf, sizeof buf);
      if (n < 0) {
        zip_fclose(f);
        throw Error(ErrorCode::kInvalidInput, ".xlsx 工作簿已损坏：" + name + " 解压失败");
      }
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      if (out.size() > kMaxXmlPart) {
        zip_fclose(f);
        TooLarge(name);
      }
    }
    zip_fclose(f);
    return out;
  }

 private:
  [[noreturn]] static void TooLarge(const std::string& name) {
    throw Error(ErrorCode::kPayloadTooLarge, ".xlsx 工作簿中的 " + name + " 解压后过大，请分批导入");
  }
  zip_t* zip_ = nullptr;
};

using XmlAttrs = std::map<std::string, std::string>;

/// Event callbacks with namespace prefixes removed: "x:row" and "row" are both "row".
struct XmlEvents {
  std::function<void(const std::string& name, const XmlAttrs& attrs)> start;
  std::function<void(const std::string& name)> end;
  std::function<void(std::string_view text)> text;
};

std::string LocalName(const char* name) {
  std::string_view s(name);
  const auto sep = s.rfind('\x01');
  return std::string(sep == std::string_view::npos ? s : s.substr(sep + 1));
}

struct XmlState {
  XML_Parser parser;
  XmlEvents* events;
  std::exception_ptr error;
  bool doctype = false;
};

void ParseXml(const std::string& xml, XmlEvents& events, const std::string& part) {
  XML_Parser p = XML_ParserCreateNS("UTF-8", '\x01');
  if (!p) throw std::bad_alloc();
  XmlState state{p, &events, nullptr};
  XML_SetUserData(p, &state);
  // Exceptions must not cross expat's C frames: keep the first one and stop the parser.
  XML_SetElementHandler(
      p,
      [](void* data, const XML_Char* name, const XML_Char** atts) {
        auto* s = static_cast<XmlState*>(data);
        try {
          XmlAttrs attrs;
          for (int i = 0; atts[i]; i += 2) attrs[LocalName(atts[i])] = atts[i + 1];
          if (s->events->start) s->events->start(LocalName(name), attrs);
        } catch (...) {
          s->error = std::current_exception();
          XML_StopParser(s->parser, XML_FALSE);
        }
      },
      [](void* data, const XML_Char* name) {
        auto* s = static_cast<XmlState*>(data);
        try {
          if (s->events->end) s->events->end(LocalName(name));
        } catch (...) {
          s->error = std::current_exception();
          XML_StopParser(s->parser, XML_FALSE);
        }
      });
  XML_SetCharacterDataHandler(p, [](void* data, const XML_Char* text, int len) {
    auto* s = static_cast<XmlState*>(data);
    try {
      if (s->events->text) s->events->text(std::string_view(text, static_cast<std::size_t>(len)));
    } catch (...) {
      s->error = std::current_exception();
      XML_StopParser(s->parser, XML_FALSE);
    }
  });
  // No part of an .xlsx has a DTD; refusing one rules out entity expansion attacks.
  XML_SetStartDoctypeDeclHandler(p, [](void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    auto* s = static_cast<XmlState*>(data);
    s->doctype = true;
    XML_StopParser(s->parser, XML_FALSE);
  });
  const auto status = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), XML_TRUE);
  const XML_LChar* error = status == XML_STATUS_OK ? nullptr : XML_ErrorString(XML_GetErrorCode(p));
  const std::string reason = error ? error : "";
  XML_ParserFree(p);
  if (state.error) std::rethrow_exception(state.error);
  if (state.doctype) throw Error(ErrorCode::kInvalidInput, ".xlsx 工作簿中的 " + part + " 含有不允许的 DTD 声明");
  if (status != XML_STATUS_OK)
    throw Error(ErrorCode::kInvalidInput, ".xlsx 工作簿已损坏：" + part + " 不是有效的 XML（" + reason + "）");
}

void AppendUtf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Excel writes characters XML cannot hold as "_xHHHH_" (a CR as "_x000D_").
std::string DecodeOoxmlEscapes(const std::string& s) {
  if (s.find("_x") == std::string::npos) return s;
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i + 6 < s.size() && s[i + 1] == 'x' && s[i + 6] == '_' &&
        std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i) + 2, s.begin() + static_cast<std::ptrdiff_t>(i) + 6,
                    [](unsigned char c) { return std::isxdigit(c); })) {
      AppendUtf8(out, static_cast<unsigned>(std::stoul(s.substr(i + 2, 4), nullptr, 16)));
      i += 6;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// A part's path from a relationship target of xl/workbook.xml.
std::string PartPath(const std::string& target) {
  if (!target.empty() && target[0] == '/') return target.substr(1);
  std::string t = target;
  std::string base = "xl/";
  while (StartsWith(t, "../")) {
    t = t.substr(3);
    base.clear();
  }
  return base + t;
}

/// "20" for 20, "0.5" for 0.5: a number cell as a person would type it.
std::string NumberText(const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || !end || *end != '\0') return v;
  char buf[40];
  if (d == static_cast<double>(static_cast<long long>(d)) && d > -1e15 && d < 1e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
  } else {
    std::snprintf(buf, sizeof buf, "%.15g", d);
  }
  return buf;
}

std::vector<std::string> SharedStrings(const std::string& xml) {
  std::vector<std::string> out;
  std::string cur;
  bool in_si = false, in_t = false;
  int phonetic = 0;  // <rPh>: the reading of East Asian text, not part of the value
  XmlEvents ev;
  ev.start = [&](const std::string& name, const XmlAttrs&) {
    if (name == "si") {
      in_si = true;
      cur.clear();
    } else if (name == "rPh") {
      ++phonetic;
    } else if (name == "t") {
      in_t = true;
    }
  };
  ev.end = [&](const std::string& name) {
    if (name == "si") {
      out.push_back(DecodeOoxmlEscapes(cur));
      in_si = false;
    } else if (name == "rPh") {
      --phonetic;
    } else if (name == "t") {
      in_t = false;
    }
  };
  ev.text = [&](std::string_view t) {
    if (in_si && in_t && phonetic == 0) cur += t;
  };
  ParseXml(xml, ev, "xl/sharedStrings.xml");
  return out;
}

/// "B3" -> column 1 (0-based), row 3; false when not a cell reference.
bool CellRef(const std::string& ref, std::size_t& col, std::size_t& row) {
  std::size_t i = 0, c = 0, r = 0;
  while (i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i]))) {
    c = c * 26 + static_cast<std::size_t>(std::toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
    if (++i > 3) return false;
  }
  const std::size_t letters = i;
  while (i < ref.size() && std::isdigit(static_cast<unsigned char>(ref[i]))) {
    r = r * 10 + static_cast<std::size_t>(ref[i] - '0');
    if (++i - letters > 7) return false;
  }
  if (letters == 0 || i == letters || i != ref.size() || r == 0) return false;
  col = c - 1;
  row = r;
  return true;
}

std::size_t RowNumber(const XmlAttrs& attrs, std::size_t fallback) {
  auto it = attrs.find("r");
  if (it == attrs.end()) return fallback;
  const std::string& v = it->second;
  if (v.empty() || v.size() > 7 || !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return fallback;
  }
  return static_cast<std::size_t>(std::stoul(v));
}

}  // namespace

// ---------------------------------------------------------------- columns and list cells

void ThrowRowProblems(const std::vector<std::pair<int, std::string>>& problems) {
  std::map<std::string, std::string> fields;
  std::string message = "导入文件中有 " + std::to_string(problems.size()) + " 处错误，未导入任何事项：";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const auto& [row, text] = problems[i];
    const std::string line = "第 " + std::to_string(row) + " 行：" + text;
    if (i < kMaxErrorsListed) message += "\n" + line;
    char key[24];
    std::snprintf(key, sizeof key, "row:%06d", row);
    auto [it, fresh] = fields.emplace(key, line);
    if (!fresh) it->second += "；" + text;
  }
  if (problems.size() > kMaxErrorsListed) {
    message += "\n……另有 " + std::to_string(problems.size() - kMaxErrorsListed) + " 处错误未列出";
  }
  throw Error(ErrorCode::kInvalidInput, message, fields);
}

const std::vector<std::string>& TransferColumns() {
  static const std::vector<std::string> kColumns = {
      "事项编码", "事项名称", "实施部门编码", "实施部门", "事项类型", "设定依据", "申请条件", "法定时限",
      "承诺时限", "办理地点", "全程网办",     "证照有效期（年）", "申请材料", "收费", "办理流程", "版本", "状态"};
  return kColumns;
}

std::string StepRoleFromLabel(const std::string& label) {
  static const std::map<std::string, std::string> kRoles = {
      {"受理", "window_clerk"},         {"窗口受理", "window_clerk"}, {"窗口受理员", "window_clerk"},
      {"window_clerk", "window_clerk"}, {"承办", "handler"},          {"承办人", "handler"},
      {"handler", "handler"},           {"审核", "reviewer"},         {"审核人", "reviewer"},
      {"reviewer", "reviewer"},         {"审批", "approver"},         {"审批人", "approver"},
      {"approver", "approver"}};
  auto it = kRoles.find(label);
  return it == kRoles.end() ? "" : it->second;
}

std::string StepRoleLabel(const std::string& role) {
  static const std::map<std::string, std::string> kLabels = {
      {"window_clerk", "受理"}, {"handler", "承办"}, {"reviewer", "审核"}, {"approver", "审批"}};
  auto it = kLabels.find(role);
  return it == kLabels.end() ? role : it->second;
}

std::int64_t ParseYuan(std::string_view text) {
  std::string s = Trim(text);
  for (std::string_view sign : {"\xC2\xA5", "\xEF\xBF\xA5"}) {  // ¥ and the full-width ￥
    if (StartsWith(s, sign)) s = Trim(std::string_view(s).substr(sign.size()));
  }
  if (EndsWith(s, "元")) s = Trim(std::string_view(s).substr(0, s.size() - std::string_view("元").size()));
  const auto dot = s.find('.');
  const std::string whole = s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  auto digits = [](const std::string& d) {
    return std::all_of(d.begin(), d.end(), [](unsigned char c) { return std::isdigit(c); });
  };
  if (whole.empty() || whole.size() > 12 || !digits(whole) || frac.size() > 2 || !digits(frac) ||
      (dot != std::string::npos && frac.empty())) {
    return -1;
  }
  std::int64_t fen = std::stoll(whole) * 100;
  if (frac.size() == 1) fen += (frac[0] - '0') * 10;
  if (frac.size() == 2) fen += std::stoll(frac);
  return fen;
}

std::string FormatYuan(std::int64_t fen) {
  const std::int64_t a = fen < 0 ? -fen : fen;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", fen < 0 ? "-" : "", static_cast<long long>(a / 100),
                static_cast<long long>(a % 100));
  return buf;
}

std::vector<Material> ParseMaterials(const std::string& text, std::vector<std::string>& errors) {
  std::vector<Material> out;
  std::size_t n = 0;
  for (const auto& line : Lines(text)) {
    auto c = Cells(line);
    const std::string at = Entry("申请材料", ++n);
    if (c.size() > 5) {
      errors.push_back(at + "栏数过多，应为 名称|原件或复印件|份数|必需或可选|说明");
      continue;
    }
    c.resize(5);
    Material m;
    m.name = c[0];
    m.note = c[4];
    std::vector<std::string> bad;
    if (m.name.empty()) bad.push_back("缺少材料名称");
    if (c[1] == "原件") {
      m.original = true;
    } else if (c[1] == "复印件" || c[1].empty()) {
      m.original = false;
    } else {
      bad.push_back("第 2 栏应为“原件”或“复印件”，而不是“" + c[1] + "”");
    }
    m.copies = c[2].empty() ? 1 : ParseCount(c[2]);
    if (m.copies < 1 || m.copies > 99) bad.push_back("份数应为 1 到 99 的整数，而不是“" + c[2] + "”");
    if (c[3] == "必需" || c[3] == "必须" || c[3] == "必要" || c[3].empty()) {
      m.required = true;
    } else if (c[3] == "可选" || c[3] == "非必需") {
      m.required = false;
    } else {
      bad.push_back("第 4 栏应为“必需”或“可选”，而不是“" + c[3] + "”");
    }
    if (!bad.empty()) {
      errors.push_back(at + Join(bad, "，"));
      continue;
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Fee> ParseFees(const std::string& text, std::vector<std::string>& errors) {
  std::vector<Fee> out;
  std::size_t n = 0;
  for (const auto& line : Lines(text)) {
    auto c = Cells(line);
    const std::string at = Entry("收费", ++n);
    if (c.size() > 3) {
      errors.push_back(at + "栏数过多，应为 名称|金额（元）|依据");
      continue;
    }
    c.resize(3);
    Fee f{c[0], ParseYuan(c[1]), c[2]};
    std::vector<std::string> bad;
    if (f.name.empty()) bad.push_back("缺少收费项目名称");
    if (f.amount_fen < 0) bad.push_back("金额应为不小于 0 的数字（元，最多两位小数），而不是“" + c[1] + "”");
    if (!bad.empty()) {
      errors.push_back(at + Join(bad, "，"));
      continue;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Step> ParseSteps(const std::string& text, std::vector<std::string>& errors) {
  std::vector<Step> out;
  std::size_t n = 0;
  for (const auto& line : Lines(text)) {
    auto c = Cells(line);
    const std::string at = Entry("办理流程", ++n);
    if (c.size() > 3) {
      errors.push_back(at + "栏数过多，应为 名称|受理/承办/审核/审批|时限");
      continue;
    }
    c.resize(3);
    Step s{c[0], StepRoleFromLabel(c[1]), ParseCount(c[2])};
    std::vector<std::string> bad;
    if (s.name.empty()) bad.push_back("缺少环节名称");
    if (s.role.empty()) bad.push_back("办理角色应为 受理、承办、审核 或 审批，而不是“" + c[1] + "”");
    if (s.limit_days < 1) bad.push_back("时限应为不少于 1 的工作日数，而不是“" + c[2] + "”");
    if (!bad.empty()) {
      errors.push_back(at + Join(bad, "，"));
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string FormatMaterials(const std::vector<Material>& materials) {
  std::vector<std::string> lines;
  for (const Material& m : materials) {
    lines.push_back(CleanCell(m.name) + "|" + (m.original ? "原件" : "复印件") + "|" + std::to_string(m.copies) + "|" +
                    (m.required ? "必需" : "可选") + (m.note.empty() ? "" : "|" + CleanCell(m.note)));
  }
  return Join(lines, "\n");
}

std::string FormatFees(const std::vector<Fee>& fees) {
  std::vector<std::string> lines;
  for (const Fee& f : fees)
    lines.push_back(CleanCell(f.name) + "|" + FormatYuan(f.amount_fen) + "|" + CleanCell(f.basis));
  return Join(lines, "\n");
}

std::string FormatSteps(const std::vector<Step>& steps) {
  std::vector<std::string> lines;
  for (const Step& s : steps) {
    lines.push_back(CleanCell(s.name) + "|" + StepRoleLabel(s.role) + "|" + std::to_string(s.limit_days));
  }
  return Join(lines, "\n");
}

// ---------------------------------------------------------------- CSV

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<std::vector<std::string>> CsvRecords(std::string_view text) {
  if (StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false, quoted = false;
  std::size_t quote_record = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty() && !quoted) {
      in_quotes = quoted = true;
      quote_record = out.size() + 1;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      quoted = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(std::move(field));
      out.push_back(std::move(record));
      field.clear();
      record.clear();
      quoted = false;
    } else {
      field += c;  // including a stray quote inside an unquoted field, kept as written
    }
  }
  if (in_quotes) {
    throw Error(
        ErrorCode::kInvalidInput,
        "CSV 文件第 " + std::to_string(quote_record) + " 行的引号没有闭合（以双引号开始的单元格须以双引号结束）",
        {{"header", "CSV 文件第 " + std::to_string(quote_record) + " 行的引号没有闭合"}});
  }
  if (!field.empty() || !record.empty() || quoted) {
    record.push_back(std::move(field));
    out.push_back(std::move(record));
  }
  return out;
}

std::string ExportCsv(const std::vector<Item>& items) {
  std::string out = "\xEF\xBB\xBF";
  auto line = [&out](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvField(cells[i]);
    out += "\r\n";
  };
  line(TransferColumns());
  for (const Item& item : items) line(ItemRow(item));
  return out;
}

Sheet ReadCsv(const std::string& text) {
  std::string utf8 = text;
  if (StartsWith(utf8, "\xEF\xBB\xBF")) utf8.erase(0, 3);
  if (!ValidUtf8(utf8)) {
    auto converted = FromGb18030(utf8);
    if (!converted) {
      throw Error(ErrorCode::kInvalidInput,
                  "无法识别 CSV 文件的字符编码：请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”后重试",
                  {{"header", "无法识别 CSV 文件的字符编码"}});
    }
    utf8 = std::move(*converted);
  }
  auto records = CsvRecords(utf8);
  std::vector<int> numbers(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) numbers[i] = static_cast<int>(i + 1);
  return ItemsFromTable(records, numbers);
}

std::vector<Item> ParseCsv(const std::string& text) {
  Sheet sheet = ReadCsv(text);
  if (!sheet.problems.empty()) ThrowRowProblems(sheet.problems);
  return std::move(sheet.items);
}

// ---------------------------------------------------------------- XLSX

std::string ExportXlsx(const std::vector<Item>& items) {
  // Per column, by name (a column added to TransferColumns() must be described here): width in
  // characters (a CJK character is about two); wrapped: the multi-line cells; number: the day
  // limits and the version.
  struct Look {
    double width;
    bool wrapped, number;
  };
  static const std::map<std::string, Look> kLooks = {
      {"事项编码", {14, false, false}}, {"事项名称", {30, false, false}},        {"实施部门编码", {14, false, false}},
      {"实施部门", {26, false, false}}, {"事项类型", {12, false, false}},        {"设定依据", {40, true, false}},
      {"申请条件", {40, true, false}},  {"法定时限", {9, false, true}},          {"承诺时限", {9, false, true}},
      {"办理地点", {30, false, false}}, {"全程网办", {9, false, false}},         {"证照有效期（年）", {12, false, false}},
      {"申请材料", {48, true, false}},  {"收费", {30, true, false}},             {"办理流程", {22, true, false}},
      {"版本", {6, false, true}},       {"状态", {8, false, false}}};
  std::vector<core::XlsxColumn> columns;
  for (const std::string& name : TransferColumns()) {
    const Look& look = kLooks.at(name);  // throws (a programming error) for a column without its look
    columns.push_back({name, look.width, look.wrapped, look.number});
  }
  std::vector<std::vector<std::string>> rows;
  for (const Item& item : items) rows.push_back(ItemRow(item));
  return core::XlsxTable("事项目录", columns, rows);
}

std::vector<std::vector<std::string>> XlsxCells(const std::string& bytes) {
  ZipReader zip(bytes);
  // The first sheet of the workbook and the parts it points to.
  std::string sheet_rel;
  if (auto wb = zip.Read("xl/workbook.xml")) {
    XmlEvents ev;
    ev.start = [&](const std::string& name, const XmlAttrs& attrs) {
      if (name == "sheet" && sheet_rel.empty()) {
        auto it = attrs.find("id");
        if (it != attrs.end()) sheet_rel = it->second;
      }
    };
    ParseXml(*wb, ev, "xl/workbook.xml");
  } else {
    throw Error(ErrorCode::kInvalidInput,
                "文件不是 .xlsx 工作簿（缺少 xl/workbook.xml）。请上传 Excel 2007 及以后版本的 .xlsx 或 CSV 文件");
  }
  std::string sheet_path = "xl/worksheets/sheet1.xml", strings_path = "xl/sharedStrings.xml";
  if (auto rels = zip.Read("xl/_rels/workbook.xml.rels")) {
    XmlEvents ev;
    ev.start = [&](const std::string& name, const XmlAttrs& attrs) {
      if (name != "Relationship") return;
      auto id = attrs.find("Id"), type = attrs.find("Type"), target = attrs.find("Target");
      if (target == attrs.end()) return;
      if (id != attrs.end() && id->second == sheet_rel) sheet_path = PartPath(target->second);
      if (type != attrs.end() && EndsWith(type->second, "/sharedStrings")) strings_path = PartPath(target->second);
    };
    ParseXml(*rels, ev, "xl/_rels/workbook.xml.rels");
  }
  std::vector<std::string> shared;
  if (auto ss = zip.Read(strings_path)) shared = SharedStrings(*ss);
  auto sheet = zip.Read(sheet_path);
  if (!sheet) throw Error(ErrorCode::kInvalidInput, ".xlsx 工作簿已损坏：找不到第一个工作表 " + sheet_path);

  std::vector<std::vector<std::string>> rows;
  std::size_t row = 0, col = 0;
  std::string type, value;
  bool in_cell = false, in_value = false, in_inline = false, in_text = false;
  int phonetic = 0;
  auto check_row = [&row] {
    if (row > kMaxRows + 100) {
      throw Error(ErrorCode::kInvalidInput, "一次最多导入 " + std::to_string(kMaxRows) + " 个事项，请分批导入");
    }
  };
  XmlEvents ev;
  ev.start = [&](const std::string& name, const XmlAttrs& attrs) {
    if (name == "row") {
      row = RowNumber(attrs, row + 1);
      col = 0;
      check_row();
    } else if (name == "c") {
      in_cell = true;
      value.clear();
      auto t = attrs.find("t");
      type = t == attrs.end() ? "n" : t->second;
      auto r = attrs.find("r");
      std::size_t c = 0, rr = 0;
      if (r != attrs.end() && CellRef(r->second, c, rr)) {
        col = c;
        row = rr;
        check_row();
      }
    } else if (in_cell && name == "v") {
      in_value = true;
    } else if (in_cell && name == "is") {
      in_inline = true;
    } else if (in_inline && name == "rPh") {
      ++phonetic;
    } else if (in_inline && name == "t") {
      in_text = true;
    }
  };
  ev.end = [&](const std::string& name) {
    if (name == "v") {
      in_value = false;
    } else if (name == "t") {
      in_text = false;
    } else if (name == "rPh") {
      --phonetic;
    } else if (name == "is") {
      in_inline = false;
    } else if (name == "c") {
      in_cell = false;
      std::string text;
      if (type == "s") {
        const std::string idx = Trim(value);
        std::size_t k = 0;
        if (idx.empty() || idx.size() > 9 ||
            !std::all_of(idx.begin(), idx.end(), [](unsigned char ch) { return std::isdigit(ch); }) ||
            (k = std::stoul(idx)) >= shared.size()) {
          throw Error(ErrorCode::kInvalidInput, ".xlsx 工作簿已损坏：单元格引用了不存在的共享字符串");
        }
        text = shared[k];
      } else if (type == "inlineStr" || type == "str" || type == "e") {
        text = DecodeOoxmlEscapes(value);
      } else if (type == "b") {
        text = Trim(value) == "1" ? "TRUE" : "FALSE";
      } else {
        text = NumberText(Trim(value));
      }
      if (!text.empty() && row >= 1 && col < kMaxColumns) {
        if (rows.size() < row) rows.resize(row);
        if (rows[row - 1].size() <= col) rows[row - 1].resize(col + 1);
        rows[row - 1][col] = std::move(text);
      }
      ++col;
    }
  };
  ev.text = [&](std::string_view t) {
    if (in_value || (in_text && phonetic == 0)) value += t;
  };
  ParseXml(*sheet, ev, sheet_path);
  return rows;
}

Sheet ReadXlsx(const std::string& bytes) {
  auto rows = XlsxCells(bytes);
  std::vector<int> numbers(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) numbers[i] = static_cast<int>(i + 1);
  return ItemsFromTable(rows, numbers);
}

std::vector<Item> ParseXlsx(const std::string& bytes) {
  Sheet sheet = ReadXlsx(bytes);
  if (!sheet.problems.empty()) ThrowRowProblems(sheet.problems);
  return std::move(sheet.items);
}

bool LooksLikeXlsx(std::string_view bytes) { return StartsWith(bytes, std::string_view("PK\x03\x04", 4)); }

Sheet ReadSpreadsheet(const std::string& bytes) {
  if (LooksLikeXlsx(bytes)) return ReadXlsx(bytes);
  if (StartsWith(bytes, "\xD0\xCF\x11\xE0")) {
    throw Error(ErrorCode::kUnsupportedType, "不支持旧版 Excel 97-2003 工作簿（.xls）：请另存为 .xlsx 或 CSV 后导入");
  }
  if (bytes.find('\0') != std::string::npos) {
    throw Error(ErrorCode::kUnsupportedType, "无法识别的文件类型：请上传 .xlsx 工作簿或 CSV 文件");
  }
  return ReadCsv(bytes);
}

}  // namespace yiwang::approval

#pragma once
// The catalogue as a spreadsheet (事项目录导入导出): one row per item, CSV or .xlsx, so that a
// catalogue can be reviewed and edited in Excel/WPS and loaded back. Also the text form of an
// item's lists (one entry per line, cells separated by '|') that the administration form uses:
// the form and the spreadsheet share one parser and one formatter. Pure: no database, no HTTP.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "approval/model.hpp"

namespace yiwang::approval {

/// The columns of the spreadsheet, in this order. 版本 and 状态 are written for the reader and
/// ignored on import (an import always makes drafts; see CatalogueService::Import).
const std::vector<std::string>& TransferColumns();

// ---- the list cells: one entry per line, cells separated by '|'.
//  申请材料  名称|原件或复印件|份数|必需或可选|说明
//  收费      名称|金额（元）|依据
//  办理流程  名称|受理/承办/审核/审批|时限（工作日）
// Parsers skip blank lines and append one message per bad entry to `errors` ("申请材料第 2
// 条：份数应为…"),
// leaving that entry out. Formatters write what the parsers read; a '|' or line break inside a
// cell cannot be represented and is written as '｜' or a space.
std::vector<Material> ParseMaterials(const std::string& text, std::vector<std::string>& errors);
std::vector<Fee> ParseFees(const std::string& text, std::vector<std::string>& errors);
std::vector<Step> ParseSteps(const std::string& text, std::vector<std::string>& errors);
std::string FormatMaterials(const std::vector<Material>& materials);
std::string FormatFees(const std::vector<Fee>& fees);
std::string FormatSteps(const std::vector<Step>& steps);
/// "受理" / "窗口受理员" / "window_clerk" -> "window_clerk" ...; "" when unknown.
std::string StepRoleFromLabel(const std::string& label);
/// "window_clerk" -> "受理" ...
std::string StepRoleLabel(const std::string& role);
/// "80", "80.5", "¥80.00", "80元" -> 8000 fen; -1 when not a non-negative amount with at most
/// two decimals.
std::int64_t ParseYuan(std::string_view text);
/// 8050 -> "80.50".
std::string FormatYuan(std::int64_t fen);

/// Items read from a file, with the spreadsheet row (1 = header) each came from, and the
/// problems found in its rows (row, message), so that an import can report them together
/// with its own (an unknown 实施部门编码) in one list.
struct Sheet {
  std::vector<Item> items;
  std::vector<int> rows;
  std::vector<std::pair<int, std::string>> problems;
};

/// Problems of an import with the row each is on, thrown as one yiwang::Error(kInvalidInput)
/// whose message lists them ("第 3 行：…") and whose fields hold one entry per row, keyed
/// "row:000003" so that they sort by row.
[[noreturn]] void ThrowRowProblems(const std::vector<std::pair<int, std::string>>& problems);

// ---- CSV (RFC 4180), UTF-8 with a BOM so that Excel on Chinese Windows opens it as UTF-8.
std::string ExportCsv(const std::vector<Item>& items);
/// Accepts a BOM or none, CRLF or LF, quoted cells over several lines; a file that is not
/// UTF-8 is read as GB18030 (what Excel on Chinese Windows saves as "CSV（逗号分隔）").
/// Checks the header (throws yiwang::Error(kInvalidInput) naming the column) and every row
/// (into Sheet::problems). Blank rows are skipped.
Sheet ReadCsv(const std::string& text);
/// ReadCsv, throwing one yiwang::Error(kInvalidInput) that lists every row problem with its
/// row ("第 3 行：承诺时限…"), so that nothing is imported from a bad file.
std::vector<Item> ParseCsv(const std::string& text);
/// The records of a CSV text (BOM, CRLF/LF and quoting handled); throws kInvalidInput on an
/// unterminated quote.
std::vector<std::vector<std::string>> CsvRecords(std::string_view text);
/// One field, quoted when it holds a comma, a quote, CR or LF.
std::string CsvField(std::string_view value);

// ---- XLSX
/// A workbook with one sheet "事项目录": bold frozen header, column widths, wrapped list cells.
std::string ExportXlsx(const std::vector<Item>& items);
/// The first worksheet of an .xlsx (as Excel, WPS, LibreOffice or ExportXlsx save it); the
/// same checks as ReadCsv, and ParseXlsx throws like ParseCsv.
Sheet ReadXlsx(const std::string& bytes);
std::vector<Item> ParseXlsx(const std::string& bytes);
/// The cells of the first worksheet, row by row (empty cells as ""; rows keep their numbers:
/// result[0] is row 1). Throws kInvalidInput when the bytes are not a readable .xlsx.
std::vector<std::vector<std::string>> XlsxCells(const std::string& bytes);

/// By content: a ZIP ("PK\3\4") is read as .xlsx, anything else as CSV text.
bool LooksLikeXlsx(std::string_view bytes);
Sheet ReadSpreadsheet(const std::string& bytes);

}  // namespace yiwang::approval

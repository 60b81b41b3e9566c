#pragma once
// One sheet of a table as an .xlsx file (libxlsxwriter): the catalogue export and the
// performance evaluation use it.
#include <string>
#include <vector>

namespace yiwang::core {

struct XlsxColumn {
  std::string title;
  double width = 12;    // in characters (a CJK character is about two)
  bool wrap = false;    // multi-line cell
  bool number = false;  // written as a number (Excel does not flag "number stored as text")
};

/// The bytes of a workbook with one sheet: an optional title row, the header row (bold,
/// frozen, with an autofilter) and the rows. Empty cells are left blank.
std::string XlsxTable(const std::string& sheet, const std::vector<XlsxColumn>& columns,
                      const std::vector<std::vector<std::string>>& rows, const std::string& title = "");

}  // namespace yiwang::core

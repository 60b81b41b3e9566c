#include "core/xlsx.hpp"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace yiwang::core {

std::string XlsxTable(const std::string& sheet, const std::vector<XlsxColumn>& columns,
                      const std::vector<std::vector<std::string>>& rows, const std::string& title) {
  // libxlsxwriter 1.1 writes only to a file: a private temporary file, read back and removed.
  std::string path = (std::filesystem::temp_directory_path() / "yiwang-xlsx-XXXXXX.xlsx").string();
  const int fd = mkstemps(path.data(), 5);
  if (fd < 0) throw Error(ErrorCode::kInternal, "无法创建临时文件以生成 Excel 文件");
  close(fd);
  struct Remove {
    std::string path;
    ~Remove() { std::remove(path.c_str()); }
  } remove_after{path};

  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) throw Error(ErrorCode::kInternal, "无法生成 Excel 文件");
  lxw_worksheet* ws = workbook_add_worksheet(wb, sheet.c_str());
  lxw_format* header = workbook_add_format(wb);
  format_set_bold(header);
  format_set_bg_color(header, 0xDDEBF7);
  format_set_align(header, LXW_ALIGN_VERTICAL_CENTER);
  lxw_format* heading = workbook_add_format(wb);
  format_set_bold(heading);
  format_set_font_size(heading, 14);
  lxw_format* top = workbook_add_format(wb);
  format_set_align(top, LXW_ALIGN_VERTICAL_TOP);
  lxw_format* wrap = workbook_add_format(wb);
  format_set_text_wrap(wrap);
  format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);

  lxw_error err = LXW_NO_ERROR;
  auto check = [&err](lxw_error e) {
    if (err == LXW_NO_ERROR) err = e;
  };
  lxw_row_t head = 0;
  if (!title.empty()) {
    check(worksheet_write_string(ws, 0, 0, title.c_str(), heading));
    head = 1;
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const auto col = static_cast<lxw_col_t>(c);
    check(worksheet_set_column(ws, col, col, columns[c].width, columns[c].wrap ? wrap : top));
    check(worksheet_write_string(ws, head, col, columns[c].title.c_str(), header));
  }
  check(worksheet_set_row(ws, head, 20, nullptr));
  worksheet_freeze_panes(ws, head + 1, 0);
  lxw_row_t r = head;
  for (const auto& cells : rows) {
    ++r;
    for (std::size_t c = 0; c < cells.size() && c < columns.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      lxw_format* f = columns[c].wrap ? wrap : top;
      if (cells[c].empty()) continue;
      if (columns[c].number) {
        char* end = nullptr;
        const double v = std::strtod(cells[c].c_str(), &end);
        if (end && *end == '\0') {
          check(worksheet_write_number(ws, r, col, v, f));
          continue;
        }
      }
      check(worksheet_write_string(ws, r, col, cells[c].c_str(), f));
    }
  }
  if (!columns.empty()) check(worksheet_autofilter(ws, head, 0, r, static_cast<lxw_col_t>(columns.size() - 1)));
  const lxw_error closed = workbook_close(wb);
  if (err == LXW_NO_ERROR) err = closed;
  if (err != LXW_NO_ERROR) throw Error(ErrorCode::kInternal, std::string("生成 Excel 文件失败：") + lxw_strerror(err));

  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw Error(ErrorCode::kInternal, "生成 Excel 文件失败：无法读回临时文件");
  return bytes.str();
}

}  // namespace yiwang::core

#include "approval/document_pdf.hpp"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <memory>
#include <vector>

#include "core/error.hpp"

namespace yiwang::approval {
namespace {

constexpr double kWidth = 595.28, kHeight = 841.89;  // A4 in points

// Fonts: a Ming (宋体-style) face for the text and a Hei (黑体) face for headings and the seal, as
// GB/T 9704 sets official documents. Both are TrueType-outline fonts from Debian
// (fonts-arphic-uming, fonts-wqy-microhei): cairo subsets them glyph by glyph, ~0.5 ms per font
// per document, where the CFF-based Noto CJK faces cost ~4.5 ms each (cairo copies and compresses
// their whole CFF subroutine tables into every PDF; measured in bench/README.md). Noto stays the
// fallback when the TrueType faces are missing. No "Bold": neither face has a bold weight, and a
// synthetic one makes cairo embed a CFF copy drawn from the outlines besides the TrueType subset
// (two more fonts per PDF: 47 → 39 KB, 2.4 → 2.0 ms); the Hei face is the heavy one, as in print.
#define YW_SERIF "AR PL UMing CN,Noto Serif CJK SC "
#define YW_SANS "WenQuanYi Micro Hei,Noto Sans CJK SC "

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

/// Draws text with pango at (x, y) within width; returns the height used.
double Text(cairo_t* cr, const std::string& text, const char* font, double x, double y, double width,
            PangoAlignment align = PANGO_ALIGN_LEFT, double r = 0, double g = 0, double b = 0) {
  PangoLayout* layout = pango_cairo_create_layout(cr);
  PangoFontDescription* desc = pango_font_description_from_string(font);
  pango_layout_set_font_description(layout, desc);
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(layout, align);
  pango_layout_set_spacing(layout, 6 * PANGO_SCALE);
  pango_layout_set_text(layout, text.c_str(), -1);
  cairo_set_source_rgb(cr, r, g, b);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout);
  int w = 0, h = 0;
  pango_layout_get_pixel_size(layout, &w, &h);
  pango_font_description_free(desc);
  g_object_unref(layout);
  return h;
}

/// Draws text like Text(), line by line from y, starting a new page (marked "<mark>（续）") when a
/// line would pass `bottom`; returns where the text ended on the last page.
double Flow(cairo_t* cr, const std::string& text, const char* font, double x, double y, double width, double bottom,
            const std::string& mark) {
  PangoLayout* layout = pango_cairo_create_layout(cr);
  PangoFontDescription* desc = pango_font_description_from_string(font);
  pango_layout_set_font_description(layout, desc);
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_spacing(layout, 6 * PANGO_SCALE);
  pango_layout_set_text(layout, text.c_str(), -1);
  cairo_set_source_rgb(cr, 0, 0, 0);
  PangoLayoutIter* it = pango_layout_get_iter(layout);
  double top = y, offset = 0, end = y;  // the layout's y at the top of this page is `offset`
  do {
    PangoRectangle line;
    pango_layout_iter_get_line_extents(it, nullptr, &line);
    const double line_top = static_cast<double>(line.y) / PANGO_SCALE;
    const double line_bottom = static_cast<double>(line.y + line.height) / PANGO_SCALE;
    if (top + line_bottom - offset > bottom && line_top > offset) {
      cairo_show_page(cr);
      Text(cr, mark + "（续）", YW_SERIF "9", x, 40, width, PANGO_ALIGN_RIGHT, 0.4, 0.4, 0.4);
      cairo_set_source_rgb(cr, 0, 0, 0);
      top = 72;
      offset = line_top;
    }
    const double baseline = static_cast<double>(pango_layout_iter_get_baseline(it)) / PANGO_SCALE;
    cairo_move_to(cr, x + static_cast<double>(line.x) / PANGO_SCALE, top + baseline - offset);
    pango_cairo_show_layout_line(cr, pango_layout_iter_get_line_readonly(it));
    end = top + line_bottom - offset;
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
  pango_font_description_free(desc);
  g_object_unref(layout);
  return end;
}

void Seal(cairo_t* cr, double cx, double cy, const std::string& issuer, const std::string& use) {
  const double radius = 62;
  cairo_save(cr);
  cairo_set_source_rgba(cr, 0.82, 0.07, 0.09, 0.85);
  cairo_set_line_width(cr, 3.5);
  cairo_arc(cr, cx, cy, radius, 0, 2 * M_PI);
  cairo_stroke(cr);
  // Five-pointed star.
  cairo_new_path(cr);
  for (int i = 0; i < 10; ++i) {
    const double a = -M_PI / 2 + i * M_PI / 5;
    const double rr = i % 2 == 0 ? 17 : 7;
    const double px = cx + rr * std::cos(a), py = cy + rr * std::sin(a);
    if (i == 0) cairo_move_to(cr, px, py);
    else cairo_line_to(cr, px, py);
  }
  cairo_close_path(cr);
  cairo_fill(cr);
  // The issuer's name along the upper arc, one character at a time.
  std::vector<std::string> chars;
  for (std::size_t i = 0; i < issuer.size();) {
    unsigned char c = static_cast<unsigned char>(issuer[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    chars.push_back(issuer.substr(i, len));
    i += len;
  }
  const double span = std::min(M_PI * 1.25, 0.28 * static_cast<double>(chars.size()));
  for (std::size_t i = 0; i < chars.size(); ++i) {
    const double a = -M_PI / 2 - span / 2 + (chars.size() == 1 ? span / 2 : span * static_cast<double>(i) / (chars.size() - 1));
    cairo_save(cr);
    cairo_translate(cr, cx + (radius - 17) * std::cos(a), cy + (radius - 17) * std::sin(a));
    cairo_rotate(cr, a + M_PI / 2);
    PangoLayout* layout = pango_cairo_create_layout(cr);
    PangoFontDescription* desc = pango_font_description_from_string(YW_SANS "13");
    pango_layout_set_font_description(layout, desc);
    pango_layout_set_text(layout, chars[i].c_str(), -1);
    int w = 0, h = 0;
    pango_layout_get_pixel_size(layout, &w, &h);
    cairo_move_to(cr, -w / 2.0, -h / 2.0);
    pango_cairo_show_layout(cr, layout);
    pango_font_description_free(desc);
    g_object_unref(layout);
    cairo_restore(cr);
  }
  cairo_restore(cr);
  Text(cr, use, YW_SANS "10", cx - 50, cy + 22, 100, PANGO_ALIGN_CENTER, 0.82, 0.07, 0.09);
}

void Qr(cairo_t* cr, const std::string& text, double x, double y, double size) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!qr) throw Error(ErrorCode::kInternal, "二维码生成失败");
  // One pixel per module in a small image, scaled up without smoothing: the PDF carries one
  // tiny image instead of hundreds of rectangles (each written as text and compressed).
  const int n = qr->width;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> img(cairo_image_surface_create(CAIRO_FORMAT_RGB24, n, n),
                                                                         &cairo_surface_destroy);
  cairo_surface_flush(img.get());
  unsigned char* px = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  for (int row = 0; row < n; ++row) {
    auto* line = reinterpret_cast<std::uint32_t*>(px + row * stride);
    for (int col = 0; col < n; ++col) line[col] = (qr->data[row * n + col] & 1) ? 0x000000u : 0xFFFFFFu;
  }
  cairo_surface_mark_dirty(img.get());
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, size / n, size / n);
  cairo_set_source_surface(cr, img.get(), 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle(cr, 0, 0, n, n);
  cairo_fill(cr);
  cairo_restore(cr);
}

}  // namespace

std::string ChineseDate(const std::string& d) {
  int y = 0, m = 0, day = 0;
  char tail = 0;
  if (d.size() != 10 || std::sscanf(d.c_str(), "%4d-%2d-%2d%c", &y, &m, &day, &tail) != 3 || m < 1 || m > 12 || day < 1 ||
      day > 31) {
    throw Error(ErrorCode::kInvalidInput, "日期格式应为 YYYY-MM-DD：" + d);
  }
  static const char* kDigits[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  auto small = [](int n) {
    static const char* kD[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    if (n < 10) return std::string(kD[n]);
    return std::string(n / 10 == 1 ? "" : kD[n / 10]) + "十" + kD[n % 10];
  };
  std::string out;
  for (char c : std::to_string(y)) out += kDigits[c - '0'];
  return out + "年" + small(m) + "月" + small(day) + "日";
}

/// One white A4 page drawn by draw(cr), as PDF bytes. Fixed metadata: the same content renders
/// to the same bytes (a sealed document's SM3 is what is signed).
template <typename Draw>
std::string DrawPdf(const std::string& title, Draw&& draw) {
  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(&Append, &out, kWidth, kHeight);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "yiwang");
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  draw(cr);
  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) throw Error(ErrorCode::kInternal, "PDF 生成失败");
  return out;
}

std::string RenderDocumentPdf(const DocumentData& d) {
  return DrawPdf(d.title, [&](cairo_t* cr) {
    const double margin = 72, width = kWidth - 2 * margin;
    double y = 70;
    const bool certificate = d.kind == "certificate";
    if (certificate) {
      // Double ornamental border.
      cairo_set_source_rgb(cr, 0.62, 0.48, 0.16);
      cairo_set_line_width(cr, 4);
      cairo_rectangle(cr, 28, 28, kWidth - 56, kHeight - 56);
      cairo_stroke(cr);
      cairo_set_line_width(cr, 1.2);
      cairo_rectangle(cr, 38, 38, kWidth - 76, kHeight - 76);
      cairo_stroke(cr);
      y = 100;
      y += Text(cr, d.title, YW_SANS "30", margin, y, width, PANGO_ALIGN_CENTER, 0.55, 0.05, 0.06) + 16;
      y += Text(cr, "编号：" + d.doc_no, YW_SERIF "11", margin, y, width, PANGO_ALIGN_CENTER) + 40;
      // A licence has a holder, an issuing authority and a term; another kind's result names the
      // applicant and the authority that handled it.
      const bool licence = d.item_kind == ItemKind::kLicense;
      std::vector<std::pair<std::string, std::string>> rows = {
          {WordingOf(d.item_kind).holder, d.holder_name}, {"证件号码", d.holder_id},
          {licence ? "许可事项" : "办理事项", d.item_name}, {"办件编号", d.case_no}, {licence ? "发证机关" : "办理机关", d.issuer}};
      // The term as the catalogue states it; none printed when it does not (a 变更 keeps the original's).
      if (licence && !d.valid_until.empty()) rows.emplace_back("有效期限", d.valid_until == "长期" ? "长期" : "至 " + d.valid_until);
      for (const auto& [label, value] : rows) {
        Text(cr, label, YW_SANS "14", margin + 20, y, 110);
        y += std::max(24.0, Text(cr, value, YW_SERIF "14", margin + 140, y, width - 160)) + 14;
      }
      y += 20;
      Text(cr, d.body, YW_SERIF "13", margin + 20, y, width - 40);
    } else {
      // GB/T 9704-like: red 发文机关标志 and rule, 发文字号, title, body.
      y += Text(cr, d.issuer, YW_SERIF "30", margin, y, width, PANGO_ALIGN_CENTER, 0.8, 0.05, 0.06) + 18;
      cairo_set_source_rgb(cr, 0.8, 0.05, 0.06);
      cairo_set_line_width(cr, 2);
      cairo_move_to(cr, margin - 20, y);
      cairo_line_to(cr, kWidth - margin + 20, y);
      cairo_stroke(cr);
      y += 10;
      y += Text(cr, d.doc_no, YW_SERIF "12", margin, y, width, PANGO_ALIGN_CENTER) + 28;
      y += Text(cr, d.title, YW_SANS "20", margin, y, width, PANGO_ALIGN_CENTER) + 28;
      // The body runs on to further pages when long (a correction notice of many items, a long
      // reason); the issuer, date and seal follow it on the last page.
      const double end = Flow(cr, d.body, YW_SERIF "13", margin, y, width, kHeight - 80, d.doc_no);
      if (end > kHeight - 260) {
        cairo_show_page(cr);
        Text(cr, d.doc_no + "（续）", YW_SERIF "9", margin, 40, width, PANGO_ALIGN_RIGHT, 0.4, 0.4, 0.4);
      }
    }
    // Issuer, date and seal.
    const double sign_y = kHeight - 250;
    Text(cr, d.issuer, YW_SERIF "14", kWidth - margin - 260, sign_y, 240, PANGO_ALIGN_RIGHT);
    Text(cr, ChineseDate(d.issued_on), YW_SERIF "14", kWidth - margin - 260, sign_y + 28, 240, PANGO_ALIGN_RIGHT);
    Seal(cr, kWidth - margin - 110, sign_y + 18, d.issuer, WordingOf(d.item_kind).seal);
    if (!d.seal_sm3.empty()) {
      Text(cr, "电子印章 SM2/SM3 · " + d.seal_sm3.substr(0, 16), YW_SANS "7", kWidth - margin - 260, sign_y + 88,
           240, PANGO_ALIGN_RIGHT, 0.4, 0.4, 0.4);
    }
    // QR code with the verification address.
    Qr(cr, d.verify_url, margin, kHeight - 170, 86);
    Text(cr, "扫码核验：" + d.verify_url, YW_SANS "7", margin, kHeight - 78, width, PANGO_ALIGN_LEFT, 0.3, 0.3, 0.3);
  });
}

std::string RenderBlankFormPdf(const BlankFormData& f) {
  const std::string title = f.item_name + "申请表";
  return DrawPdf(title, [&](cairo_t* cr) {
    const double margin = 60, width = kWidth - 2 * margin, label_w = 160;
    double y = 56;
    y += Text(cr, title, YW_SANS "18", margin, y, width, PANGO_ALIGN_CENTER) + 6;
    y += Text(cr, "事项编码 " + f.item_code + " · " + f.department, YW_SERIF "9", margin, y, width, PANGO_ALIGN_CENTER, 0.3, 0.3,
              0.3) + 16;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8);
    // One row of the table: a label cell and a value cell (printed text, or blank space to fill
    // in), at least min_h high and as high as its text.
    auto row = [&](const std::string& label, const std::string& value, double min_h) {
      const double lh = Text(cr, label, YW_SANS "10.5", margin + 8, y + 8, label_w - 16);
      const double vh = value.empty() ? 0 : Text(cr, value, YW_SERIF "10.5", margin + label_w + 8, y + 8, width - label_w - 16);
      const double h = std::max(min_h, std::max(lh, vh) + 16);
      cairo_set_source_rgb(cr, 0, 0, 0);
      cairo_rectangle(cr, margin, y, label_w, h);
      cairo_rectangle(cr, margin + label_w, y, width - label_w, h);
      cairo_stroke(cr);
      y += h;
    };
    row("申请人（单位）名称", "", 34);
    row("身份证号码 / 统一社会信用代码", "", 44);
    row("法定代表人（负责人）", "", 34);
    row("联系人", "", 34);
    row("联系电话", "", 34);
    row("住所（地址）", "", 34);
    row("申请事项", f.item_name, 34);
    row("申请内容及理由", "", 110);
    std::string list;
    for (std::size_t i = 0; i < f.materials.size(); ++i) list += std::to_string(i + 1) + ". " + f.materials[i] + "\n";
    row("所附材料", list, 60);
    row("申请人承诺", "本人（单位）对所提交材料的真实性负责。\n\n申请人（签字或盖章）：\n\n日期：        年      月      日", 110);
    y += 14;
    Text(cr, "说明：可网上申报（东河区政务服务网，上传本表扫描件），也可填写后到" + f.department +
                 "窗口提交。行政机关在收到申请之日起五个工作日内作出是否受理的决定（《中华人民共和国行政许可法》第三十二条）。",
         YW_SERIF "9", margin, y, width, PANGO_ALIGN_LEFT, 0.3, 0.3, 0.3);
  });
}

}  // namespace yiwang::approval

#include "supervision/evaluation.hpp"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "approval/ratings.hpp"
#include "approval/store.hpp"
#include "core/error.hpp"
#include "core/xlsx.hpp"
#include "db/row.hpp"
#include "identity/store.hpp"

namespace yiwang::supervision {

namespace {

std::map<std::string, double> ParsePairs(const std::string& text, const std::string& key,
                                         const std::set<std::string>& names) {
  std::map<std::string, double> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    const auto colon = part.find(':');
    if (colon == std::string::npos) throw Error(ErrorCode::kInvalidInput, key + " 的格式应为 名称:数值，以逗号分隔");
    std::string name = part.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (!names.count(name)) throw Error(ErrorCode::kInvalidInput, key + " 中有未知项：" + name);
    try {
      std::size_t used = 0;
      const double v = std::stod(part.substr(colon + 1), &used);
      if (v < 0 || v > 100) throw std::out_of_range("range");
      out[name] = v;
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidInput, key + " 中 " + name + " 的数值应在 0–100 之间");
    }
  }
  return out;
}

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

struct Row {
  long long unit_id = 0;
  std::string code, name;
  int sort = 0;
  long long received = 0, concluded = 0, on_time = 0, warnings = 0, violations = 0, yellow = 0, red = 0,
            complaints = 0, upheld = 0;
  double used_sum = 0, promised_sum = 0;
  long long used_n = 0;
  std::map<std::string, long long> ratings;
};

}  // namespace

EvaluationPolicy EvaluationPolicy::Parse(const std::string& weights, const std::string& deductions,
                                         const std::string& grades) {
  EvaluationPolicy p;
  if (!weights.empty()) {
    auto w = ParsePairs(weights, "evaluation_weights", {"ontime", "satisfaction", "speed"});
    p.w_ontime = w.count("ontime") ? w["ontime"] : 0;
    p.w_satisfaction = w.count("satisfaction") ? w["satisfaction"] : 0;
    p.w_speed = w.count("speed") ? w["speed"] : 0;
    if (std::abs(p.w_ontime + p.w_satisfaction + p.w_speed - 100) > 1e-6) {
      throw Error(ErrorCode::kInvalidInput, "evaluation_weights 的三项权重之和应为 100");
    }
  }
  if (!deductions.empty()) {
    auto d = ParsePairs(deductions, "evaluation_deductions", {"yellow", "red", "violation", "complaint"});
    if (d.count("yellow")) p.d_yellow = d["yellow"];
    if (d.count("red")) p.d_red = d["red"];
    if (d.count("violation")) p.d_violation = d["violation"];
    if (d.count("complaint")) p.d_complaint = d["complaint"];
  }
  if (!grades.empty()) {
    std::vector<double> g;
    std::stringstream in(grades);
    std::string part;
    while (std::getline(in, part, ',')) {
      try {
        g.push_back(std::stod(part));
      } catch (const std::exception&) {
        throw Error(ErrorCode::kInvalidInput, "evaluation_grades 应为三个分数，如 90,80,60");
      }
    }
    if (g.size() != 3 || !(g[0] > g[1] && g[1] > g[2] && g[2] >= 0 && g[0] <= 100)) {
      throw Error(ErrorCode::kInvalidInput, "evaluation_grades 应为从高到低的三个分数（优秀、良好、合格），如 90,80,60");
    }
    p.excellent = g[0];
    p.good = g[1];
    p.pass = g[2];
  }
  return p;
}

std::string EvaluationPolicy::Grade(double score) const {
  if (score >= excellent) return "优秀";
  if (score >= good) return "良好";
  if (score >= pass) return "合格";
  return "不合格";
}

Period ParsePeriod(const std::string& key) {
  auto bad = [&] {
    return Error(ErrorCode::kInvalidInput, "评估期间格式应为 2026-03（月）、2026-Q1（季度）或 2026（年）",
                 {{"period", "格式应为 YYYY-MM、YYYY-Qn 或 YYYY"}});
  };
  // Four digits of the year, then nothing, "-MM" or "-Qn".
  const auto digits = key.find_first_not_of("0123456789");
  if (key.size() < 4 || (key.size() == 4 ? digits != std::string::npos : digits != 4)) throw bad();
  int year = 0;
  try {
    year = std::stoi(key.substr(0, 4));
  } catch (const std::exception&) {
    throw bad();
  }
  if (year < 2000 || year > 2100) throw bad();
  using namespace std::chrono;
  auto last_day = [](int y, unsigned m) {
    return calendar::FormatDate(sys_days{year_month_day_last{std::chrono::year{y} / month{m} / last}});
  };
  auto first_day = [](int y, unsigned m) { return calendar::FormatDate(sys_days{std::chrono::year{y} / month{m} / 1}); };
  const std::string ys = std::to_string(year);
  if (key.size() == 4) return {key, ys + " 年", first_day(year, 1), last_day(year, 12)};
  if (key.size() == 7 && key[4] == '-' && key[5] == 'Q' && key[6] >= '1' && key[6] <= '4') {
    const unsigned q = static_cast<unsigned>(key[6] - '0');
    return {key, ys + " 年第" + std::string(q == 1 ? "一" : q == 2 ? "二" : q == 3 ? "三" : "四") + "季度",
            first_day(year, q * 3 - 2), last_day(year, q * 3)};
  }
  if (key.size() == 7 && key[4] == '-' && std::isdigit(static_cast<unsigned char>(key[5])) &&
      std::isdigit(static_cast<unsigned char>(key[6]))) {
    const unsigned m = static_cast<unsigned>(std::stoi(key.substr(5)));
    if (m >= 1 && m <= 12) return {key, ys + " 年 " + std::to_string(m) + " 月", first_day(year, m), last_day(year, m)};
  }
  throw bad();
}

void Evaluation::RegisterPacketHandlers() {
  // External zone: a ranking the supervisor published (in zone "both" the row is already there).
  exchange_.On("ranking.published", [](db::Tx& tx, const exchange::Packet& p) {
    std::string period = p.payload.at("period").get<std::string>(), body = p.payload.at("body").dump(),
                by = p.payload.value("published_by", "");
    long long at = p.payload.at("published_at").get<std::int64_t>();
    tx.sql() << "DELETE FROM published_rankings WHERE period = :p", soci::use(period);
    tx.sql() << "INSERT INTO published_rankings (period, body, published_at, published_by) VALUES (:p, :b, :a, :u)",
        soci::use(period), soci::use(body), soci::use(at), soci::use(by);
  });
}

nlohmann::json Evaluation::Evaluate(const identity::Context& ctx, const std::string& period_key) {
  identity::RequireRole(ctx.principal, {identity::Role::kSupervisor, identity::Role::kApprover, identity::Role::kAuditor});
  const Period period = ParsePeriod(period_key);
  const long long from_ms = core::ParseLocal(period.from), to_ms = core::ParseLocal(period.to) + 24LL * 3600 * 1000 - 1;
  const calendar::Calendar cal = calendar_.Load();
  db::Conn c(db_);
  std::map<long long, Row> rows;
  for (const auto& u : identity::store::ListUnits(c.sql())) {
    if (u.kind != "department" && u.kind != "town") continue;
    Row r;
    r.unit_id = u.id;
    r.code = u.code;
    r.name = u.name;
    r.sort = u.sort_order;
    rows[u.id] = r;
  }
  auto row_of = [&](long long unit) -> Row* {
    auto it = rows.find(unit);
    return it == rows.end() ? nullptr : &it->second;
  };
  {
    soci::rowset<soci::row> rs =
        (c.sql().prepare << "SELECT dept_unit_id, COUNT(*) AS n FROM cases WHERE received_at >= :a AND received_at <= :b "
                            "GROUP BY dept_unit_id",
         soci::use(from_ms), soci::use(to_ms));
    for (const soci::row& x : rs) {
      if (Row* r = row_of(db::RowInt(x, "dept_unit_id"))) r->received += db::RowInt(x, "n");
    }
  }
  {
    std::map<long long, std::vector<calendar::Suspension>> stops;
    soci::rowset<soci::row> ss =
        (c.sql().prepare << "SELECT s.case_id, s.from_date, s.to_date FROM case_suspensions s JOIN cases k ON k.id = "
                            "s.case_id WHERE k.state = 'concluded' AND k.concluded_at >= :a AND k.concluded_at <= :b",
         soci::use(from_ms), soci::use(to_ms));
    for (const soci::row& x : ss) {
      const std::string f = db::RowStr(x, "from_date"), t = db::RowStr(x, "to_date");
      if (!t.empty() && t >= f) {
        stops[db::RowInt(x, "case_id")].push_back({calendar::ParseDate(f), calendar::ParseDate(t), ""});
      }
    }
    std::map<std::string, int> promised;
    soci::rowset<soci::row> rs =
        (c.sql().prepare << "SELECT id, dept_unit_id, item_code, item_version, accepted_on, promised_due, decided_at FROM "
                            "cases WHERE state = 'concluded' AND concluded_at >= :a AND concluded_at <= :b",
         soci::use(from_ms), soci::use(to_ms));
    struct Done {
      long long id, unit;
      std::string code;
      int version;
      std::string accepted_on, promised_due;
      long long decided_at;
    };
    std::vector<Done> done;
    for (const soci::row& x : rs) {
      done.push_back({db::RowInt(x, "id"), db::RowInt(x, "dept_unit_id"), db::RowStr(x, "item_code"),
                      static_cast<int>(db::RowInt(x, "item_version")), db::RowStr(x, "accepted_on"),
                      db::RowStr(x, "promised_due"), db::RowInt(x, "decided_at")});
    }
    for (const auto& d : done) {
      Row* r = row_of(d.unit);
      if (!r) continue;
      ++r->concluded;
      const std::string decided_on = core::FormatLocalDate(d.decided_at);
      if (!d.promised_due.empty() && decided_on <= d.promised_due) ++r->on_time;
      const std::string key = d.code + "@" + std::to_string(d.version);
      if (!promised.count(key)) {
        auto item = approval::store::FindByCodeVersion(c.sql(), d.code, d.version);
        promised[key] = item ? item->promised_days : 0;
      }
      if (d.accepted_on.empty() || !promised[key]) continue;
      try {
        const int used = cal.WorkingDaysBetween(calendar::ParseDate(d.accepted_on), calendar::ParseDate(decided_on),
                                                stops[d.id]);
        r->used_sum += used;
        r->promised_sum += promised[key];
        ++r->used_n;
      } catch (const Error&) {
        // a year whose calendar is not imported: the case counts, its days do not
      }
    }
  }
  {
    soci::rowset<soci::row> rs =
        (c.sql().prepare << "SELECT unit_id, rule_code, COUNT(*) AS n FROM sv_alerts WHERE created_on >= :f AND "
                            "created_on <= :t GROUP BY unit_id, rule_code",
         soci::use(period.from), soci::use(period.to));
    for (const soci::row& x : rs) {
      if (Row* r = row_of(db::RowInt(x, "unit_id"))) {
        (db::RowStr(x, "rule_code") == "DEADLINE_WARNING" ? r->warnings : r->violations) += db::RowInt(x, "n");
      }
    }
  }
  {
    soci::rowset<soci::row> rs =
        (c.sql().prepare << "SELECT unit_id, COUNT(*) AS n, COUNT(CASE WHEN red_at >= :a2 AND red_at <= :b2 THEN 1 END) "
                            "AS red FROM sv_notices WHERE issued_at >= :a AND issued_at <= :b GROUP BY unit_id",
         soci::use(from_ms), soci::use(to_ms), soci::use(from_ms), soci::use(to_ms));
    for (const soci::row& x : rs) {
      if (Row* r = row_of(db::RowInt(x, "unit_id"))) {
        r->yellow += db::RowInt(x, "n");
        r->red += db::RowInt(x, "red");
      }
    }
  }
  {
    soci::rowset<soci::row> rs =
        (c.sql().prepare << "SELECT dept_unit_id, COUNT(*) AS n, COUNT(CASE WHEN upheld = 1 THEN 1 END) AS upheld FROM "
                            "complaints WHERE received_at >= :a AND received_at <= :b GROUP BY dept_unit_id",
         soci::use(from_ms), soci::use(to_ms));
    for (const soci::row& x : rs) {
      if (Row* r = row_of(db::RowInt(x, "dept_unit_id"))) {
        r->complaints += db::RowInt(x, "n");
        r->upheld += db::RowInt(x, "upheld");
      }
    }
  }
  {
    soci::rowset<soci::row> rs =
        (c.sql().prepare << "SELECT k.dept_unit_id, r.rating, COUNT(*) AS n FROM case_ratings r JOIN cases k ON k.case_no = "
                            "r.case_no WHERE r.rated_at >= :a AND r.rated_at <= :b GROUP BY k.dept_unit_id, r.rating",
         soci::use(from_ms), soci::use(to_ms));
    for (const soci::row& x : rs) {
      if (Row* r = row_of(db::RowInt(x, "dept_unit_id"))) r->ratings[db::RowStr(x, "rating")] += db::RowInt(x, "n");
    }
  }

  nlohmann::json active = nlohmann::json::array(), idle = nlohmann::json::array();
  for (auto& [id, r] : rows) {
    long long rated = 0, points = 0;
    for (const auto& [k, n] : r.ratings) {
      rated += n;
      points += n * approval::RatingPoints(k);
    }
    nlohmann::json j = {{"unit_code", r.code},
                        {"unit_name", r.name},
                        {"received", r.received},
                        {"concluded", r.concluded},
                        {"on_time", r.on_time},
                        {"warnings", r.warnings},
                        {"violations", r.violations},
                        {"yellow_cards", r.yellow},
                        {"red_cards", r.red},
                        {"complaints", r.complaints},
                        {"complaints_upheld", r.upheld},
                        {"ratings",
                         {{"very_satisfied", r.ratings["very_satisfied"]},
                          {"satisfied", r.ratings["satisfied"]},
                          {"basic", r.ratings["basic"]},
                          {"dissatisfied", r.ratings["dissatisfied"]},
                          {"total", rated}}},
                        {"sort", r.sort}};
    const bool any = r.received || r.concluded || r.violations || r.yellow || r.complaints;
    if (!any) {
      j["grade"] = "无办件";
      j["score"] = nullptr;
      idle.push_back(j);
      continue;
    }
    const double on_time_rate = r.concluded ? static_cast<double>(r.on_time) / static_cast<double>(r.concluded) : 1.0;
    const double satisfaction = rated ? static_cast<double>(points) / static_cast<double>(rated) : -1;
    const double avg_used = r.used_n ? r.used_sum / static_cast<double>(r.used_n) : 0;
    const double avg_promised = r.used_n ? r.promised_sum / static_cast<double>(r.used_n) : 0;
    const double speed = avg_used > 0 ? std::min(1.0, avg_promised / avg_used) : 1.0;
    // Without ratings the satisfaction weight goes to timeliness (documented in the operator guide).
    const double w_sat = satisfaction >= 0 ? policy_.w_satisfaction : 0;
    const double w_ontime = policy_.w_ontime + (satisfaction >= 0 ? 0 : policy_.w_satisfaction);
    double score = w_ontime * on_time_rate + w_sat * (satisfaction >= 0 ? satisfaction / 100 : 0) + policy_.w_speed * speed -
                   policy_.d_yellow * static_cast<double>(r.yellow) - policy_.d_red * static_cast<double>(r.red) -
                   policy_.d_violation * static_cast<double>(r.violations) -
                   policy_.d_complaint * static_cast<double>(r.upheld);
    score = std::round(std::clamp(score, 0.0, 100.0) * 10) / 10;
    j["on_time_rate"] = std::round(on_time_rate * 1000) / 10;  // percent, one decimal
    j["avg_used_days"] = std::round(avg_used * 10) / 10;
    j["avg_promised_days"] = std::round(avg_promised * 10) / 10;
    j["satisfaction"] = satisfaction >= 0 ? nlohmann::json(std::round(satisfaction * 10) / 10) : nlohmann::json(nullptr);
    j["score"] = score;
    j["grade"] = policy_.Grade(score);
    active.push_back(j);
  }
  std::stable_sort(active.begin(), active.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    if (a["score"] != b["score"]) return a["score"].get<double>() > b["score"].get<double>();
    return a["sort"].get<int>() < b["sort"].get<int>();
  });
  int rank = 0;
  double last = -1;
  for (std::size_t i = 0; i < active.size(); ++i) {
    const double s = active[i]["score"].get<double>();
    if (s != last) rank = static_cast<int>(i) + 1;  // ties share a rank
    last = s;
    active[i]["rank"] = rank;
  }
  for (const auto& j : idle) active.push_back(j);
  return {{"period", period.key},
          {"label", period.label},
          {"from", period.from},
          {"to", period.to},
          {"policy",
           {{"weights", {{"ontime", policy_.w_ontime}, {"satisfaction", policy_.w_satisfaction}, {"speed", policy_.w_speed}}},
            {"deductions",
             {{"yellow", policy_.d_yellow}, {"red", policy_.d_red}, {"violation", policy_.d_violation},
              {"complaint", policy_.d_complaint}}},
            {"grades", {{"excellent", policy_.excellent}, {"good", policy_.good}, {"pass", policy_.pass}}}}},
          {"departments", active}};
}

namespace {

std::vector<std::string> Cells(const nlohmann::json& d) {
  auto num = [&](const char* k) { return d.contains(k) && d[k].is_number() ? d[k].dump() : std::string(); };
  const auto& r = d["ratings"];
  return {d.contains("rank") ? d["rank"].dump() : "",
          d["unit_name"].get<std::string>(),
          num("received"),
          num("concluded"),
          d.contains("on_time_rate") ? Fixed(d["on_time_rate"].get<double>(), 1) + "%" : "",
          d.contains("avg_used_days") ? Fixed(d["avg_used_days"].get<double>(), 1) + " / " +
                                            Fixed(d["avg_promised_days"].get<double>(), 1)
                                      : "",
          num("warnings"),
          num("violations"),
          num("yellow_cards"),
          num("red_cards"),
          num("complaints"),
          std::to_string(r["very_satisfied"].get<long long>()) + "/" + std::to_string(r["satisfied"].get<long long>()) +
              "/" + std::to_string(r["basic"].get<long long>()) + "/" + std::to_string(r["dissatisfied"].get<long long>()),
          d["score"].is_number() ? Fixed(d["score"].get<double>(), 1) : "",
          d["grade"].get<std::string>()};
}

const std::vector<core::XlsxColumn>& Columns() {
  static const std::vector<core::XlsxColumn> kColumns = {
      {"名次", 6, false, true},        {"部门", 26},
      {"收件", 7, false, true},        {"办结", 7, false, true},
      {"按期办结率", 11},              {"平均用时/承诺（工作日）", 20},
      {"预警", 7, false, true},        {"告警", 7, false, true},
      {"黄牌", 7, false, true},        {"红牌", 7, false, true},
      {"投诉", 7, false, true},        {"评价（非常满意/满意/基本满意/不满意）", 30},
      {"得分", 8, false, true},        {"等级", 8}};
  return kColumns;
}

}  // namespace

std::string Evaluation::Xlsx(const nlohmann::json& e) const {
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : e["departments"]) rows.push_back(Cells(d));
  return core::XlsxTable("绩效评估", Columns(), rows,
                         "电子监察绩效评估 " + e["label"].get<std::string>() + "（" + e["from"].get<std::string>() + " 至 " +
                             e["to"].get<std::string>() + "）");
}

namespace {

cairo_status_t AppendPdf(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void DrawText(cairo_t* cr, const std::string& text, const char* font, double x, double y, double width,
              PangoAlignment align = PANGO_ALIGN_LEFT, bool one_line = true) {
  PangoLayout* layout = pango_cairo_create_layout(cr);
  PangoFontDescription* desc = pango_font_description_from_string(font);
  pango_layout_set_font_description(layout, desc);
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  if (one_line) pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  else pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(layout, align);
  pango_layout_set_text(layout, text.c_str(), -1);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout);
  pango_font_description_free(desc);
  g_object_unref(layout);
}

}  // namespace

std::string Evaluation::Pdf(const nlohmann::json& e) const {
  // A4 landscape; one row per department, the header repeated on each page.
  constexpr double kW = 841.89, kH = 595.28, kMargin = 36, kRow = 17;
  static const double kWidths[] = {30, 150, 36, 36, 52, 70, 34, 34, 34, 34, 34, 100, 40, 40};
  std::string out;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(AppendPdf, &out, kW, kH);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, ("绩效评估 " + e["label"].get<std::string>()).c_str());
  cairo_t* cr = cairo_create(surface);
  const auto& cols = Columns();
  auto header = [&](double y) {
    cairo_set_source_rgb(cr, 0.87, 0.92, 0.97);
    cairo_rectangle(cr, kMargin, y - 2, kW - 2 * kMargin, kRow + 8);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    double x = kMargin;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      std::string title = cols[i].title;
      if (i == 5) title = "用时/承诺";
      if (i == 11) title = "评价 很/满/基/不";
      DrawText(cr, title, "Noto Sans CJK SC Bold 7", x + 2, y + 2, kWidths[i] - 4);
      x += kWidths[i];
    }
    return y + kRow + 10;
  };
  cairo_set_source_rgb(cr, 0, 0, 0);
  DrawText(cr, "电子监察绩效评估 · " + e["label"].get<std::string>(), "Noto Serif CJK SC Bold 16", kMargin, kMargin,
           kW - 2 * kMargin, PANGO_ALIGN_CENTER);
  const auto& p = e["policy"];
  DrawText(cr,
           "统计期间 " + e["from"].get<std::string>() + " 至 " + e["to"].get<std::string>() + "；得分 = 按期办结率×" +
               Fixed(p["weights"]["ontime"].get<double>(), 0) + " + 满意度×" +
               Fixed(p["weights"]["satisfaction"].get<double>(), 0) + " + 办理效率×" +
               Fixed(p["weights"]["speed"].get<double>(), 0) + " − 黄牌×" + Fixed(p["deductions"]["yellow"].get<double>(), 0) +
               " − 红牌×" + Fixed(p["deductions"]["red"].get<double>(), 0) + " − 告警×" +
               Fixed(p["deductions"]["violation"].get<double>(), 0) + " − 属实投诉×" +
               Fixed(p["deductions"]["complaint"].get<double>(), 0) + "；等级：≥" +
               Fixed(p["grades"]["excellent"].get<double>(), 0) + " 优秀，≥" + Fixed(p["grades"]["good"].get<double>(), 0) +
               " 良好，≥" + Fixed(p["grades"]["pass"].get<double>(), 0) + " 合格",
           "Noto Sans CJK SC 8", kMargin, kMargin + 28, kW - 2 * kMargin, PANGO_ALIGN_CENTER, false);
  double y = header(kMargin + 52);
  for (const auto& d : e["departments"]) {
    if (y + kRow > kH - kMargin) {
      cairo_show_page(cr);
      y = header(kMargin);
    }
    const auto cells = Cells(d);
    double x = kMargin;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      DrawText(cr, cells[i], "Noto Sans CJK SC 7.5", x + 2, y, kWidths[i] - 4,
               i == 1 || i == 11 ? PANGO_ALIGN_LEFT : PANGO_ALIGN_CENTER);
      x += kWidths[i];
    }
    cairo_set_source_rgb(cr, 0.85, 0.87, 0.9);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, kMargin, y + kRow - 3);
    cairo_line_to(cr, kW - kMargin, y + kRow - 3);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    y += kRow;
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) throw Error(ErrorCode::kInternal, "生成绩效评估 PDF 失败");
  return out;
}

void Evaluation::Publish(const identity::Context& ctx, const std::string& period) {
  identity::RequireRole(ctx.principal, {identity::Role::kSupervisor});
  if (period.size() != 7 || period[4] != '-' || period[5] == 'Q') {
    throw Error(ErrorCode::kInvalidInput, "只公布月度排名（期间格式 YYYY-MM）", {{"period", "请选择月份"}});
  }
  nlohmann::json e = Evaluate(ctx, period);
  if (e["to"].get<std::string>() >= core::FormatLocalDate(clock_.NowMs())) {
    throw Error(ErrorCode::kConflict, "该月尚未结束，月末后才能公布排名");
  }
  const long long now = clock_.NowMs();
  db::WithTx(db_, [&](db::Tx& tx) {
    const std::string body = e.dump();
    tx.sql() << "DELETE FROM published_rankings WHERE period = :p", soci::use(period);
    tx.sql() << "INSERT INTO published_rankings (period, body, published_at, published_by) VALUES (:p, :b, :a, :u)",
        soci::use(period), soci::use(body), soci::use(now), soci::use(ctx.principal.name);
    audit_.Append(tx, ctx.ToActor(), {"evaluation.publish", "ranking", period, "success", e["label"].get<std::string>()});
    exchange_.Send(tx, core::Zone::kExternal, "ranking.published",
                   {{"period", period}, {"body", e}, {"published_at", now}, {"published_by", ctx.principal.name}});
  });
}

std::vector<std::pair<std::string, nlohmann::json>> Evaluation::Published() {
  db::Conn c(db_);
  std::vector<std::pair<std::string, nlohmann::json>> out;
  soci::rowset<soci::row> rs = (c.sql().prepare << "SELECT period, body FROM published_rankings ORDER BY period DESC LIMIT 24");
  for (const soci::row& x : rs) {
    out.emplace_back(db::RowStr(x, "period"), nlohmann::json::parse(db::RowStr(x, "body"), nullptr, false));
  }
  return out;
}

}  // namespace yiwang::supervision

// External portal frame: the home page and the seven main columns of the seed (今日、新闻中心、
// 政务公开、网上办事、政民互动、招商引资、文化旅游). Columns whose modules are not built yet say so
// honestly instead of showing invented content.
#include <chrono>
#include <mutex>

#include "app/app.hpp"
#include "app/modules.hpp"
#include "core/error.hpp"

namespace yiwang::modules {
namespace {

struct Column {
  const char* path;
  const char* title;
  const char* intro;
  std::vector<const char*> sections;
};

const std::vector<Column>& Columns() {
  static const std::vector<Column> kColumns = {
      {"/today", "今日", "区情概况、领导信息、机构设置与区域发展。", {"区情概况", "机构设置", "发展规划", "统计数据"}},
      {"/news", "新闻中心", "本地新闻、通知公告、图片新闻和专题专栏。", {"本地要闻", "通知公告", "部门动态", "镇街动态", "专题专栏"}},
      {"/open", "政务公开", "政府信息主动公开、依申请公开、政府信息公开年报和公开制度。",
       {"政府信息公开目录", "依申请公开", "政府信息公开年报", "政府信息公开制度"}},
      {"/services", "网上办事", "行政审批事项办事指南、在线申报、办件查询和结果公示。",
       {"办事指南", "在线申报", "办件查询", "办件公示"}},
      {"/interact", "政民互动", "市民心声、在线咨询、投诉建议和满意度评价。", {"市民心声", "投诉建议", "在线咨询", "民意征集"}},
      {"/invest", "招商引资", "投资环境、优惠政策、招商项目和服务指南。", {"投资环境", "优惠政策", "招商项目"}},
      {"/culture", "文化旅游", "历史文化、旅游景点、文化活动和图片库。", {"历史文化", "旅游景点", "文化活动"}},
  };
  return kColumns;
}

/// "今日东河": the first column carries the district's short name (东河区 -> 东河).
std::string ColumnTitle(const app::App& app, const Column& c) {
  if (std::string(c.path) != "/today") return c.title;
  const std::string& d = app.config.district_name;
  const std::string suffix = "区";
  const bool ends = d.size() > suffix.size() && d.compare(d.size() - suffix.size(), suffix.size(), suffix) == 0;
  return std::string(c.title) + (ends ? d.substr(0, d.size() - suffix.size()) : d);
}

nlohmann::json DepartmentsView(app::App& app) {
  nlohmann::json departments = nlohmann::json::array(), towns = nlohmann::json::array();
  for (const identity::Unit& u : app.identity->Units()) {
    if (!u.active) continue;
    if (u.kind == "department") departments.push_back({{"name", u.name}, {"code", u.code}});
    if (u.kind == "town") towns.push_back({{"name", u.name}, {"code", u.code}});
  }
  return {{"departments", departments}, {"towns", towns}, {"has_units", !departments.empty() || !towns.empty()}};
}

}  // namespace

void RegisterPortal(http::Router& r, app::App& app) {
  // The anonymous home page is the most requested page of the portal: its rendered bytes are
  // kept for a few seconds (the unit list changes a few times a year).
  struct HomeCache {
    std::mutex mu;
    std::string html;
    std::chrono::steady_clock::time_point at;
  };
  auto cache = std::make_shared<HomeCache>();
  r.Add("GET", "/", http::Access::kAnyone, [&app, cache](http::Request& req) {
    const bool anonymous = !req.principal.authenticated() && req.Cookie("yw_flash").empty();
    if (anonymous) {
      std::lock_guard<std::mutex> lock(cache->mu);
      if (!cache->html.empty() && std::chrono::steady_clock::now() - cache->at < std::chrono::seconds(5)) {
        return http::Response::Html(cache->html);
      }
    }
    nlohmann::json view = DepartmentsView(app);
    nlohmann::json cols = nlohmann::json::array();
    for (const Column& c : Columns()) cols.push_back({{"href", c.path}, {"title", ColumnTitle(app, c)}, {"intro", c.intro}});
    view["columns"] = cols;
    view["district_name"] = app.config.district_name;
    view["public_accounts"] = app.identity->CountPublic();
    http::Response res = app.renderer->Page(req, "external/home", "首页", view);
    if (anonymous) {
      std::lock_guard<std::mutex> lock(cache->mu);
      cache->html = res.body;
      cache->at = std::chrono::steady_clock::now();
    }
    return res;
  });
  for (const Column& c : Columns()) {
    if (std::string(c.path) == "/services") continue;  // 网上办事 is the catalogue module's page
    r.Add("GET", c.path, http::Access::kAnyone, [&app, &c](http::Request& req) {
      const std::string title = ColumnTitle(app, c);
      nlohmann::json sections = nlohmann::json::array();
      for (const char* s : c.sections) {
        nlohmann::json section = {{"name", s}};
        if (std::string(s) == "投诉建议") {  // the complaints module (src/complaints)
          section["note"] = "对办件或部门、镇街的工作不满意，可在线投诉；" +
                            std::to_string(app.config.complaints_acceptance_days) +
                            " 个工作日内决定是否受理，受理后调查并答复。";
          section["links"] = {{{"href", "/interact/complaints"}, {"label", "我要投诉"}},
                              {{"href", "/interact/complaints/track"}, {"label", "投诉查询"}}};
        }
        sections.push_back(section);
      }
      nlohmann::json view = {{"title", title}, {"intro", c.intro}, {"sections", sections}};
      if (std::string(c.path) == "/open" || std::string(c.path) == "/services") view["units"] = DepartmentsView(app);
      return app.renderer->Page(req, "external/column", title, view);
    });
  }
}

}  // namespace yiwang::modules

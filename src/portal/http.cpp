// External portal frame: the home page and the seven main columns of the seed (今日、新闻中心、
// 政务公开、网上办事、政民互动、招商引资、文化旅游). Columns whose modules are not built yet say so
// honestly instead of showing invented content.
#include <chrono>
#include <map>
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
       {"政府信息公开目录", "依申请公开", "政府信息公开年报", "政府信息公开制度", "部门绩效排名"}},
      {"/services", "网上办事", "行政审批事项办事指南、在线申报、办件查询和结果公示。",
       {"办事指南", "在线申报", "办件查询", "办件公示"}},
      {"/interact", "政民互动", "投诉建议和投诉查询；市民心声、在线咨询、民意征集栏目正在建设。", {"市民心声", "投诉建议", "在线咨询", "民意征集"}},
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

/// The departments and towns, each with the number of its published items: a unit that has
/// items links to 网上办事 filtered to it (/services?dept=<unit id>); one without is plain text.
nlohmann::json DepartmentsView(app::App& app) {
  std::map<std::int64_t, std::int64_t> items;
  for (const auto& [d, n] : app.catalogue->Departments()) items[d.dept_unit_id] = n;
  nlohmann::json departments = nlohmann::json::array(), towns = nlohmann::json::array();
  for (const identity::Unit& u : app.identity->Units()) {
    if (!u.active) continue;
    nlohmann::json j = {{"name", u.name}, {"code", u.code}};
    if (auto it = items.find(u.id); it != items.end() && it->second > 0) {
      j["href"] = "/services?dept=" + std::to_string(u.id);
      j["items"] = it->second;
    }
    if (u.kind == "department") departments.push_back(j);
    if (u.kind == "town") towns.push_back(j);
  }
  return {{"departments", departments}, {"towns", towns}, {"has_units", !departments.empty() || !towns.empty()}};
}

/// The two short texts the registration form asks the user to agree to, shown as column pages:
/// what the platform does with an account and its data, in plain words, and whom to ask.
struct Block {
  const char* heading;
  std::vector<std::string> lines;
};
struct InfoPage {
  const char* path;
  const char* title;
  std::string intro;
  std::vector<Block> blocks;
};

std::vector<InfoPage> InfoPages(const app::App& app) {
  const std::string centre = app.config.district_name + "电子政务中心";
  const std::string ask = "请拨打政务服务热线 12345 或联系" + centre + "。";
  return {
      {"/terms", "用户服务协议",
       "本网站由" + app.config.site_name + "主办、" + centre + "承办。注册账户前，请了解以下事项。",
       {{"账户用来做什么",
         {"注册后，您可以在线申报审批事项、上传申请材料、查询办件进度、接收办理结果、提交投诉和评价。",
          "个人以身份证号码注册，法人以统一社会信用代码注册；一个证件号码只能注册一个账户。"}},
        {"您需要做到",
         {"填写真实、准确的注册信息和申请材料；以他人名义注册或申报的，须承担相应的法律责任。",
          "妥善保管密码，不要告诉他人。连续输错密码，账户会被临时锁定。",
          "发现账户被他人使用，请及时修改密码并联系" + centre + "。"}},
        {"我们会做到",
         {"按公开的办事指南受理、办理您的申请，办理过程和结果在网上可查。",
          "按《个人信息保护说明》处理您的个人信息。"}},
        {"需要注意",
         {"本站目前不提供在线找回密码；忘记密码" + ask,
          "网上提交的申请以办理部门的受理和决定为准；需要到窗口核验的事项，请按办事指南办理。",
          "对本协议有疑问，" + ask}}}},
      {"/privacy", "个人信息保护说明",
       "本说明告诉您：本网站（由" + centre + "承办）保存您的哪些个人信息、用来做什么、谁能看到、保存多久。",
       {{"为什么收集",
         {"只为办理您在本站提出的事项：核实申请人身份，办理审批和投诉，向您反馈办理进度和结果。不用于与办理无关的用途。"}},
        {"保存哪些信息",
         {"注册信息：姓名或单位名称、身份证号码或统一社会信用代码、手机号码；法人另有法定代表人姓名。",
          "密码只保存经过不可逆运算的摘要，任何人（包括工作人员）都看不到您的密码。",
          "您提交的申请、申请材料、补正材料、投诉和评价，以及办理部门的意见和决定。",
          "为了安全，登录和重要操作记入审计日志（含时间和来源地址），日志中的证件号码部分隐藏。"}},
        {"谁能看到",
         {"您的申请和材料只有您本人和负责办理、监督的工作人员可以查看。",
          "办件公示、办件查询、电子文书核验等公开页面中，申请人姓名和证件号码部分隐藏。"}},
        {"保存多久",
         {"未提交的草稿自最后一次保存起保留 90 天，逾期自动删除。",
          "已提交的办件、材料和审计日志属于政务办理记录，本站不会自动删除（审计日志依法至少保存六个月）。",
          "本站目前不提供在线注销账户的功能。"}},
        {"联系我们", {"对个人信息的处理有疑问，或发现信息有误，" + ask}}}},
  };
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
        if (std::string(s) == "部门绩效排名") {  // the supervision bureau's published rankings
          section["note"] = "区监察局按月公布的各部门网上审批绩效评估结果：按期办结率、办理效率和申请人满意度。";
          section["links"] = {{{"href", "/open/ranking"}, {"label", "查看部门绩效排名"}}};
        }
        sections.push_back(section);
      }
      nlohmann::json view = {{"title", title}, {"intro", c.intro}, {"sections", sections}};
      if (std::string(c.path) == "/open" || std::string(c.path) == "/services") view["units"] = DepartmentsView(app);
      return app.renderer->Page(req, "external/column", title, view);
    });
  }
  for (const InfoPage& p : InfoPages(app)) {
    r.Add("GET", p.path, http::Access::kAnyone, [&app, path = std::string(p.path)](http::Request& req) {
      for (const InfoPage& page : InfoPages(app)) {
        if (page.path != path) continue;
        nlohmann::json blocks = nlohmann::json::array();
        for (const Block& b : page.blocks) blocks.push_back({{"heading", b.heading}, {"lines", b.lines}});
        nlohmann::json view = {{"title", page.title}, {"intro", page.intro}, {"article", blocks},
                               {"parent", {{"href", "/register"}, {"label", "用户注册"}}}};
        return app.renderer->Page(req, "external/column", page.title, view);
      }
      throw Error(ErrorCode::kNotFound, "页面不存在");
    });
  }
}

}  // namespace yiwang::modules

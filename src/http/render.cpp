#include "http/render.hpp"

#include <kainjow/mustache.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "core/assets.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "http/router.hpp"
#include "identity/model.hpp"

namespace yiwang::http {
namespace {

namespace mst = kainjow::mustache;

mst::data ToData(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mst::data d{mst::data::type::object};
      for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), ToData(it.value()));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mst::data d{mst::data::type::list};
      for (const auto& v : j) d.push_back(ToData(v));
      return d;
    }
    // An empty string is falsy, as in JavaScript mustache: {{^mobile}}未填写{{/mobile}} works.
    case nlohmann::json::value_t::string:
      return j.get_ref<const std::string&>().empty() ? mst::data{false} : mst::data{j.get<std::string>()};
    case nlohmann::json::value_t::boolean: return mst::data{j.get<bool>()};
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return mst::data{std::to_string(j.get<long long>())};
    case nlohmann::json::value_t::number_float: return mst::data{j.dump()};
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded: return mst::data{false};
  }
  return mst::data{false};
}

/// Parsed templates, one cache per thread: a kainjow template object is not safe to render
/// from two threads at once, and parsing once per thread keeps rendering cheap.
mst::mustache& Template(const std::string& name) {
  thread_local std::map<std::string, std::unique_ptr<mst::mustache>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return *it->second;
  auto text = core::FindAsset("templates/" + name + ".mustache");
  if (!text) throw Error(ErrorCode::kInternal, "缺少页面模板：" + name);
  auto tmpl = std::make_unique<mst::mustache>(std::string(*text));
  if (!tmpl->is_valid()) throw Error(ErrorCode::kInternal, "页面模板 " + name + " 有误：" + tmpl->error_message());
  return *cache.emplace(name, std::move(tmpl)).first->second;
}

struct NavItem {
  const char* href;
  const char* label;
};

const NavItem kExternalNav[] = {
    {"/", "首页"},          {"/today", "今日东河"},      {"/news", "新闻中心"},   {"/open", "政务公开"},
    {"/services", "网上办事"}, {"/interact", "政民互动"}, {"/invest", "招商引资"}, {"/culture", "文化旅游"},
};

/// Shared pieces of markup, templates/partials/<name>.mustache, included as {{> partials/<name>}}
/// (the full path: a partial is looked up like a variable, so a bare name such as "pager" would
/// find the view's own "pager" object instead).
void AddPartials(mst::data& root) {
  static const std::vector<std::pair<std::string, std::string_view>> partials = [] {
    std::vector<std::pair<std::string, std::string_view>> out;
    constexpr std::string_view kDir = "templates/partials/";
    constexpr std::string_view kExt = ".mustache";
    for (const auto& [path, text] : core::AllAssets()) {
      if (path.starts_with(kDir) && path.ends_with(kExt)) {
        out.emplace_back(std::string(path.substr(10, path.size() - 10 - kExt.size())), text);
      }
    }
    return out;
  }();
  for (const auto& [key, text] : partials) {
    root.set(key, mst::partial([text] { return std::string(text); }));
  }
}

}  // namespace

Renderer::Renderer(const core::Config& config) : config_(config) {}

std::string Renderer::Render(const std::string& name, const nlohmann::json& view) const {
  mst::mustache& t = Template(name);
  mst::data data = ToData(view);
  if (data.is_object()) AddPartials(data);
  std::string out = t.render(data);
  if (!t.is_valid()) throw Error(ErrorCode::kInternal, "页面模板 " + name + " 渲染失败：" + t.error_message());
  return out;
}

nlohmann::json Renderer::LayoutView(const Request& req, const std::string& title) const {
  nlohmann::json v;
  v["title"] = title;
  v["site_name"] = config_.site_name;
  v["district_name"] = config_.district_name;
  v["csrf"] = req.csrf;
  v["demo"] = config_.mode != core::Mode::kProduction;
  v["year"] = "2026";
  nlohmann::json nav = nlohmann::json::array();
  if (req.zone == "external") {
    for (const NavItem& n : kExternalNav) {
      bool active = n.href == req.path || (std::string(n.href) != "/" && req.path.rfind(n.href, 0) == 0);
      std::string label = n.label;
      if (std::string(n.href) == "/today") label = "今日" + config_.district_name.substr(0, config_.district_name.size() - 3);
      nav.push_back({{"href", n.href}, {"label", label}, {"active", active}});
    }
    // A logged-in applicant's own cases, in the menu (not only behind their name).
    if (req.principal.kind == "public") {
      nav.push_back({{"href", "/account/cases"}, {"label", "我的办件"}, {"active", req.path.rfind("/account/cases", 0) == 0}});
    }
  } else if (req.principal.kind == "staff") {
    auto add = [&](const char* href, const char* label) {
      bool active = std::string(href) == req.path || (std::string(href) != "/" && req.path.rfind(href, 0) == 0);
      nav.push_back({{"href", href}, {"label", label}, {"active", active}});
    };
    const auto& p = req.principal;
    add("/", "工作台");
    add("/admin/units", "单位管理");
    add("/admin/users", "人员管理");
    if (p.Has(identity::Role::kSysAdmin) || p.Has(identity::Role::kSecAdmin)) add("/admin/accounts", "公众账户");
    // The case list: the window's 办件受理; for the flow's roles (承办、审核、审批) their work list.
    if (p.Has(identity::Role::kWindowClerk) || p.Has(identity::Role::kSupervisor)) {
      add("/cases", "办件受理");
    } else if (p.Has(identity::Role::kHandler) || p.Has(identity::Role::kReviewer) || p.Has(identity::Role::kApprover)) {
      add("/cases", "办件办理");
    }
    add("/admin/items", "事项目录");
    add("/admin/calendar", "工作日历");
    // The supervision pages' tabs lead to the dashboard and rules: for the roles that may open them.
    v["sv_tabs"] = p.Has(identity::Role::kSupervisor) || p.Has(identity::Role::kApprover) || p.Has(identity::Role::kAuditor);
    if (p.Has(identity::Role::kSupervisor) || p.Has(identity::Role::kApprover) || p.Has(identity::Role::kAuditor)) {
      add("/supervision", "电子监察");
      if (p.Has(identity::Role::kSupervisor)) add("/supervision/complaints", "投诉处理");
    } else if (p.Has(identity::Role::kWindowClerk) || p.Has(identity::Role::kHandler) || p.Has(identity::Role::kReviewer)) {
      add("/supervision/notices", "督办单");
    }
    add("/messages", "消息");
    if (unread_messages_) {
      // The badge must not turn a page (an error page, say) into a failure of its own.
      try {
        const std::int64_t n = unread_messages_(req);
        if (n > 0) nav.back()["count"] = n > 99 ? std::string("99+") : std::to_string(n);
      } catch (const std::exception& e) {
        spdlog::warn("[{}] unread message count: {}", req.request_id, e.what());
      }
    }
    if (p.Has(identity::Role::kSysAdmin)) add("/admin/sms", "短信发件箱");
    if (p.Has(identity::Role::kAuditor)) add("/audit", "审计日志");
    add("/account", "账户安全");
    // One current item: /supervision/complaints is also under /supervision.
    std::size_t best = 0;
    for (const auto& n : nav) {
      if (n["active"].get<bool>()) best = std::max(best, n["href"].get<std::string>().size());
    }
    for (auto& n : nav) n["active"] = n["active"].get<bool>() && n["href"].get<std::string>().size() == best;
  }
  v["nav"] = nav;
  if (req.principal.authenticated()) {
    v["user"] = {{"name", req.principal.name}, {"unit", req.principal.unit_name}, {"kind", req.principal.kind}};
  }
  std::string flash = req.Cookie("yw_flash");
  if (!flash.empty()) v["flash"] = UrlDecode(flash, false);
  return v;
}

Response Renderer::Page(const Request& req, const std::string& name, const std::string& title, nlohmann::json view,
                        int status) const {
  view["csrf"] = req.csrf;
  nlohmann::json layout = LayoutView(req, title);
  if (layout.contains("sv_tabs")) view["sv_tabs"] = layout["sv_tabs"];  // the supervision pages' tabs
  layout["content"] = Render(name, view);
  Response r = Response::Html(Render(req.zone == "internal" ? "layout_internal" : "layout_external", layout), status);
  if (!req.Cookie("yw_flash").empty()) r.SetCookie("yw_flash", "", 0, config_.secure_cookies);
  return r;
}

Response Renderer::FormPage(Request& req, const std::string& name, const std::string& title, nlohmann::json view,
                            int status) const {
  Response cookies;
  req.csrf = PreSessionCsrf(req, cookies, config_.secure_cookies);
  Response res = Page(req, name, title, std::move(view), status);
  for (auto& h : cookies.headers) res.headers.push_back(h);
  return res;
}

void Renderer::Flash(Response& res, const std::string& message, bool secure) {
  res.SetCookie("yw_flash", UrlEncode(message), 60, secure);
}

Response StaticAsset(const Request& req) {
  auto data = core::FindAsset(req.path.substr(1));  // "/static/css/site.css" -> "static/css/site.css"
  if (!data || req.path.find("..") != std::string::npos) throw Error(ErrorCode::kNotFound, "文件不存在");
  std::string etag = "\"" + core::Sm3Hex(*data).substr(0, 16) + "\"";
  Response r;
  if (req.Header("if-none-match") == etag) {
    r.status = 304;
  } else {
    r.body = std::string(*data);
  }
  const std::string& p = req.path;
  auto ends = [&](const char* suffix) {
    std::string s(suffix);
    return p.size() >= s.size() && p.compare(p.size() - s.size(), s.size(), s) == 0;
  };
  r.content_type = ends(".css")   ? "text/css; charset=utf-8"
                   : ends(".js")  ? "text/javascript; charset=utf-8"
                   : ends(".svg") ? "image/svg+xml"
                   : ends(".png") ? "image/png"
                   : ends(".ico") ? "image/x-icon"
                                  : "application/octet-stream";
  r.Header("ETag", etag);
  r.Header("Cache-Control", "public, max-age=3600");
  return r;
}

}  // namespace yiwang::http

#pragma once
// The approval fixture shared by the store tests: one node's approval services with units, two
// published items (3 steps, promised 5 / statutory 10 working days; SCJ-001 free, SCJ-002 with
// two fees), the 2026 calendar, staff of two departments and citizens.
#include <fstream>
#include <sstream>

#include "approval/cases.hpp"
#include "approval/drafts.hpp"
#include "identity/checkdigit.hpp"
#include "test_support.hpp"

namespace yiwang::testing {

inline const std::string kPdf = "%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// One node's approval services, with units, a published item and the 2026 calendar.
struct Approval {
  explicit Approval(Node& n)
      : node(n),
        calendar(*n.db, n.clock, *n.audit),
        catalogue(*n.db, n.clock, *n.audit, *n.exchange, *n.files),
        documents(*n.db, n.clock, *n.files, std::string(32, 's'), "http://127.0.0.1:8080"),
        cases(*n.db, n.clock, *n.audit, *n.exchange, *n.files, catalogue, calendar, documents, {}),
        drafts(*n.db, n.clock, *n.audit, *n.files, catalogue, cases) {
    catalogue.RegisterPacketHandlers();
    cases.RegisterPacketHandlers();
  }
  void ImportCalendar() {
    calendar.Import(identity::Context::System("测试"), ReadFile(YIWANG_SOURCE_DIR "/data/calendar/cn-2026.csv"),
                    "2026");
  }
  void SeedInside() {
    auto sys = identity::Context::System("测试");
    ImportCalendar();
    auto d = node.identity->CreateUnit(sys, {0, "D", "东河区人民政府", "district", 0});
    district = d.id;
    scj = node.identity->CreateUnit(sys, {d.id, "SCJ", "东河区市场监督管理局", "department", 1}).id;
    zrj = node.identity->CreateUnit(sys, {d.id, "ZRJ", "东河区自然资源和规划局", "department", 2}).id;
    approval::Item free;
    free.code = "SCJ-001";
    free.name = "食品经营许可（新办）";
    free.dept_code = "SCJ";
    free.statutory_days = 10;
    free.promised_days = 5;
    free.materials = {
        {"申请书", true, 1, true, ""}, {"营业执照复印件", false, 1, true, ""}, {"委托书", false, 1, false, ""}};
    free.steps = {{"受理", "window_clerk", 1}, {"审查", "handler", 3}, {"审批", "approver", 1}};
    approval::Item paid = free;
    paid.code = "SCJ-002";
    paid.name = "特种设备使用登记（新办）";
    paid.place = "区政务服务中心二楼 12 号窗口";
    paid.fees = {{"登记费", 8000, "《收费标准》第一条"}, {"证书工本费", 1000, "《收费标准》第二条"}};
    catalogue.PublishAll(sys, {free, paid});
    clerk = Staff("clerk", scj, {"window_clerk"});
    other_clerk = Staff("zclerk", zrj, {"window_clerk"});
    handler = Staff("handler", scj, {"handler"});
    approver = Staff("approver", scj, {"approver"});
  }
  identity::Context Staff(const std::string& name, std::int64_t unit, std::set<std::string> roles) {
    auto sys = identity::Context::System("测试");
    auto u = node.identity->CreateUser(sys, {name, name + "姓名", unit, "", "correct horse battery"});
    node.identity->SetRoles(sys, u.id, roles);
    u = node.identity->GetUser(sys, u.id);
    identity::Context c;
    c.principal = {"staff", u.id, u.display_name, u.username, u.unit_id, u.unit_name, u.roles};
    c.zone = "internal";
    return c;
  }
  identity::Context Citizen(const std::string& name = "张三", const std::string& first17 = "37050319900307123") {
    identity::Registration r;
    r.kind = "citizen";
    r.name = name;
    r.id_number = first17 + identity::ResidentIdCheckChar(first17);
    r.mobile = "13800138000";
    r.password = r.password_confirm = "my long passphrase";
    auto a = node.identity->Register({}, r);
    identity::Context c;
    c.principal.kind = "public";
    c.principal.id = a.id;
    c.principal.name = a.name;
    c.zone = "external";
    return c;
  }
  approval::Application App(const std::string& key, const std::string& item = "SCJ-001") {
    approval::Application a;
    a.item_code = item;
    a.contact_name = "张三";
    a.contact_mobile = "13800138000";
    a.description = "在东河街道开设餐馆";
    a.idempotency_key = key;
    a.uploads = {{1, "申请书.pdf", kPdf + key}, {2, "执照.pdf", kPdf + key + " "}};
    return a;
  }
  Node& node;
  calendar::CalendarService calendar;
  approval::CatalogueService catalogue;
  approval::DocumentService documents;
  approval::CaseService cases;
  approval::DraftService drafts;
  std::int64_t district = 0, scj = 0, zrj = 0;
  identity::Context clerk, other_clerk, handler, approver;
};

inline approval::CaseAction Do(const std::string& action, const std::string& opinion = "", const std::string& decision = "",
                        int days = 0) {
  approval::CaseAction a;
  a.action = action;
  a.opinion = opinion;
  a.decision = decision;
  a.days = days;
  return a;
}

/// An accepted case of a fixture item (受理 → 审查 → 审批) through 审查 to the approver's decision.
inline approval::Case Decide(Approval& a, const std::string& case_no, const std::string& decision = "approve",
                             const std::string& opinion = "同意") {
  a.cases.Act(a.handler, case_no, Do("claim"));
  a.cases.Act(a.handler, case_no, Do("complete_step", "符合条件"));
  a.cases.Act(a.approver, case_no, Do("claim"));
  return a.cases.Act(a.approver, case_no, Do("decide", opinion, decision));
}

}  // namespace yiwang::testing

#pragma once
// The approval fixture shared by the store tests: one node's approval services with units, a
// published item (3 steps, promised 5 / statutory 10 working days), the 2026 calendar, staff
// of two departments and a citizen.
#include <fstream>
#include <sstream>

#include "approval/cases.hpp"
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
        catalogue(*n.db, n.clock, *n.audit, *n.exchange),
        documents(*n.db, n.clock, *n.files, std::string(32, 's'), "http://127.0.0.1:8080"),
        cases(*n.db, n.clock, *n.audit, *n.exchange, *n.files, catalogue, calendar, documents, {}) {
    catalogue.RegisterPacketHandlers();
    cases.RegisterPacketHandlers();
  }
  void SeedInside() {
    auto sys = identity::Context::System("测试");
    calendar.Import(sys, ReadFile(YIWANG_SOURCE_DIR "/data/calendar/cn-2026.csv"), "2026");
    auto d = node.identity->CreateUnit(sys, {0, "D", "东河区人民政府", "district", 0});
    district = d.id;
    scj = node.identity->CreateUnit(sys, {d.id, "SCJ", "东河区市场监督管理局", "department", 1}).id;
    zrj = node.identity->CreateUnit(sys, {d.id, "ZRJ", "东河区自然资源和规划局", "department", 2}).id;
    approval::Item i;
    i.code = "SCJ-001";
    i.name = "食品经营许可（新办）";
    i.dept_code = "SCJ";
    i.statutory_days = 10;
    i.promised_days = 5;
    i.materials = {{"申请书", true, 1, true, ""}, {"营业执照复印件", false, 1, true, ""}, {"委托书", false, 1, false, ""}};
    i.steps = {{"受理", "window_clerk", 1}, {"审查", "handler", 3}, {"审批", "approver", 1}};
    catalogue.PublishAll(sys, {i});
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
  identity::Context Citizen() {
    identity::Registration r;
    r.kind = "citizen";
    r.name = "张三";
    const std::string first17 = "37050319900307123";
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
  approval::Application App(const std::string& key) {
    approval::Application a;
    a.item_code = "SCJ-001";
    a.contact_name = "张三";
    a.contact_mobile = "13800138000";
    a.description = "在东河街道开设餐馆";
    a.idempotency_key = key;
    a.uploads = {{1, "申请书.pdf", kPdf}, {2, "执照.pdf", kPdf + " "}};
    return a;
  }
  Node& node;
  calendar::CalendarService calendar;
  approval::CatalogueService catalogue;
  approval::DocumentService documents;
  approval::CaseService cases;
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

}  // namespace yiwang::testing

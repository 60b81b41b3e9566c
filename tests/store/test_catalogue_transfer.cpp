// Catalogue import and export on both databases: a catalogue exported and imported elsewhere
// is the same catalogue (CSV and .xlsx); a file with a bad row changes nothing; importing again
// makes new versions and never edits a published one; only the 系统管理员 may import.
#include "approval/catalogue.hpp"
#include "approval/transfer.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

using approval::Item;
using approval::ItemStatus;

Item Sample(const std::string& code, const std::string& name, const std::string& dept = "SCJ") {
  Item i;
  i.code = code;
  i.name = name;
  i.dept_code = dept;
  i.kind = approval::ItemKind::kLicense;
  i.legal_basis = "《中华人民共和国食品安全法》第三十五条";
  i.conditions = "1. 有固定场所，\"整洁\"；\n2. 有管理制度, 人员";
  i.statutory_days = 10;
  i.promised_days = 5;
  i.place = "政务服务中心 3 号窗口";
  i.materials = {{"申请书", true, 1, true, ""}, {"营业执照复印件", false, 2, false, "加盖公章"}};
  i.fees = {{"工本费", 1250, "东价费〔2020〕1 号"}};
  i.steps = {{"受理", "window_clerk", 1}, {"审查", "handler", 2}, {"审批", "approver", 1}};
  return i;
}

std::vector<Item> Three() {
  Item b = Sample("YBJ-001", "医保定点医药机构确认", "YBJ");
  b.kind = approval::ItemKind::kConfirmation;
  b.fees.clear();
  b.fully_online = true;
  return {Sample("SCJ-001", "食品经营许可（新办）"), b, Sample("SCJ-002", "公共场所卫生许可")};
}

/// A node with the units the samples name, and its catalogue service.
struct CatalogueNode {
  explicit CatalogueNode(const std::string& backend)
      : node(backend), svc(*node.db, node.clock, *node.audit, *node.exchange, *node.files) {
    auto sys = identity::Context::System("测试");
    auto d = node.identity->CreateUnit(sys, {0, "D", "东河区人民政府", "district", 0});
    node.identity->CreateUnit(sys, {d.id, "SCJ", "东河区市场监督管理局", "department", 1});
    node.identity->CreateUnit(sys, {d.id, "YBJ", "东河区医疗保障局", "department", 2});
  }
  /// The latest version of every item, as the export reads them.
  std::vector<Item> All() {
    approval::store::Query q;
    q.published_only = false;
    return svc.SearchAll(q);
  }
  /// Rows of every table an import writes to, to see that nothing changed.
  std::vector<long long> Footprint() {
    return {node.Count("items"), node.Count("audit_log"), node.Count("exchange_outbox")};
  }
  Node node;
  approval::CatalogueService svc;
};

template <typename Fn>
Error ErrorOf(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a yiwang::Error";
  return Error(ErrorCode::kInternal, "");
}

class CatalogueTransfer : public BackendTest {
 protected:
  const identity::Context sys_ = identity::Context::System("测试");

  /// Export from one node, import with publish into a fresh one: the second node's export
  /// is the same file (all columns: codes, departments, lists, version 1, 已发布).
  void RoundTrip(bool xlsx) {
    CatalogueNode a(GetParam()), b(GetParam());
    ASSERT_EQ(a.svc.PublishAll(sys_, Three()), 3);
    const auto exported = a.All();
    ASSERT_EQ(exported.size(), 3u);
    const std::string file = xlsx ? approval::ExportXlsx(exported) : approval::ExportCsv(exported);
    EXPECT_EQ(approval::LooksLikeXlsx(file), xlsx);
    approval::Sheet sheet = approval::ReadSpreadsheet(file);
    auto r = b.svc.Import(sys_, sheet, true);
    EXPECT_EQ(r.count, 3);
    EXPECT_EQ(r.created, 3);
    EXPECT_TRUE(r.published);
    const auto imported = b.All();
    EXPECT_EQ(approval::ExportCsv(imported), approval::ExportCsv(exported));
    EXPECT_EQ(b.svc.Published("YBJ-001").dept_name, "东河区医疗保障局");
    // One packet for the whole import, one audit record.
    EXPECT_EQ(b.node.Count("exchange_outbox", "kind = 'items.published'"), 1);
    EXPECT_EQ(b.node.Count("audit_log", "action = 'item.import'"), 1);
    EXPECT_EQ(b.node.Count("audit_log", "action LIKE 'item.%'"), 1);
  }
};

TEST_P(CatalogueTransfer, CsvExportImportsAsTheSameCatalogue) { RoundTrip(false); }

TEST_P(CatalogueTransfer, XlsxExportImportsAsTheSameCatalogue) { RoundTrip(true); }

TEST_P(CatalogueTransfer, ABadRowChangesNothing) {
  CatalogueNode n(GetParam());
  n.svc.PublishAll(sys_, {Sample("SCJ-001", "食品经营许可（新办）")});
  auto items = Three();
  items[0].promised_days = 4;   // row 2: fine (an edit of a published item)
  items[1].dept_code = "NOPE";  // row 3: no such unit
  items[2].dept_code = "D";     // row 4: the district itself, not a department
  const std::string csv = approval::ExportCsv(items);
  approval::Sheet sheet = approval::ReadCsv(csv);  // the file itself is well-formed
  const auto before = n.Footprint();
  Error e = ErrorOf([&] { n.svc.Import(sys_, sheet.items, true, sheet.rows); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  EXPECT_NE(e.message().find("第 3 行：实施部门编码不存在：NOPE"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("第 4 行：实施部门应为部门或乡镇（街道）"), std::string::npos) << e.message();
  EXPECT_EQ(e.message().find("第 2 行"), std::string::npos) << e.message();
  EXPECT_EQ(e.fields().size(), 2u);
  EXPECT_EQ(n.Footprint(), before);
  EXPECT_EQ(n.svc.Latest("SCJ-001").promised_days, 5);

  // Problems found reading the file and found by the import come in one list, by row.
  items[0].promised_days = 40;  // row 2 now fails when read
  sheet = approval::ReadCsv(approval::ExportCsv(items));
  ASSERT_EQ(sheet.problems.size(), 1u);
  Error both = ErrorOf([&] { n.svc.Import(sys_, sheet, false); });
  const std::string& m = both.message();
  const auto r2 = m.find("第 2 行：承诺时限应为"), r3 = m.find("第 3 行：实施部门编码不存在"),
             r4 = m.find("第 4 行：实施部门应为");
  ASSERT_NE(r2, std::string::npos) << m;
  ASSERT_NE(r3, std::string::npos) << m;
  ASSERT_NE(r4, std::string::npos) << m;
  EXPECT_LT(r2, r3);
  EXPECT_LT(r3, r4);
  EXPECT_EQ(both.fields().size(), 3u);

  // Rows the caller does not number are counted from 2 (after a header).
  Item invalid = Sample("SCJ-009", "超时");
  invalid.promised_days = 30;
  Error unnumbered = ErrorOf([&] { n.svc.Import(sys_, {Sample("SCJ-008", "好"), invalid}, false); });
  EXPECT_NE(unnumbered.message().find("第 3 行：承诺时限应为"), std::string::npos) << unnumbered.message();
  // Two rows with one code.
  Error twice = ErrorOf([&] { n.svc.Import(sys_, {Sample("SCJ-008", "甲"), Sample("SCJ-008", "乙")}, false); });
  EXPECT_NE(twice.message().find("第 3 行：事项编码 SCJ-008 与第 2 行重复"), std::string::npos) << twice.message();
  EXPECT_EQ(n.Footprint(), before);
}

TEST_P(CatalogueTransfer, ReimportMakesNewVersionsAndLeavesPublishedOnesAlone) {
  CatalogueNode n(GetParam());
  n.svc.PublishAll(sys_, Three());
  auto items = n.All();
  items[0].promised_days = 4;
  items[0].name = "食品经营许可（新办，改）";

  // Drafts: the published version 1 is what the public still sees.
  auto r = n.svc.Import(sys_, items, false);
  EXPECT_EQ(r.count, 3);
  EXPECT_EQ(r.new_versions, 3);
  EXPECT_EQ(r.created, 0);
  EXPECT_FALSE(r.published);
  Item pub = n.svc.Published("SCJ-001");
  EXPECT_EQ(pub.version, 1);
  EXPECT_EQ(pub.promised_days, 5);
  EXPECT_EQ(pub.name, "食品经营许可（新办）");
  Item draft = n.svc.Latest("SCJ-001");
  EXPECT_EQ(draft.version, 2);
  EXPECT_EQ(draft.status, ItemStatus::kDraft);
  EXPECT_EQ(draft.promised_days, 4);
  EXPECT_EQ(n.node.Count("exchange_outbox", "kind = 'items.published'"), 1);  // PublishAll's only

  // Again: the drafts are updated in place, no version 3; a new code starts at version 1.
  items[0].promised_days = 6;
  items.push_back(Sample("SCJ-003", "新事项"));
  r = n.svc.Import(sys_, items, false);
  EXPECT_EQ(r.drafts_updated, 3);
  EXPECT_EQ(r.created, 1);
  EXPECT_EQ(n.svc.Latest("SCJ-001").version, 2);
  EXPECT_EQ(n.svc.Latest("SCJ-001").promised_days, 6);
  EXPECT_EQ(n.svc.Latest("SCJ-003").version, 1);
  EXPECT_EQ(n.node.Count("items"), 7);

  // Published: version 2 replaces version 1 (kept as superseded), in one packet.
  r = n.svc.Import(sys_, items, true);
  EXPECT_TRUE(r.published);
  EXPECT_EQ(n.svc.Published("SCJ-001").version, 2);
  EXPECT_EQ(n.svc.Published("SCJ-001").promised_days, 6);
  EXPECT_EQ(n.svc.Version(pub.id).status, ItemStatus::kSuperseded);
  EXPECT_EQ(n.svc.Version(pub.id).promised_days, 5);
  EXPECT_EQ(n.node.Count("exchange_outbox", "kind = 'items.published'"), 2);
  EXPECT_EQ(n.node.Count("audit_log", "action = 'item.import'"), 3);
  approval::store::Query q;
  q.q = "食品";
  EXPECT_EQ(n.svc.Search(q).total, 1);  // the search index follows the published version
}

TEST_P(CatalogueTransfer, OnlyTheSystemAdministratorImports) {
  CatalogueNode n(GetParam());
  const auto before = n.Footprint();
  for (const char* role : {"window_clerk", "sec_admin", "auditor", "approver"}) {
    identity::Context staff;
    staff.principal.kind = "staff";
    staff.principal.roles = {role};
    Error e = ErrorOf([&] { n.svc.Import(staff, Three(), true); });
    EXPECT_EQ(e.code(), ErrorCode::kForbidden) << role;
  }
  identity::Context admin;
  admin.principal.kind = "staff";
  admin.principal.roles = {"sys_admin"};
  EXPECT_EQ(n.Footprint(), before);
  EXPECT_EQ(n.svc.Import(admin, Three(), false).count, 3);
  EXPECT_EQ(n.node.Count("items", "status = 'draft'"), 3);
}

YIWANG_BACKENDS(CatalogueTransfer);

}  // namespace
}  // namespace yiwang::testing
